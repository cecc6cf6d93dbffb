"""The safety check of a built site: nothing runs or loads that we did not ship.

Every page of the site holds text from incident files, which anyone who can
open a pull request writes. Escaping makes that text inert; this check
proves it on the output, whatever produced it: no script but the theme's
and this package's, no ``on*`` event attribute, no ``javascript:`` or
``data:`` URL, nothing loaded from the internet, no link from the site root
(so the site works under any path prefix).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

_URL_ATTRS = (
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "background",
    "cite",
    "srcset",
)
_LOADS = (
    "script",
    "img",
    "link",
    "iframe",
    "source",
    "audio",
    "video",
    "embed",
    "object",
    "track",
    "input",
    "image",
    "use",
)
_NEVER_IN_CONTENT = (
    "script",
    "iframe",
    "object",
    "embed",
    "form",
    "base",
    "meta",
    "link",
    "style",
    "frame",
    "frameset",
)
_BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
THEME_SCRIPTS = (
    "__md_scope=new URL(",
    "var palette=__md_get(",
    "var target=document.getElementById(location.hash",
)
"""How the inline scripts of mkdocs-material's base template begin. Any
other inline script fails the check; a theme update that adds one fails
the build until it is listed here."""


def _plain(url: str) -> str:
    """A URL as a browser reads its scheme: no whitespace or control chars."""
    return "".join(ch for ch in url if ch > " " and ch != "\x7f").lower()


class _Scan(HTMLParser):
    """Collects what makes a page unsafe or not self-contained."""

    def __init__(self, allow_root_links: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.allow_root_links = allow_root_links
        self.problems: list[str] = []
        self.content = 0  # depth inside the page's <article>
        self.script: dict[str, str | None] | None = None
        self.script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("title", "textarea"):
            self.set_cdata_mode(tag)  # text up to the end tag, as browsers read it
        if tag == "article":
            self.content += 1
        if tag == "script":
            self.script, self.script_text = dict(attrs), ""
        if self.content and tag in _NEVER_IN_CONTENT:
            self.problems.append(f"<{tag}> in the page content")
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "article":
            self.content -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.content:
            self.content -= 1
        if tag == "script" and self.script is not None:
            self._check_script(self.script, self.script_text.strip())
            self.script = None

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script_text += data

    def _check_script(self, attrs: dict[str, str | None], text: str) -> None:
        """Scripts with a src were checked as URLs; inline ones must be the
        theme's (or data the browser does not run)."""
        if "src" in attrs or not text or attrs.get("type") == "application/json":
            return
        if not text.startswith(THEME_SCRIPTS):
            self.problems.append(
                f"an inline script that is not the theme's: {text[:40]!r}"
            )

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self.problems.append(f"<{tag} {name}=...>: an event handler attribute")
        if name == "style" and "url(" in _plain(value):
            self.problems.append(f"<{tag} style=...>: loads a URL")
        if name not in _URL_ATTRS:
            return
        urls = (
            [part.split()[0] for part in value.split(",") if part.split()]
            if name == "srcset"
            else [value]
        )
        for url in urls:
            plain = _plain(url)
            if plain.startswith(_BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={url[:40]!r}>: unsafe URL")
            elif tag in _LOADS and plain.startswith(("http:", "https:", "//")):
                self.problems.append(f"<{tag} {name}={url[:60]!r}>: loads from the web")
            elif (
                plain.startswith("/")
                and not plain.startswith("//")
                and not self.allow_root_links
            ):
                self.problems.append(
                    f"<{tag} {name}={url[:60]!r}>: a root-relative link"
                )


def check_html(html: str, allow_root_links: bool = False) -> list[str]:
    """What makes one built page unsafe or dependent on the internet.

    Scripts must be local (the theme's and this package's); inline scripts
    only outside the page content, where the theme puts its own. No
    element may carry an ``on*`` attribute or a ``javascript:``/``data:``
    URL; nothing may load from the web; links stay relative, so the site
    works under any path prefix. Links users wrote (``<a href>`` to
    http(s)) are allowed.
    """
    scan = _Scan(allow_root_links)
    scan.feed(html)
    scan.close()
    return scan.problems


def check_site(site_dir: Path, skip_pages: bool = False) -> list[str]:
    """:func:`check_html` over the built HTML files of a site.

    With ``skip_pages``, only the files that MkDocs did not build from a
    page (such as ``404.html``) are read; the pages were checked as they
    were built. ``404.html`` may link from the site root: a host serves it
    at any depth.
    """
    problems = []
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        if skip_pages and rel != "404.html":
            continue
        found = check_html(path.read_text("utf-8"), allow_root_links=rel == "404.html")
        problems.extend(f"{rel}: {problem}" for problem in found)
    return problems

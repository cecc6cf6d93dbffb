"""Build the site: validate, write the docs folder, run MkDocs strictly, check.

The *docs folder* (``build/docs/``, git-ignored) holds a copy of the
repository's hand-written pages (``site/``, or the packaged defaults) and
every generated page and diagram. MkDocs builds it with the material theme
in strict mode, with the repository's ``mkdocs.yml`` (or the packaged
default) and the settings hindsight needs on top: no web fonts, the search
plugin, the navigation of the index pages, incident pages left out of the
navigation, this package's script and styles.

Every built page is then checked: no script but the theme's and ours, no
``on*`` event attribute, no ``javascript:`` or ``data:`` URL, nothing
loaded from the internet, no link from the site root. The output folder is
replaced only by a site that passed, so a failed build never leaves a site
behind that could be published.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from tqdm import tqdm

from . import mdtext, pipeline, render
from .pipeline import CheckResult, IncidentRecord
from .repository import Repository

log = logging.getLogger("hindsight")

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_CONFIG = DATA / "mkdocs.yml"
DEFAULT_PAGES = DATA / "site"
ASSETS = DATA / "templates" / "assets"
ASSET_DIR = "assets/hindsight"
LARGE = 100  # incidents from which progress bars show
REQUIRED_EXTENSIONS: dict[str, dict[str, Any]] = {
    # Any punctuation may be backslash-escaped, as in CommonMark, which is
    # how hindsight.mdtext escapes text for every Markdown it writes.
    "pymdownx.escapeall": {},
    "tables": {},
    "attr_list": {},
    "md_in_html": {},
    "admonition": {},
    "toc": {"permalink": True},
}
NOT_IN_NAV = ("/incidents/*.md", "/services/*.md", "/categories/*.md", "/tags/*.md")


class BuildError(Exception):
    """The site could not be built; the message says why."""


class InvalidIncidents(BuildError):
    """Validation found errors; ``result`` holds every finding."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__("the incidents have errors")
        self.result = result


@dataclass
class BuildResult:
    """What a build made."""

    site_dir: Path
    docs_dir: Path
    incidents: int
    pages: int
    warnings: int = 0


# The repository's site settings --------------------------------------------------


@dataclass
class SiteConfig:
    """The MkDocs settings and hand-written pages of a repository."""

    config_file: Path
    raw: dict[str, Any]
    pages_dir: Path
    own_pages: bool

    @classmethod
    def of(cls, repo: Repository) -> SiteConfig:
        """The repository's ``mkdocs.yml`` and ``site/``, or the packaged ones."""
        from mkdocs.utils.yaml import yaml_load

        config_file = repo.root / "mkdocs.yml"
        if not config_file.is_file():
            config_file = DEFAULT_CONFIG
        try:
            with config_file.open("rb") as handle:
                raw = yaml_load(handle) or {}
        except Exception as error:  # YAML errors, a missing INHERIT file
            raise BuildError(f"{repo.display(config_file)}: {error}") from None
        if not isinstance(raw, dict):
            raise BuildError(f"{repo.display(config_file)}: not a YAML mapping")
        pages = repo.root / "site"
        own = pages.is_dir()
        return cls(config_file, raw, pages if own else DEFAULT_PAGES, own)

    @property
    def edit_base(self) -> str | None:
        """The repository root in the host's edit view, from ``repo_url`` and
        ``edit_uri``; None unless both are set."""
        repo_url = mdtext.safe_url(self.raw.get("repo_url"))
        edit_uri = self.raw.get("edit_uri")
        if not repo_url or not edit_uri:
            return None
        base = urljoin(repo_url.rstrip("/") + "/", str(edit_uri))
        return base if base.endswith("/") else base + "/"

    def source_url(self, repo_path: str | None) -> str | None:
        """Where a file of the repository opens on its host, if known."""
        base = self.edit_base
        if not base or not repo_path:
            return None
        return mdtext.safe_url(base + repo_path.replace(" ", "%20"))


def hand_written(config: SiteConfig) -> dict[str, bytes]:
    """Every file of the hand-written pages folder, by its path there."""
    files = {}
    for path in sorted(config.pages_dir.rglob("*")):
        rel = path.relative_to(config.pages_dir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            files[rel.as_posix()] = path.read_bytes()
    return files


# The docs folder -----------------------------------------------------------------


@dataclass
class Docs:
    """The files of the docs folder and where each page's source lives."""

    files: dict[str, bytes] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    hand_written: list[str] = field(default_factory=list)


def _bar(iterable: Any, total: int, what: str, show: bool) -> Any:
    return tqdm(
        iterable,
        total=total,
        desc=what,
        unit="page",
        file=sys.stderr,
        disable=not show,
        leave=False,
        mininterval=0.5,
    )


def docs_files(
    repo: Repository,
    records: list[IncidentRecord],
    as_of: date,
    config: SiteConfig,
    show: bool = False,
) -> Docs:
    """Render every page into memory: hand-written, generated, assets."""
    docs = Docs()
    pages = hand_written(config)
    intro = pages.pop("index.md", b"").decode("utf-8")
    site = render.Site(
        records,
        repo.taxonomy,
        as_of,
        source_url=config.source_url,
        intro=intro or "# Postmortems\n",
    )
    generated: dict[str, str] = {}
    for view in _bar(site.views, len(site.views), "incident pages", show):
        generated.update(render.incident_files(site, view))
        docs.sources[view.doc] = view.record.name
    generated.update(render.index_files(site))
    generated.update(render.trend_files(site))
    if config.own_pages:
        docs.sources["index.md"] = "site/index.md"

    for path, content in pages.items():
        if path in generated or path.startswith(ASSET_DIR + "/"):
            where = repo.display(config.pages_dir / path)
            raise BuildError(f"{where}: the site generates this page; rename the file")
        docs.files[path] = content
        if path.endswith(".md"):
            docs.hand_written.append(path)
            if config.own_pages:
                docs.sources[path] = f"site/{path}"
    docs.files.update({p: c.encode("utf-8") for p, c in generated.items()})
    for asset in sorted(ASSETS.iterdir()):
        docs.files[f"{ASSET_DIR}/{asset.name}"] = asset.read_bytes()
    return docs


def sync_tree(root: Path, files: dict[str, bytes]) -> int:
    """Make ``root`` hold exactly ``files``; unchanged files are not touched
    (so a live preview sees only real changes). Returns the files written."""
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    for rel, content in files.items():
        target = root / rel
        if target.is_file() and target.read_bytes() == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written += 1
    for path in sorted(root.rglob("*"), reverse=True):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in files:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written


# MkDocs --------------------------------------------------------------------------


def navigation(config: SiteConfig, hand_written_pages: list[str]) -> list[Any]:
    """The index pages, then the hand-written ones, then the reference."""
    guide = config.raw.get("nav") or [
        p for p in sorted(hand_written_pages) if p != "index.md"
    ]
    nav: list[Any] = [
        {"Home": "index.md"},
        {
            "Incidents": [
                {"All incidents": "incidents/index.md"},
                {"By service": "services/index.md"},
                {"By root cause": "categories/index.md"},
                {"By tag": "tags/index.md"},
            ]
        },
        {
            "Trends": [
                {f"Last {render.TREND_DAYS} days": "trends/index.md"},
                {"All time": "trends/all-time.md"},
            ]
        },
        {"Action items": "actions.md"},
    ]
    if guide:
        nav.append({"Guide": guide})
    nav.append(
        {
            "Reference": [
                {"Analyzers": "reference/analyzers.md"},
                {"Readiness": "reference/readiness.md"},
            ]
        }
    )
    return nav


def _extensions(raw: Any) -> list[Any]:
    """The repository's Markdown extensions plus those the pages need."""
    entries = list(raw.items()) if isinstance(raw, dict) else list(raw or [])
    names = set()
    merged: list[Any] = []
    for entry in entries:
        name = next(iter(entry)) if isinstance(entry, dict) else entry
        names.add(name)
        merged.append(entry)
    for name, options in REQUIRED_EXTENSIONS.items():
        if name not in names and f"markdown.extensions.{name}" not in names:
            merged.append({name: options} if options else name)
    return merged


def _plugins(raw: Any) -> Any:
    if raw is None:
        return ["search"]
    if isinstance(raw, dict):
        return raw if "search" in raw else {"search": {}, **raw}
    names = {next(iter(p)) if isinstance(p, dict) else p for p in raw}
    return list(raw) if "search" in names else ["search", *raw]


def mkdocs_settings(
    config: SiteConfig, docs_dir: Path, site_dir: Path, nav: list[Any]
) -> dict[str, Any]:
    """The settings hindsight puts over the repository's ``mkdocs.yml``."""
    raw = config.raw
    theme = raw.get("theme") or {"name": "material"}
    theme = {"name": theme} if isinstance(theme, str) else dict(theme)
    if theme.get("name", "material") != "material":
        raise BuildError(
            f"mkdocs.yml: theme `{theme.get('name')}`: hindsight sites use the "
            "material theme (its options under `theme:` are kept)"
        )
    not_in_nav = "\n".join(filter(None, [raw.get("not_in_nav"), *NOT_IN_NAV]))
    validation = dict(raw.get("validation") or {})
    links = {"absolute_links": "warn", "anchors": "warn", "unrecognized_links": "warn"}
    validation["links"] = {**links, **dict(validation.get("links") or {})}
    return {
        "site_name": raw.get("site_name") or "Postmortems",
        "docs_dir": str(docs_dir.resolve()),
        "site_dir": str(site_dir.resolve()),
        "strict": True,
        "use_directory_urls": True,
        "theme": {**theme, "name": "material", "font": False},
        "plugins": _plugins(raw.get("plugins")),
        "markdown_extensions": _extensions(raw.get("markdown_extensions")),
        "extra_css": [*(raw.get("extra_css") or []), f"{ASSET_DIR}/hindsight.css"],
        "extra_javascript": [
            *(raw.get("extra_javascript") or []),
            f"{ASSET_DIR}/hindsight.js",
        ],
        "not_in_nav": not_in_nav,
        "validation": validation,
        "nav": nav,
    }


class _Hooks:
    """Events hindsight adds to the MkDocs build: edit links, progress, checks."""

    def __init__(self, config: SiteConfig, docs: Docs, show: bool) -> None:
        self.config, self.docs, self.show = config, docs, show
        self.problems: list[str] = []
        self.pages = 0
        self._bars: dict[str, Any] = {}

    def on_page_content(self, html: str, page: Any, config: Any, files: Any) -> str:
        # The theme prints `page.meta.title` as it is, but strips tags from
        # `page.title` and so decodes its entities: `&lt;/title&gt;` in a
        # heading would close the <title> element. The title taken from the
        # rendered heading is already escaped HTML text, so it goes to meta.
        heading = page._title_from_render
        if (
            heading
            and "title" not in page.meta
            and page.title == heading
            and not page.is_homepage
        ):
            page.meta["title"] = heading
        self._step("converting Markdown")
        return html

    def on_page_context(self, context: Any, page: Any, config: Any, nav: Any) -> Any:
        page.edit_url = self.config.source_url(self.docs.sources.get(page.file.src_uri))
        return context

    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        self._step("site pages")
        self.pages += 1
        self.problems.extend(
            f"{page.file.dest_uri}: {problem}" for problem in check_html(output)
        )
        return output

    def _step(self, phase: str) -> None:
        """One page further in a phase of the MkDocs build (a progress bar)."""
        if phase not in self._bars:
            for bar in self._bars.values():
                bar.close()
            total = sum(p.endswith(".md") for p in self.docs.files)
            self._bars[phase] = _bar(None, total, phase, self.show)
        self._bars[phase].update(1)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


@contextlib.contextmanager
def _mkdocs_logging() -> Iterator[None]:
    """Show MkDocs' warnings (and with -v its progress) on stderr."""
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mkdocs: %(levelname)s: %(message)s"))
    verbose = log.getEffectiveLevel() <= logging.DEBUG
    saved = logger.level, logger.propagate
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


@contextlib.contextmanager
def _build_date(as_of: date) -> Iterator[None]:
    """Date the build by the as-of day (sitemap), so rebuilds are identical."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if saved is None:
        moment = datetime.combine(as_of, time(), UTC)
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def run_mkdocs(
    config: SiteConfig,
    settings: dict[str, Any],
    hooks: _Hooks,
    serve_url: str | None = None,
) -> None:
    """One strict MkDocs build with hindsight's hooks."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    with _mkdocs_logging():
        try:
            mk = load_config(config_file=str(config.config_file), **settings)
            mk.plugins["hindsight"] = hooks  # type: ignore[assignment]
            build(mk, serve_url=serve_url)
        except (exceptions.MkDocsException, exceptions.ConfigurationError) as error:
            raise BuildError(f"MkDocs: {error}") from None
        finally:
            hooks.close()


# The build -----------------------------------------------------------------------


def _checked_out(repo: Repository, out: Path) -> Path:
    """Refuse an output folder whose cleaning would delete the repository's files."""
    out, root = out.resolve(), repo.root.resolve()
    if root.is_relative_to(out):
        raise BuildError(f"--out {out}: would overwrite the repository")
    for keep in ("incidents", "site", "schemas", "build/docs"):
        if out.is_relative_to(root / keep):
            raise BuildError(f"--out {out}: is inside {keep}/")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise BuildError(
            f"--out {out}: the folder is not empty and holds no built site; "
            "choose a new or empty folder"
        )
    return out


def build_site(
    repo: Repository, out: Path | None = None, as_of: date | None = None
) -> BuildResult:
    """Validate, render, build with MkDocs and check; raises BuildError."""
    as_of = as_of or datetime.now(UTC).date()
    site_dir = _checked_out(repo, out or repo.site_dir)
    files = len(repo.incident_files())
    if files >= LARGE:
        log.info("validating %d incident files", files)
    result, records = pipeline.load_records(repo)
    if not result.ok:
        raise InvalidIncidents(result)
    warnings = len(result.findings)
    log.info(
        "validated %d incident file(s), %d warning(s)", len(result.files), warnings
    )
    show = len(records) >= LARGE and log.isEnabledFor(logging.INFO)

    config = SiteConfig.of(repo)
    docs = docs_files(repo, records, as_of, config, show)
    docs_dir = repo.build_dir / "docs"
    written = sync_tree(docs_dir, docs.files)
    log.info(
        "wrote %d of %d file(s) into %s",
        written,
        len(docs.files),
        repo.display(docs_dir),
    )

    staging = site_dir.with_name(site_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    hooks = _Hooks(config, docs, show)
    settings = mkdocs_settings(
        config, docs_dir, staging, navigation(config, docs.hand_written)
    )
    try:
        with _build_date(as_of):
            run_mkdocs(config, settings, hooks)
        problems = hooks.problems + check_site(staging, skip_pages=True)
        if problems:
            raise BuildError(
                "the built site is unsafe; nothing was written:\n  "
                + "\n  ".join(problems[:20])
            )
        shutil.rmtree(site_dir, ignore_errors=True)
        staging.rename(site_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("built %d page(s) into %s", hooks.pages, repo.display(site_dir))
    return BuildResult(site_dir, docs_dir, len(records), hooks.pages, warnings)


# Checking the output -------------------------------------------------------------

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


# The live preview ----------------------------------------------------------------


class Preview:
    """``hindsight serve``: MkDocs' live-reload server on 127.0.0.1 that
    regenerates the pages whenever incidents, pages or settings change."""

    def __init__(
        self, repo: Repository, port: int = 8000, as_of: date | None = None
    ) -> None:
        self.repo, self.port, self.as_of = repo, port, as_of
        self.site_dir = Path(tempfile.mkdtemp(prefix="hindsight-serve-"))
        self.server: Any = None
        self._loop: threading.Thread | None = None

    def build(self) -> None:
        """Regenerate and rebuild; invalid incidents are reported, not fatal."""
        as_of = self.as_of or datetime.now(UTC).date()
        result, records = pipeline.load_records(self.repo)
        if not result.ok:
            from .findings import REPORTERS

            sys.stderr.write(REPORTERS["text"](result.findings, len(result.files)))
            log.error("not rebuilt: fix the errors above")
            return
        config = SiteConfig.of(self.repo)
        docs = docs_files(self.repo, records, as_of, config)
        docs_dir = self.repo.build_dir / "docs"
        sync_tree(docs_dir, docs.files)
        hooks = _Hooks(config, docs, False)
        settings = mkdocs_settings(
            config, docs_dir, self.site_dir, navigation(config, docs.hand_written)
        )
        with _build_date(as_of):
            run_mkdocs(config, settings, hooks, serve_url=self.url)
        for problem in hooks.problems:
            log.warning("unsafe output: %s", problem)

    @property
    def url(self) -> str:
        port = self.server.server_port if self.server else self.port
        return f"http://127.0.0.1:{port}/"

    def start(self) -> str:
        """Build, bind and serve in the background; returns the URL."""
        from mkdocs.livereload import LiveReloadServer

        self.build()
        self.server = LiveReloadServer(
            builder=self.build,
            host="127.0.0.1",
            port=self.port,
            root=str(self.site_dir),
        )
        for watched in (
            self.repo.incidents_dir,
            self.repo.root / "site",
            self.repo.root / "mkdocs.yml",
            self.repo.root / "schemas",
        ):
            if watched.exists():
                self.server.watch(str(watched))
        self.server.server_bind()
        self.server.server_activate()
        self.server.observer.start()
        self.server.serve_thread.start()
        self._loop = threading.Thread(target=self.server._build_loop, daemon=True)
        self._loop.start()
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown(wait=True)
        if self._loop is not None:
            self._loop.join(timeout=5)
        shutil.rmtree(self.site_dir, ignore_errors=True)

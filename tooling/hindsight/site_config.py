"""The MkDocs configuration of a site: the repository's settings and ours.

A repository may keep its own ``mkdocs.yml`` and hand-written pages
(``site/``); without them the packaged defaults apply. hindsight puts the
settings its pages need on top: the material theme without web fonts, the
search plugin, strict mode, the Markdown extensions the generated pages are
written for, the navigation of the index pages, incident and group pages
left out of the navigation, and this package's script and styles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from . import mdtext, trends
from .repository import Repository

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_CONFIG = DATA / "mkdocs.yml"
DEFAULT_PAGES = DATA / "site"
ASSET_DIR = "assets/hindsight"
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
                {f"Last {trends.DEFAULT_DAYS} days": "trends/index.md"},
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

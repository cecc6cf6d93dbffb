"""The docs folder: every page of the site as MkDocs reads it.

The *docs folder* (``build/docs/``, git-ignored) holds a copy of the
repository's hand-written pages (``site/``, or the packaged defaults), every
generated page, diagram and chart, and this package's script and styles.
It is rendered into memory first and then written where it changed, so a
live preview sees only real changes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tqdm import tqdm

from . import render
from .pipeline import IncidentRecord
from .repository import Repository
from .site_config import ASSET_DIR, DATA, BuildError, SiteConfig, hand_written

ASSETS = DATA / "templates" / "assets"


@dataclass
class Docs:
    """The files of the docs folder and where each page's source lives.

    ``warnings`` says what the pages had to leave out, such as the charts
    of a metrics file that cannot be read.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    hand_written: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def progress(iterable: Any, total: int, what: str, show: bool) -> Any:
    """A progress bar on stderr over ``total`` pages; hidden unless ``show``."""
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
    for view in progress(site.views, len(site.views), "incident pages", show):
        generated.update(render.incident_files(site, view))
        docs.sources[view.doc] = view.record.name
    generated.update(render.index_files(site))
    generated.update(render.trend_files(site))
    docs.warnings = list(site.warnings)
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

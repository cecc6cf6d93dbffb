"""Build the site: validate, write the docs folder, run MkDocs strictly, check.

The stages, each in its own module:

- :mod:`hindsight.site_config`: the repository's ``mkdocs.yml`` and
  hand-written pages, and the settings hindsight puts on top;
- :mod:`hindsight.docs_folder`: every page rendered (:mod:`hindsight.render`)
  and written into the docs folder (``build/docs/``);
- :mod:`hindsight.mkdocs_run`: one strict MkDocs build with our hooks;
- :mod:`hindsight.site_check`: the safety check of every built page.

The output folder is replaced only by a site that passed the check, so a
failed build never leaves a site behind that could be published.
:mod:`hindsight.preview` runs the same stages for ``hindsight serve``.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from . import pipeline
from .docs_folder import docs_files, sync_tree
from .mkdocs_run import build_docs
from .pipeline import CheckResult
from .preview import Preview
from .repository import Repository
from .site_check import check_html, check_site
from .site_config import REQUIRED_EXTENSIONS, BuildError, SiteConfig

__all__ = [
    "REQUIRED_EXTENSIONS",
    "BuildError",
    "BuildResult",
    "InvalidIncidents",
    "Preview",
    "build_site",
    "check_html",
    "check_site",
    "sync_tree",
]

log = logging.getLogger("hindsight")

LARGE = 100  # incidents from which progress bars show


class InvalidIncidents(BuildError):
    """Validation found errors; ``result`` holds every finding."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__("the incidents have errors")
        self.result = result


@dataclass
class BuildResult:
    """What a build made.

    ``warnings`` counts the warnings of validation and what the pages had
    to leave out (such as the charts of an unreadable metrics file).
    """

    site_dir: Path
    docs_dir: Path
    incidents: int
    pages: int
    warnings: int = 0


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
    log.info(
        "validated %d incident file(s), %d warning(s)",
        len(result.files),
        len(result.findings),
    )
    show = len(records) >= LARGE and log.isEnabledFor(logging.INFO)

    config = SiteConfig.of(repo)
    docs = docs_files(repo, records, as_of, config, show)
    for warning in docs.warnings:
        log.warning("%s", warning)
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
    try:
        hooks = build_docs(config, docs, docs_dir, staging, as_of, show)
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
    warnings = len(result.findings) + len(docs.warnings)
    return BuildResult(site_dir, docs_dir, len(records), hooks.pages, warnings)

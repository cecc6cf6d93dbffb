"""One MkDocs build of the docs folder, with the events hindsight adds.

MkDocs runs in-process with the settings of :mod:`hindsight.site_config`
and a plugin of ours (:class:`Hooks`) that sets each page's edit link,
shows progress and runs :func:`hindsight.site_check.check_html` on every
page as it is written. The build is dated by the as-of day, so the same
incidents built as of the same day give the same site.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from .docs_folder import Docs, progress
from .site_check import check_html
from .site_config import BuildError, SiteConfig, mkdocs_settings, navigation

log = logging.getLogger("hindsight")


class Hooks:
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
            self._bars[phase] = progress(None, total, phase, self.show)
        self._bars[phase].update(1)

    def close(self) -> None:
        """Close the progress bars, also after a failed build."""
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
def build_date(as_of: date) -> Iterator[None]:
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
    hooks: Hooks,
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


def build_docs(
    config: SiteConfig,
    docs: Docs,
    docs_dir: Path,
    site_dir: Path,
    as_of: date,
    show: bool = False,
    serve_url: str | None = None,
) -> Hooks:
    """Build the docs folder into ``site_dir``, dated by ``as_of``.

    Returns the hooks, which counted the pages and hold the problems the
    safety check found in them.
    """
    hooks = Hooks(config, docs, show)
    nav = navigation(config, docs.hand_written)
    settings = mkdocs_settings(config, docs_dir, site_dir, nav)
    with build_date(as_of):
        run_mkdocs(config, settings, hooks, serve_url=serve_url)
    return hooks

"""``hindsight serve``: a live preview of the site on 127.0.0.1.

MkDocs' live-reload server serves a site built into a temporary folder and
rebuilds it whenever incidents, hand-written pages or settings change. A
rebuild that finds invalid incidents reports them and keeps the last good
site on screen, so a typo mid-edit does not stop the preview.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from . import pipeline
from .docs_folder import docs_files, sync_tree
from .mkdocs_run import build_docs
from .repository import Repository
from .site_config import SiteConfig

log = logging.getLogger("hindsight")


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
        for warning in docs.warnings:
            log.warning("%s", warning)
        docs_dir = self.repo.build_dir / "docs"
        sync_tree(docs_dir, docs.files)
        hooks = build_docs(
            config, docs, docs_dir, self.site_dir, as_of, serve_url=self.url
        )
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

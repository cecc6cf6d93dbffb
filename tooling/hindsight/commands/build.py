"""The site commands: ``build`` writes the site, ``serve`` previews it live."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from .. import build, preview
from ..cli import EXIT_FINDINGS, EXIT_OK, InputError, UsageError, command, log
from ..findings import REPORTERS
from . import day, out, repository


def _build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where the site goes (default: build/site)",
    )
    parser.add_argument(
        "--as-of",
        type=day,
        metavar="DATE",
        help="the day action items are judged overdue by (default: today, UTC)",
    )


@command("build", "validate, render the pages and build the MkDocs site")(
    _build_options
)
def build_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    if not repo.incidents_dir.is_dir():
        raise UsageError(f"{repo.display(repo.incidents_dir)}: no incidents/ folder")
    try:
        result = build.build_site(repo, args.out, args.as_of)
    except build.InvalidIncidents as failed:
        findings = failed.result.findings
        sys.stderr.write(REPORTERS["text"](findings, len(failed.result.files)))
        return EXIT_FINDINGS
    except build.BuildError as error:
        raise InputError(str(error)) from None
    if args.format == "json":
        out(
            json.dumps(
                {
                    "site": str(result.site_dir),
                    "docs": str(result.docs_dir),
                    "incidents": result.incidents,
                    "pages": result.pages,
                    "warnings": result.warnings,
                }
            )
        )
    else:
        out(str(result.site_dir))
    return EXIT_OK


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=8000, help="the port on 127.0.0.1 (default 8000)"
    )
    parser.add_argument(
        "--as-of",
        type=day,
        metavar="DATE",
        help="the day action items are judged overdue by (default: today, UTC)",
    )


@command("serve", "preview the site on 127.0.0.1, rebuilt when incidents change")(
    _serve_options
)
def serve_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    server = preview.Preview(repo, args.port, args.as_of)
    try:
        url = server.start()
    except build.BuildError as error:
        server.stop()
        raise InputError(str(error)) from None
    except OSError as error:
        server.stop()
        raise UsageError(f"--port {args.port}: {error.strerror or error}") from None
    log.info("serving on %s; press Ctrl+C to stop", url)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    return EXIT_OK


def _interrupt(_signum: int, _frame: object) -> None:
    """SIGTERM stops the preview as Ctrl+C does, removing its temporary site."""
    raise KeyboardInterrupt

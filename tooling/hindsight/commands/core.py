"""The commands every repository starts with: validate, new, schema."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from .. import pipeline, scaffold
from ..cli import EXIT_FINDINGS, EXIT_OK, UsageError, command, log
from ..findings import REPORTERS
from ..schema import schema_text
from . import out, repository

# validate --------------------------------------------------------------------


def _validate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders (default: every file under incidents/)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="check every file again and leave the cache of results untouched",
    )


@command("validate", "check incident files against the schema and the rules")(
    _validate_options
)
def validate_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    fmt = args.format or (
        "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    )
    result = pipeline.check_repository(
        repo, list(args.paths) or None, cache=not args.no_cache
    )
    findings = result.findings
    if args.quiet and fmt == "text":
        findings = [f for f in findings if f.severity == "error"]
    out(REPORTERS[fmt](findings, len(result.files)))
    return EXIT_OK if result.ok else EXIT_FINDINGS


# new -------------------------------------------------------------------------


def _new_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("title", help="the incident's title")
    parser.add_argument("--severity", required=True, help="e.g. high")
    parser.add_argument("--services", default="", help="comma-separated services")
    parser.add_argument("--date", help="the start date, YYYY-MM-DD (default today)")


@command("new", "write a new draft incident from the template")(_new_options)
def new_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    path = scaffold.new_incident(
        repo,
        title=args.title,
        severity=args.severity,
        services=[s.strip() for s in args.services.split(",") if s.strip()],
        day=args.date,
    )
    if args.format == "json":
        out(json.dumps({"path": repo.display(path)}))
    else:
        out(repo.display(path))
    log.info("edit it, then run: hindsight validate %s", repo.display(path))
    return EXIT_OK


# schema ----------------------------------------------------------------------


def _schema_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--write",
        action="store_true",
        help="write schemas/incident.schema.json instead of printing it",
    )


@command("schema", "print or write the incident JSON Schema for the taxonomy")(
    _schema_options
)
def schema_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    text = schema_text(repo.taxonomy)
    if args.write:
        repo.schema_path.parent.mkdir(parents=True, exist_ok=True)
        repo.schema_path.write_text(text, "utf-8")
        out(repo.display(repo.schema_path))
    else:
        out(text)
    return EXIT_OK

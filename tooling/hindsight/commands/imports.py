"""``hindsight import statuspage|markdown PATH...``: incidents from elsewhere.

Every written file validates, says at the top what the importer guessed,
and keeps its source's id in a tag, so that importing the same source again
skips it (or, with ``--force``, updates it). Written files are listed on
stdout; skipped sources and the summary go to stderr, or everything as one
JSON document with ``--format json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..cli import EXIT_FINDINGS, EXIT_OK, UsageError, command, log
from ..importers import (
    ERROR_KINDS,
    UNREADABLE,
    ReadOptions,
    Rejected,
    source_files,
)
from ..importers import markdown as markdown_reader
from ..importers import statuspage as statuspage_reader
from ..importers.writer import NOT_WRITTEN, Outcome, Writer
from . import out, repository

READERS = {
    "statuspage": (
        statuspage_reader,
        "a .json file",
        "Statuspage API v2 incidents: one a file, or incidents.json",
    ),
    "markdown": (
        markdown_reader,
        "a Markdown file",
        "Markdown postmortems written from the common templates",
    ),
}


def _import_options(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="source_kind", metavar="SOURCE")
    kinds.required = True
    for name, (_reader, _what, help_text) in READERS.items():
        child = kinds.add_parser(name, help=help_text, description=help_text)
        child.add_argument(
            "paths",
            nargs="+",
            type=Path,
            metavar="PATH",
            help="files or folders to import",
        )
        child.add_argument(
            "--force",
            action="store_true",
            help="update incidents imported before from the same source",
        )
        child.add_argument(
            "--dry-run",
            action="store_true",
            help="list what would be written; write nothing",
        )
        child.add_argument(
            "--severity", help="the severity where the source states none"
        )
        child.add_argument(
            "--service",
            action="append",
            default=[],
            metavar="NAME",
            help="a service where the source names none (repeat or comma-separate)",
        )
        _repeat_common(child)


def _repeat_common(child: argparse.ArgumentParser) -> None:
    """Accept ``--repo``, ``--format``, ``-v`` and ``-q`` after the source kind too."""
    hidden = argparse.SUPPRESS
    child.add_argument("--repo", type=Path, default=hidden, help=hidden)
    child.add_argument(
        "--format", choices=["text", "json"], default=hidden, help=hidden
    )
    child.add_argument("-v", "--verbose", action="count", default=hidden, help=hidden)
    child.add_argument("-q", "--quiet", action="count", default=hidden, help=hidden)


@command("import", "write incident files from status pages or Markdown postmortems")(
    _import_options
)
def import_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    reader, what, _help = READERS[args.source_kind]
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    services = [
        s.strip() for value in args.service for s in value.split(",") if s.strip()
    ]
    if args.severity and args.severity not in repo.taxonomy.severities:
        raise UsageError(
            f"--severity {args.severity!r} is not one of "
            f"{', '.join(repo.taxonomy.severities)}"
        )
    options = ReadOptions(repo.taxonomy, severity=args.severity, services=services)
    writer = Writer(repo, force=args.force, dry_run=args.dry_run)
    text = args.format != "json"
    for path, rejected in source_files(list(args.paths), reader.wanted, what):
        for item in [rejected] if rejected else _read(reader, path, options):
            outcome = writer.add(item)
            if text:
                _show(outcome, args.dry_run)
    summary = writer.summary()
    if text:
        log.info("%s", summary_text(summary))
    else:
        out(json.dumps(summary, indent=2))
    return EXIT_FINDINGS if writer.failed else EXIT_OK


def _read(reader, path: Path, options: ReadOptions):
    """The drafts of one file; a failure of the reader rejects just this file."""
    shown = str(path)
    try:
        yield from list(reader.read(path, shown, options))
    except Exception as error:  # one unreadable file must not stop the others
        log.debug("reading %s failed", shown, exc_info=True)
        yield Rejected(
            shown, f"could not be read ({type(error).__name__}: {error})", UNREADABLE
        )


def _show(outcome: Outcome, dry_run: bool) -> None:
    if outcome.action in ("created", "updated"):
        verb = ("would " + outcome.action[:-1]) if dry_run else outcome.action
        out(f"{verb} {outcome.incident_id} {outcome.path}")
        return
    message = f"skipped {outcome.source}: {outcome.reason}"
    if outcome.kind in (*ERROR_KINDS, NOT_WRITTEN):
        log.warning("%s", message)
    else:  # not an incident, imported before: expected, not a problem
        log.info("%s", message)


def summary_text(summary: dict) -> str:
    """The summary a person reads at the end of an import."""
    verb = "would import" if summary["dry_run"] else "imported"
    parts = [
        f"{verb} {summary['imported']} (new {summary['created']}, "
        f"updated {summary['updated']})"
    ]
    skipped = f"skipped {summary['skipped']}"
    if summary["skipped_by_kind"]:
        skipped += (
            " ("
            + ", ".join(
                f"{kind.replace('_', ' ')} {count}"
                for kind, count in summary["skipped_by_kind"].items()
            )
            + ")"
        )
    parts.append(skipped)
    if summary["guessed_fields"]:
        parts.append(
            "guessed fields: "
            + ", ".join(
                f"{name} {count}" for name, count in summary["guessed_fields"].items()
            )
        )
    return "; ".join(parts)

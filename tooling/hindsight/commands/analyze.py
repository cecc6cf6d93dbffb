"""`hindsight analyze` and `hindsight export`: one incident at a time."""

from __future__ import annotations

import argparse
import json
import sys

from .. import pipeline, report
from ..cli import EXIT_FINDINGS, EXIT_OK, command
from ..findings import REPORTERS
from ..repository import Repository
from . import incident_path, out, repository


def load_one(repo: Repository, target: str) -> pipeline.IncidentRecord | None:
    """Validate one incident; print its errors and return None if it has any."""
    path = incident_path(repo, target)
    result, records = pipeline.load_records(repo, [path], repository_rules=False)
    if not result.ok:
        sys.stderr.write(REPORTERS["text"](result.findings, len(result.files)))
        return None
    return records[0]


def _analyze_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="an incident file or id")


@command("analyze", "root causes, fault tree, coverage and readiness of one incident")(
    _analyze_options
)
def analyze_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    record = load_one(repo, args.path)
    if record is None:
        return EXIT_FINDINGS
    analysis = record.analysis
    if args.format == "json":
        out(json.dumps(analysis.to_dict(), indent=2))
    elif args.format == "markdown":
        out(report.analysis_markdown(analysis))
    else:
        out(_analysis_text(record))
    return EXIT_OK


def _analysis_text(record: pipeline.IncidentRecord) -> str:
    analysis = record.analysis
    lines = [f"{record.incident_id}: {record.incident.title}", "", "Root causes:"]
    for cause in analysis.root_causes:
        guessed = ", guessed" if cause.guessed else ""
        lines.append(
            f"  [{cause.source}] {cause.description} ({cause.category}{guessed})"
        )
    tree = analysis.fault_tree
    if tree["minimal_cut_sets"]:
        lines.append("")
        cuts = "; ".join(" AND ".join(cut) for cut in tree["minimal_cut_sets"])
        lines.append(f"Fault tree minimal cut sets: {cuts}")
        if tree["top_event_probability"] is not None:
            lines.append(f"Top-event probability: {tree['top_event_probability']:.6g}")
    uncovered = ", ".join(analysis.uncovered_root_causes) or "none"
    lines += ["", f"Root causes without an action item: {uncovered}"]
    readiness = analysis.readiness
    lines.append(
        f"Readiness for {readiness.status}: "
        + ("ready" if readiness.ready else "missing " + "; ".join(readiness.missing))
    )
    if readiness.next_status:
        todo = "; ".join(readiness.missing_for_next) or "nothing more"
        lines.append(f"To move to {readiness.next_status}: {todo}")
    lines += [f"warning: {w}" for w in analysis.warnings]
    return "\n".join(lines)


def _export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("incident", metavar="ID", help="an incident id (or file)")


@command("export", "one incident's whole report as JSON or Markdown")(_export_options)
def export_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    record = load_one(repo, args.incident)
    if record is None:
        return EXIT_FINDINGS
    if args.format == "markdown":
        out(report.export_markdown(record.incident, record.analysis))
    else:
        data = report.export_json(record.data, record.incident, record.analysis)
        out(json.dumps(data, indent=2, ensure_ascii=False))
    return EXIT_OK

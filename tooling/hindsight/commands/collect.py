"""`hindsight collect`: CloudWatch alarms, metrics and logs into an incident."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .. import collect as stage
from ..cli import EXIT_OK, InputError, UsageError, command, log
from ..repository import Repository
from . import incident_path, out, repository


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "incident",
        metavar="INCIDENT_ID",
        help="the incident's id (or the path of its file)",
    )
    parser.add_argument(
        "--alarms",
        action="store_true",
        help="read the history of the taxonomy's `alarms:`",
    )
    parser.add_argument(
        "--alarm",
        action="append",
        default=[],
        metavar="NAME",
        help="read this alarm's history instead (repeatable)",
    )
    parser.add_argument(
        "--metrics", type=Path, metavar="FILE", help="YAML/JSON list of metrics to read"
    )
    parser.add_argument("--logs", metavar="GROUP", help="log group to search")
    parser.add_argument(
        "--pattern", metavar="P", help="CloudWatch Logs filter pattern (with --logs)"
    )
    parser.add_argument(
        "--margin",
        default="30m",
        help="time read before start and after end (default 30m)",
    )
    parser.add_argument("--endpoint-url", help="AWS endpoint (for tests)")
    parser.add_argument("--region", help="AWS region (default: the AWS chain)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would change as a diff, write nothing",
    )


@command("collect", "add CloudWatch alarms, metrics and logs to an incident")(_options)
def collect_command(args: argparse.Namespace) -> int:
    from .. import collect as stage  # loads boto3: only when collecting

    repo = repository(args)
    request = _request(args, repo)
    path = incident_path(repo, args.incident)
    try:
        clients = stage.aws_clients(args.endpoint_url, args.region)
        outcome = stage.collect(
            path,
            request,
            clients,
            repo.taxonomy,
            name=repo.display(path),
            dry_run=args.dry_run,
        )
    except stage.CollectError as error:
        raise InputError(f"error: {error}") from None
    for note in outcome.notes:
        log.info("note: %s", note)
    _report(args, repo, outcome)
    return EXIT_OK


def _request(args: argparse.Namespace, repo: Repository) -> stage.Request:
    from .. import collect as stage  # loads boto3: only when collecting

    try:
        margin = stage.parse_margin(args.margin)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if (args.logs is None) != (args.pattern is None):
        raise UsageError("--logs GROUP and --pattern P go together")
    alarms = list(args.alarm)
    if args.alarms and not alarms:
        alarms = _taxonomy_alarms(repo)
    if not (alarms or args.metrics or args.logs):
        raise UsageError(
            "nothing to collect: give --alarms, --alarm, --metrics or --logs"
        )
    metrics = []
    if args.metrics:
        try:
            metrics = stage.load_metric_specs(args.metrics)
        except stage.CollectError as error:
            raise InputError(f"error: {error}") from None
    logs = stage.LogQuery(args.logs, args.pattern) if args.logs else None
    return stage.Request(margin=margin, alarms=alarms, metrics=metrics, logs=logs)


def _taxonomy_alarms(repo: Repository) -> list[str]:
    names = repo.taxonomy.section("alarms") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError("error: the taxonomy's `alarms:` must be a list of names")
    if not names:
        raise UsageError(
            "--alarms: the taxonomy lists no `alarms:`; add names "
            "there or give --alarm NAME"
        )
    return names


def _report(args: argparse.Namespace, repo: Repository, outcome: Any) -> None:
    changed = [repo.display(p) for p in outcome.changed_files]
    if args.format == "json":
        result = {
            "incident": repo.display(outcome.path),
            "data_file": repo.display(outcome.metrics_path),
            "added": outcome.added,
            "updated": outcome.updated,
            "detected_time": stage.iso(outcome.detected_time)
            if outcome.detected_time
            else None,
            "changed": changed,
            "dry_run": args.dry_run,
            "notes": outcome.notes,
        }
        if args.dry_run:
            result["diff"] = outcome.diff(repo.display)
        out(json.dumps(result, indent=2))
        return
    if args.dry_run:
        out(outcome.diff(repo.display) or "no changes")
        return
    if not changed:
        out("no changes")
        return
    lines = []
    if outcome.after != outcome.before:
        line = f"{changed[0]}: {outcome.added} timeline event(s) added, "
        line += f"{outcome.updated} updated"
        if outcome.detected_time:
            line += f", detected_time set to {stage.iso(outcome.detected_time)}"
        lines.append(line)
    if outcome.metrics_after != outcome.metrics_before:
        lines.append(f"{repo.display(outcome.metrics_path)}: written")
    out("\n".join(lines))

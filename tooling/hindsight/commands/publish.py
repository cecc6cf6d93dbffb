"""`hindsight publish`: the built site to S3, summaries to SNS."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .. import pipeline
from ..cli import EXIT_OK, InputError, command, log
from ..render import incident_page_path
from ..repository import Repository
from . import out, repository

if TYPE_CHECKING:
    from ..publish_sns import IncidentNotice


def incident_digest(data: dict) -> str:
    """A digest of what an incident says; comments and layout do not count."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def notices(records: list[pipeline.IncidentRecord]) -> list[IncidentNotice]:
    """What each incident's SNS summary says."""
    from ..publish_sns import IncidentNotice  # loads boto3: only when publishing

    found = []
    for record in records:
        incident = record.incident
        unfinished = [
            item.title
            for item in incident.action_items or []
            if item.status in ("open", "in_progress")
        ]
        found.append(
            IncidentNotice(
                incident_id=incident.incident_id,
                digest=incident_digest(record.data),
                title=incident.title,
                severity=incident.severity,
                status=incident.status,
                services=list(incident.services_affected),
                duration_minutes=incident.duration,
                root_causes=[c.description for c in record.analysis.counted_causes()],
                open_action_items=unfinished,
                page_path=incident_page_path(incident.incident_id),
            )
        )
    return found


def configured_site_url(repo: Repository) -> str | None:
    """``site_url`` of the repository's mkdocs.yml, when it has one."""
    config = repo.root / "mkdocs.yml"
    if not config.is_file():
        return None
    try:
        # mkdocs.yml may hold python tags that only MkDocs resolves; the plain
        # key is all that is needed here.
        for line in config.read_text("utf-8").splitlines():
            if line.startswith("site_url:"):
                value = yaml.safe_load(line.split(":", 1)[1])
                return str(value) if value else None
    except (OSError, yaml.YAMLError):
        return None
    return None


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bucket", required=True, help="the S3 bucket")
    parser.add_argument(
        "--site", type=Path, help="the built site (default: build/site)"
    )
    parser.add_argument("--prefix", default="", help="key prefix inside the bucket")
    parser.add_argument("--topic-arn", help="SNS topic for the summaries")
    parser.add_argument("--endpoint-url", help="S3/SNS endpoint (for tests)")
    parser.add_argument("--region", help="AWS region (default: the AWS chain)")
    parser.add_argument("--site-url", help="public URL of the site, for links")
    parser.add_argument("--dry-run", action="store_true", help="list, change nothing")
    parser.add_argument(
        "--force",
        action="store_true",
        help="publish even an empty site, or one that deletes most pages",
    )


@command("publish", "upload the built site to S3 and send SNS summaries")(_options)
def publish_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    site = args.site or repo.site_dir
    if not site.is_dir():
        raise InputError(f"{site}: no built site here; run `hindsight build` first")
    from ..publish import PublishError, publish  # loads boto3: only when publishing

    result, records = pipeline.load_records(repo)
    if not result.ok:
        raise InputError("the incidents have errors; run `hindsight validate`")
    try:
        outcome = publish(
            site,
            bucket=args.bucket,
            prefix=args.prefix,
            incidents=notices(records),
            topic_arn=args.topic_arn,
            endpoint_url=args.endpoint_url,
            region=args.region,
            site_url=args.site_url or configured_site_url(repo),
            dry_run=args.dry_run,
            force=args.force,
            progress=log.info,
        )
    except PublishError as error:
        raise InputError(f"error: {error}") from None
    if args.format == "json":
        out(json.dumps(outcome.to_dict(), indent=2))
    else:
        prefix = "would upload" if args.dry_run else "uploaded"
        out(
            f"{prefix} {len(outcome.uploaded)}, deleted {len(outcome.deleted)}, "
            f"unchanged {outcome.unchanged}, notified {len(outcome.notified)}"
        )
    return EXIT_OK

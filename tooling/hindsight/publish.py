"""The publish stage: put the built site in S3 and announce what changed.

A publish compares the site folder with the bucket's manifest (see
`hindsight.publish_state`), uploads the files whose content changed, in an
order that never leaves a page pointing at an asset that is not up yet,
removes the files the site no longer has, sends one SNS notice per
incident that is new or changed (see `hindsight.publish_sns`) and writes
the manifest last. A run that stops halfway is finished by the next one:
the manifest only ever records what really reached the bucket, and notices
are sent only after every upload succeeded. One run at a time holds the
lock (see `hindsight.publish_lock`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from hindsight.publish_files import SiteFile, normalise_prefix, scan_site
from hindsight.publish_lock import DEFAULT_STALE_AFTER, acquire_lock, release_lock
from hindsight.publish_plan import PublishResult, check_guards, make_plan
from hindsight.publish_run import Run
from hindsight.publish_sns import IncidentNotice
from hindsight.publish_state import BucketStore, PublishError

__all__ = [
    "IncidentNotice",
    "PublishError",
    "PublishResult",
    "check_guards",
    "make_plan",
    "publish",
]

log = logging.getLogger("hindsight.publish")
# Tries per request, the first one included.
DEFAULT_ATTEMPTS = 5


def publish(
    site_dir: Path,
    *,
    bucket: str,
    prefix: str = "",
    incidents: Sequence[IncidentNotice] = (),
    topic_arn: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    site_url: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    max_workers: int = 8,
    progress: Callable[[str], None] | None = None,
    session: boto3.Session | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    lock_stale_after: float = DEFAULT_STALE_AFTER,
) -> PublishResult:
    """Publish `site_dir` to ``s3://bucket/prefix`` and notify `topic_arn`.

    `attempts` is the number of tries per request, the first one included;
    `session` defaults to a new boto3 Session (the usual credential chain).
    Raises PublishError, with the work done so far in its `result`, when
    the publish is refused or fails.
    """
    say = _reporter(progress)
    files = _scan(Path(site_dir), say)
    try:
        prefix = normalise_prefix(prefix)
    except ValueError as exc:
        raise PublishError(str(exc)) from exc
    s3, sns = _clients(session, region, endpoint_url, topic_arn, attempts, max_workers)
    store = BucketStore(s3, bucket, prefix)
    run = Run(
        store,
        sns,
        topic_arn,
        site_url=site_url,
        attempts=attempts,
        workers=max_workers,
        say=say,
    )
    if dry_run:
        manifest, _ = run.read_state()
        plan = make_plan(files, manifest, incidents)
        check_guards(files, plan, manifest, force)
        return run.preview(plan)
    lock = acquire_lock(store, run.run_id, lock_stale_after, say)
    try:
        manifest, old_records = run.read_state()
        plan = make_plan(files, manifest, incidents)
        check_guards(files, plan, manifest, force)
        return run.execute(files, manifest, plan, incidents, old_records)
    finally:
        release_lock(store, lock, say)


def _scan(site_dir: Path, say: Callable[[str], None]) -> dict[str, SiteFile]:
    if not site_dir.is_dir():
        raise PublishError(f"site folder {site_dir} does not exist; build it first")
    files, skipped = scan_site(site_dir)
    for rel in skipped:
        say(f"warning: skipping {rel}: that folder holds the publish state")
    return files


def _clients(
    session: boto3.Session | None,
    region: str | None,
    endpoint_url: str | None,
    topic_arn: str | None,
    attempts: int,
    workers: int,
) -> tuple[Any, Any]:
    """An S3 client (retrying throttling and 5xx) and an SNS client."""
    try:
        session = session or boto3.Session()
        common = {
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        }
        if endpoint_url:
            common["s3"] = {"addressing_style": "path"}
        s3_config = Config(
            # total_max_attempts counts the first try: 5 is one try and
            # four retries. Puts and deletes are idempotent, so any
            # transient failure may be retried.
            retries={"mode": "standard", "total_max_attempts": max(attempts, 1)},
            max_pool_connections=max(workers, 10),
            **common,
        )
        s3 = session.client(
            "s3", region_name=region, endpoint_url=endpoint_url, config=s3_config
        )
        sns = None
        if topic_arn:
            # One try per call: publish_sns retries only what SNS refused.
            sns_config = Config(retries={"mode": "standard", "total_max_attempts": 1})
            # A topic answers only in its own region, which its ARN names.
            sns_region = _arn_region(topic_arn) or region or session.region_name
            sns = session.client(
                "sns",
                region_name=sns_region,
                endpoint_url=endpoint_url,
                config=sns_config,
            )
    except BotoCoreError as exc:
        raise PublishError(f"cannot set up the AWS clients: {exc}") from exc
    return s3, sns


def _arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[3] else None


def _reporter(progress: Callable[[str], None] | None) -> Callable[[str], None]:
    def say(message: str) -> None:
        log.info(message)
        if progress is not None:
            progress(message)

    return say

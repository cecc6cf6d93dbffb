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
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from hindsight.publish_files import SiteFile, normalise_prefix, scan_site, upload_phase
from hindsight.publish_lock import DEFAULT_STALE_AFTER, acquire_lock, release_lock
from hindsight.publish_sns import (
    IncidentNotice,
    Notifier,
    due_notices,
    fold_pending,
    incident_message,
    site_message,
)
from hindsight.publish_state import (
    BucketStore,
    IncidentRecord,
    Manifest,
    PublishError,
    RemoteFile,
    describe,
    read_manifest,
)

__all__ = ["IncidentNotice", "PublishError", "PublishResult", "publish"]

log = logging.getLogger("hindsight.publish")
DEFAULT_ATTEMPTS = 5


@dataclass
class PublishResult:
    """What a publish changed (or, in a dry run, would change)."""

    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    notified: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "uploaded": list(self.uploaded),
            "deleted": list(self.deleted),
            "unchanged": self.unchanged,
            "notified": list(self.notified),
        }


@dataclass
class Plan:
    """The changes a publish makes, worked out before it makes any."""

    batches: list[list[str]]
    deletes: list[str]
    unchanged: int
    overall: bool  # no announcement yet: one overall notice
    notices: list[IncidentNotice]

    @property
    def uploads(self) -> list[str]:
        return [rel for batch in self.batches for rel in batch]


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
    run = _Run(store, sns, topic_arn, uuid.uuid4().hex, say)
    run.attempts, run.workers, run.site_url = attempts, max_workers, site_url
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


def make_plan(
    files: dict[str, SiteFile], manifest: Manifest, incidents: Sequence[IncidentNotice]
) -> Plan:
    """Compare the site with the manifest: by content, never by time."""
    changed = [
        rel
        for rel, local in files.items()
        if not (rel in manifest.files and manifest.files[rel].matches(local))
    ]
    phases: dict[int, list[str]] = {}
    for rel in changed:
        phases.setdefault(upload_phase(rel, rel not in manifest.files), []).append(rel)
    batches = [phases[phase] for phase in sorted(phases)]
    deletes = sorted((set(manifest.files) | manifest.uploading) - set(files))
    overall = manifest.incidents is None
    notices = list(incidents) if overall else due_notices(incidents, manifest.incidents)
    return Plan(batches, deletes, len(files) - len(changed), overall, notices)


def check_guards(
    files: dict[str, SiteFile], plan: Plan, manifest: Manifest, force: bool
) -> None:
    """Refuse a publish that looks like a mistake, unless forced."""
    if force:
        return
    if "index.html" not in files:
        raise PublishError(
            "refusing to publish a site without index.html "
            "(was it built?); use force to publish it anyway"
        )
    published = len(manifest.files)
    removing = sum(1 for rel in plan.deletes if rel in manifest.files)
    if published and removing * 2 > published:
        raise PublishError(
            f"refusing to delete {removing} of the {published} published files; "
            "use force if the site really shrank that much"
        )


class _Run:
    """One publish run: the clients, its id and what it has done so far."""

    def __init__(
        self,
        store: BucketStore,
        sns: Any,
        topic_arn: str | None,
        run_id: str,
        say: Callable[[str], None],
    ) -> None:
        self.store, self.sns, self.topic_arn = store, sns, topic_arn
        self.run_id, self.say = run_id, say
        self.attempts, self.workers = DEFAULT_ATTEMPTS, 8
        self.site_url: str | None = None
        self.result = PublishResult()
        # The manifest as read, to skip writing it again when nothing changed.
        self.as_read: dict | None = None

    def read_state(self) -> tuple[Manifest, list[str]]:
        try:
            manifest = read_manifest(self.store, self.say)
            if manifest.found:
                self.as_read = manifest.content()
            return manifest, fold_pending(self.store, manifest, self.run_id)
        except (ClientError, BotoCoreError) as exc:
            raise PublishError(
                f"cannot read s3://{self.store.bucket}/{self.store.prefix}: "
                f"{describe(exc, self.store.bucket)}"
            ) from exc

    def preview(self, plan: Plan) -> PublishResult:
        notified = [n.incident_id for n in plan.notices] if self.topic_arn else []
        return PublishResult(
            [self.store.key(rel) for rel in plan.uploads],
            [self.store.key(rel) for rel in plan.deletes],
            plan.unchanged,
            notified,
        )

    def execute(
        self,
        files: dict[str, SiteFile],
        manifest: Manifest,
        plan: Plan,
        incidents: Sequence[IncidentNotice],
        old_records: list[str],
    ) -> PublishResult:
        self.result.unchanged = plan.unchanged
        if self.topic_arn and (plan.uploads or plan.deletes or plan.notices):
            self._check_topic()
        new = {rel for rel in plan.uploads if rel not in manifest.files}
        if new - manifest.uploading:
            manifest.uploading |= new
            self._write(manifest, "record the uploads about to start")
        failed = self._upload(files, plan.batches, manifest)
        if failed:
            self._fail(manifest, failed, "upload", "nothing was deleted or sent")
        deleted, failed = self.store.delete_files(plan.deletes)
        for rel in deleted:
            manifest.files.pop(rel, None)
            manifest.uploading.discard(rel)
            self.result.deleted.append(self.store.key(rel))
            self.say(f"deleted {self.store.key(rel)}")
        if failed:
            self._fail(manifest, failed, "delete", "no notice was sent")
        outcomes, sent_records = self._notify(plan, files)
        manifest.incidents = _incident_records(
            manifest, plan, incidents, outcomes, notifying=self.topic_arn is not None
        )
        if manifest.content() != self.as_read:
            self._write(manifest, "write the manifest")
        for key in old_records + sent_records:
            self._forget(key)
        self._raise_for_notices(outcomes)
        return self.result

    def _check_topic(self) -> None:
        try:
            self.sns.get_topic_attributes(TopicArn=self.topic_arn)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            reason = {
                "NotFound": "does not exist",
                "AuthorizationError": "cannot be used: access denied",
            }
            raise PublishError(
                f"SNS topic {self.topic_arn} "
                + reason.get(
                    code, f"cannot be used: {describe(exc, self.store.bucket)}"
                )
            ) from exc
        except BotoCoreError as exc:
            raise PublishError(f"SNS topic {self.topic_arn}: {exc}") from exc

    def _upload(
        self, files: dict[str, SiteFile], batches: list[list[str]], manifest: Manifest
    ) -> dict[str, str]:
        """Upload batch after batch; stop after the first batch with a failure."""
        failed: dict[str, str] = {}
        with ThreadPoolExecutor(max_workers=max(self.workers, 1)) as pool:
            for batch in batches:
                futures = {
                    pool.submit(self.store.put_file, files[rel]): rel for rel in batch
                }
                for future in as_completed(futures):
                    rel = futures[future]
                    try:
                        future.result()
                    except (ClientError, BotoCoreError, OSError) as exc:
                        failed[rel] = describe(exc, self.store.bucket)
                        continue
                    manifest.files[rel] = RemoteFile(sha256=files[rel].sha256)
                    self.result.uploaded.append(self.store.key(rel))
                    self.say(f"uploaded {self.store.key(rel)}")
                if failed:
                    break
        return failed

    def _notify(self, plan: Plan, files: dict) -> tuple[dict[str, str], list[str]]:
        """Send the notices; returns each one's outcome by name and the keys
        of the pending records that can go once the manifest is written."""
        if not self.topic_arn:
            return {}, []
        notifier = Notifier(
            self.sns, self.store, self.topic_arn, self.run_id, self.attempts, self.say
        )
        if plan.overall:
            where = f"s3://{self.store.bucket}/{self.store.prefix}"
            messages = [site_message(plan.notices, self.site_url, where, len(files))]
        else:
            messages = [incident_message(n, self.site_url) for n in plan.notices]
        outcomes, records = {}, []
        for message in messages:
            outcome, key = notifier.send(message)
            outcomes[message.name] = outcome
            if outcome == "sent":
                self.result.notified.extend(i for i, _ in message.covers)
                self.say(f"notified {message.name}: {message.subject}")
                records.append(key)
        return outcomes, records

    def _raise_for_notices(self, outcomes: dict[str, str]) -> None:
        unsent = sorted(name for name, out in outcomes.items() if out == "unsent")
        unknown = sorted(name for name, out in outcomes.items() if out == "unknown")
        if unsent:
            raise PublishError(
                f"the site is published but {len(unsent)} notices "
                f"failed ({', '.join(unsent)}); the next run sends "
                "them",
                self.result,
            )
        if unknown:
            raise PublishError(
                f"the site is published but SNS did not answer for "
                f"{', '.join(unknown)}; counted as sent, not resent",
                self.result,
            )

    def _fail(
        self, manifest: Manifest, failed: dict[str, str], what: str, spared: str
    ) -> None:
        first = min(failed)
        try:
            self._write(manifest, "record the partial publish")
        except PublishError as exc:
            self.say(f"warning: {exc}")
        raise PublishError(
            f"{len(failed)} files failed to {what} (first: {first}: {failed[first]});"
            f" {spared}; the next run finishes the publish",
            self.result,
        )

    def _write(self, manifest: Manifest, doing: str) -> None:
        try:
            self.store.put_json(
                self.store.state_key("manifest.json"), manifest.to_json(self.run_id)
            )
        except (ClientError, BotoCoreError) as exc:
            raise PublishError(
                f"could not {doing}: {describe(exc, self.store.bucket)}", self.result
            ) from exc

    def _forget(self, key: str) -> None:
        try:
            self.store.delete(key)
        except (ClientError, BotoCoreError) as exc:
            self.say(f"warning: could not remove {key}: {exc}")


def _incident_records(
    manifest: Manifest,
    plan: Plan,
    incidents: Sequence[IncidentNotice],
    outcomes: dict[str, str],
    notifying: bool,
) -> dict[str, IncidentRecord] | None:
    """The manifest's incident entries after this run's notices."""
    if notifying and plan.overall and outcomes.get("site") == "unsent":
        return None  # the overall notice is owed: the next run sends it
    known = manifest.incidents or {}
    due = {n.incident_id for n in plan.notices}
    records = {}
    for notice in incidents:
        before = known.get(notice.incident_id)
        if notice.incident_id not in due and before is not None:
            state = before.notice
        elif not notifying:
            state = "skipped"
        else:
            name = "site" if plan.overall else notice.incident_id
            state = "unsent" if outcomes.get(name) == "unsent" else "sent"
        records[notice.incident_id] = IncidentRecord(
            notice.digest, notice.page_path, state
        )
    return records


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
            sns_region = region or _arn_region(topic_arn) or session.region_name
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

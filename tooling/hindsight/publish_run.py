"""One publish run, step by step: uploads, deletions, notices, manifest.

Each step starts only when the one before it succeeded, so a failure
leaves the bucket in a state the next run can finish: pages go up only
after the assets they use, nothing is deleted before every upload is
confirmed, and no notice is sent for a site that is not fully up. On a
failure the manifest is still written with what did reach the bucket.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from hindsight.publish_files import SiteFile
from hindsight.publish_plan import Plan, PublishResult
from hindsight.publish_sns import (
    IncidentNotice,
    Notifier,
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


class Run:
    """One publish run: its clients, its id and what it has done so far."""

    def __init__(
        self,
        store: BucketStore,
        sns: Any,
        topic_arn: str | None,
        *,
        site_url: str | None,
        attempts: int,
        workers: int,
        say: Callable[[str], None],
    ) -> None:
        self.store, self.sns, self.topic_arn = store, sns, topic_arn
        self.site_url, self.attempts, self.workers = site_url, attempts, workers
        self.say = say
        self.run_id = uuid.uuid4().hex
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
        """Carry out `plan`; `old_records` are pending records already
        counted as sent, removed once the manifest says so."""
        self.result.unchanged = plan.unchanged
        if self.topic_arn and (plan.uploads or plan.deletes or plan.notices):
            self._check_topic()
        self._upload_step(files, manifest, plan)
        self._delete_step(manifest, plan)
        outcomes, sent_records = self._notify(plan, len(files))
        manifest.incidents = _incident_records(
            manifest, plan, incidents, outcomes, notifying=self.topic_arn is not None
        )
        if manifest.content() != self.as_read:
            self._write(manifest, "write the manifest")
        for key in old_records + sent_records:
            self._forget(key)
        self._raise_for_notices(outcomes)
        return self.result

    def _upload_step(
        self, files: dict[str, SiteFile], manifest: Manifest, plan: Plan
    ) -> None:
        # New keys are recorded before they are uploaded, so that an object
        # stored by a run that then died is still known, and deleted once
        # the site no longer has it.
        before = set(manifest.uploading)
        new = {rel for rel in plan.uploads if rel not in manifest.files}
        if new - before:
            manifest.uploading |= new
            self._write(manifest, "record the uploads about to start")
        failed, tried = self._upload(files, plan.batches, manifest)
        if failed:
            manifest.uploading = before | (new & tried)
            self._fail(manifest, failed, "upload", "nothing was deleted or sent")

    def _delete_step(self, manifest: Manifest, plan: Plan) -> None:
        deleted, failed = self.store.delete_files(plan.deletes)
        for rel in deleted:
            manifest.files.pop(rel, None)
            manifest.uploading.discard(rel)
            self.result.deleted.append(self.store.key(rel))
            self.say(f"deleted {self.store.key(rel)}")
        if failed:
            self._fail(manifest, failed, "delete", "no notice was sent")

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
    ) -> tuple[dict[str, str], set[str]]:
        """Upload batch after batch; stop after the first batch with a failure.

        Returns the errors by path and the paths tried.
        """
        failed: dict[str, str] = {}
        tried: set[str] = set()
        with ThreadPoolExecutor(max_workers=max(self.workers, 1)) as pool:
            for batch in batches:
                tried.update(batch)
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
        return failed, tried

    def _notify(self, plan: Plan, file_count: int) -> tuple[dict[str, str], list[str]]:
        """Send the notices; returns each one's outcome by name and the keys
        of the pending records that can go once the manifest is written."""
        if not self.topic_arn:
            return {}, []
        notifier = Notifier(
            self.sns, self.store, self.topic_arn, self.run_id, self.attempts, self.say
        )
        if plan.overall:
            where = f"s3://{self.store.bucket}/{self.store.prefix}"
            messages = [site_message(plan.notices, self.site_url, where, file_count)]
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

"""SNS summaries of published incidents: what they say and how they are sent.

A *notice* is one SNS message: either the summary of one incident that is
new or changed since the last publish, or, on the first publish of a
prefix, one overall message listing what was published.

Every notice is sent at most once. Before the Publish call a *pending
record* is written to ``<prefix>.hindsight/pending/<run>-<n>-<name>.json``:

    {"run_id": "...", "written_at": "...", "kind": "incident",
     "topic_arn": "...", "subject": "...", "deduplication_id": "...",
     "incidents": [{"incident_id": "INC-2024-001", "digest": "..."}]}

It is removed once the manifest records the notice as sent, and removed at
once when SNS refused the message (the next run sends it again). A record
left behind means SNS may have taken the message and the answer was lost;
the next run, which holds the lock and so knows the writer has ended,
counts it as sent (the run that lost the answer records it as sent too,
and says so in its error). This prefers a lost notice to a repeated one:
a subscriber that pages people must not be paged twice.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError

from hindsight.publish_state import (
    BucketStore,
    IncidentRecord,
    Manifest,
    describe,
    utc_now,
)

SUBJECT_LIMIT = 99  # SNS: "less than 100 characters"
MESSAGE_LIMIT = 256 * 1024 - 1  # message and attributes, in UTF-8 bytes
SEVERITY_ORDER = ("low", "medium", "high", "critical")
_ASCII_LOOKALIKES = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
}


@dataclass(frozen=True)
class IncidentNotice:
    """What a notice says about one incident; `digest` changes whenever the
    incident's published content does."""

    incident_id: str
    digest: str
    title: str
    severity: str
    status: str
    services: list[str]
    duration_minutes: int | None
    root_causes: list[str]
    open_action_items: list[str]
    page_path: str


@dataclass(frozen=True)
class Message:
    """One SNS message, ready to send."""

    name: str  # the incident id, or "site" for the overall message
    kind: str  # "incident" or "site"
    subject: str
    body: str
    attributes: dict[str, dict[str, str]]
    covers: tuple[tuple[str, str], ...]  # (incident id, digest) announced

    @property
    def deduplication_id(self) -> str:
        text = "\n".join(f"{key}:{digest}" for key, digest in self.covers)
        return hashlib.sha256(f"{self.name}\n{text}".encode()).hexdigest()


def due_notices(
    incidents: Sequence[IncidentNotice], known: dict[str, IncidentRecord] | None
) -> list[IncidentNotice]:
    """The incidents new or changed since the manifest, or owed a notice."""
    due = []
    for notice in incidents:
        record = (known or {}).get(notice.incident_id)
        if record is None or record.digest != notice.digest:
            due.append(notice)
        elif record.notice == "unsent":
            due.append(notice)
    return due


def page_url(site_url: str | None, page_path: str) -> str:
    if not site_url:
        return page_path
    return site_url.rstrip("/") + "/" + page_path.lstrip("/")


def incident_message(notice: IncidentNotice, site_url: str | None) -> Message:
    """The summary of one incident."""
    subject = fit_subject(
        f"[{notice.severity.upper()}] {notice.incident_id}: {notice.title} "
        f"({notice.status})"
    )
    lines = [
        f"{notice.incident_id}: {notice.title}",
        "",
        f"Severity: {notice.severity}",
        f"Status: {notice.status}",
        f"Services: {', '.join(notice.services) or 'none recorded'}",
        f"Duration: {_duration(notice.duration_minutes)}",
        "",
        "Root causes:",
        *_bullets(notice.root_causes, "none recorded"),
        "",
        "Open action items:",
        *_bullets(notice.open_action_items, "none"),
        "",
        f"Page: {page_url(site_url, notice.page_path)}",
    ]
    attributes = _attributes("incident", notice.severity, notice.services)
    body = fit_body(subject, "\n".join(lines), attributes)
    covers = ((notice.incident_id, notice.digest),)
    return Message(notice.incident_id, "incident", subject, body, attributes, covers)


def site_message(
    incidents: Sequence[IncidentNotice],
    site_url: str | None,
    where: str,
    file_count: int,
) -> Message:
    """The one overall message of a first publish."""
    subject = fit_subject(
        f"hindsight: {len(incidents)} incident reviews published to {site_url or where}"
    )
    lines = [
        f"The incident review site was published to {where}.",
        f"Site: {site_url or where}",
        f"{file_count} files, {len(incidents)} incidents.",
        "",
    ]
    for notice in incidents:
        lines.append(
            f"- {notice.incident_id} [{notice.severity}] "
            f"{notice.title} ({notice.status})"
        )
        lines.append(f"  {page_url(site_url, notice.page_path)}")
    worst = max((n.severity for n in incidents), key=_rank, default="none")
    services = sorted({s for notice in incidents for s in notice.services})
    attributes = _attributes("site", worst, services)
    body = fit_body(subject, "\n".join(lines), attributes)
    covers = tuple((n.incident_id, n.digest) for n in incidents)
    return Message("site", "site", subject, body, attributes, covers)


def fit_subject(text: str) -> str:
    """ASCII, one line, under 100 characters (cut with '...')."""
    text = unicodedata.normalize("NFKD", text.translate(_ASCII_LOOKALIKES))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if len(text) > SUBJECT_LIMIT:
        text = text[: SUBJECT_LIMIT - 3].rstrip() + "..."
    return text or "hindsight notice"


def fit_body(subject: str, body: str, attributes: dict) -> str:
    """`body` cut so that subject, body and attributes stay under 256 KB."""
    budget = MESSAGE_LIMIT - len(subject.encode()) - attributes_size(attributes)
    encoded = body.encode("utf-8")
    if len(encoded) <= budget:
        return body
    note = "\n\n[truncated: {} bytes left out; the page has the full review]"
    note_size = len(note.format(len(encoded)).encode())
    kept = encoded[: max(budget - note_size, 0)].decode("utf-8", "ignore")
    return kept + note.format(len(encoded) - len(kept.encode()))


def attributes_size(attributes: dict[str, dict[str, str]]) -> int:
    """Bytes SNS counts for message attributes: name, type and value."""
    return sum(
        len(name.encode())
        + len(value["DataType"].encode())
        + len(value["StringValue"].encode())
        for name, value in attributes.items()
    )


def _attributes(kind: str, severity: str, services: list[str]) -> dict:
    attributes = {
        "kind": {"DataType": "String", "StringValue": kind},
        "severity": {"DataType": "String", "StringValue": severity or "none"},
    }
    if services:
        attributes["services"] = {
            "DataType": "String.Array",
            "StringValue": json.dumps(list(services), ensure_ascii=False),
        }
    return attributes


def _rank(severity: str) -> int:
    lowered = severity.lower()
    return SEVERITY_ORDER.index(lowered) if lowered in SEVERITY_ORDER else -1


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return "unknown"
    hours, rest = divmod(minutes, 60)
    return f"{minutes} minutes" + (f" ({hours} h {rest} min)" if hours else "")


def _bullets(items: list[str], empty: str) -> list[str]:
    return [f"- {item}" for item in items] or [f"- {empty}"]


class Notifier:
    """Sends notices to one topic, with a pending record around each send."""

    def __init__(
        self,
        sns: Any,
        store: BucketStore,
        topic_arn: str,
        run_id: str,
        attempts: int,
        say: Callable[[str], None],
    ) -> None:
        self.sns = sns
        self.store = store
        self.topic_arn = topic_arn
        self.run_id = run_id
        self.attempts = max(attempts, 1)
        self.say = say
        self.fifo = topic_arn.endswith(".fifo")
        self.sent = 0  # numbers the pending records of this run

    def send(self, message: Message) -> tuple[str, str | None]:
        """Send once: returns ("sent" | "unsent" | "unknown", record key).

        "unknown" means SNS may have taken the message; its record stays.
        """
        self.sent += 1
        name = f"{self.run_id}-{self.sent:05d}-{_slug(message.name)}"
        key = self.store.state_key(f"pending/{name}.json")
        try:
            self.store.put_json(key, self._record(message))
        except (ClientError, BotoCoreError) as exc:
            self.say(
                f"warning: pending record for {message.name}: "
                f"{describe(exc, self.store.bucket)}"
            )
            return "unsent", None
        outcome = self._publish(message)
        if outcome == "unsent":
            try:
                self.store.delete(key)
            except (ClientError, BotoCoreError) as exc:
                # The record stays and the next run counts it as sent.
                self.say(f"warning: notice {message.name} may be lost: {exc}")
        return outcome, key

    def _publish(self, message: Message) -> str:
        request = {
            "TopicArn": self.topic_arn,
            "Subject": message.subject,
            "Message": message.body,
            "MessageAttributes": message.attributes,
        }
        if self.fifo:
            request["MessageGroupId"] = _slug(message.name)[:128]
            request["MessageDeduplicationId"] = message.deduplication_id
        # botocore would retry a lost answer too and so send a second copy;
        # the client makes one try and this loop repeats only calls SNS
        # refused or that never reached it.
        for attempt in range(1, self.attempts + 1):
            try:
                self.sns.publish(**request)
                return "sent"
            except ClientError as exc:
                if attempt == self.attempts or not _retryable(exc):
                    self.say(
                        f"warning: SNS refused notice {message.name}: "
                        f"{describe(exc, self.store.bucket)}"
                    )
                    return "unsent"
                throttled = exc.response["Error"].get("Code") in _THROTTLED
            except ConnectionError as exc:  # never connected: nothing was sent
                if attempt == self.attempts:
                    self.say(f"warning: SNS unreachable for {message.name}: {exc}")
                    return "unsent"
                throttled = False
            except BotoCoreError as exc:  # sent, but the answer was lost
                self.say(
                    f"warning: no answer from SNS for notice {message.name} "
                    f"({exc}); counted as sent"
                )
                return "unknown"
            time.sleep(_backoff(attempt, throttled))
        return "unsent"

    def _record(self, message: Message) -> dict:
        return {
            "run_id": self.run_id,
            "written_at": utc_now(),
            "kind": message.kind,
            "topic_arn": self.topic_arn,
            "subject": message.subject,
            "deduplication_id": message.deduplication_id,
            "incidents": [
                {"incident_id": key, "digest": digest} for key, digest in message.covers
            ],
        }


def fold_pending(store: BucketStore, manifest: Manifest, run_id: str) -> list[str]:
    """Count the pending records of earlier runs as sent, in `manifest`.

    Returns their keys, to be removed once that manifest is written.
    """
    keys = []
    for item in store.list(store.state_key("pending/")):
        found = store.get_json(item["Key"])
        record = found[0] if found else None
        if isinstance(record, dict) and record.get("run_id") == run_id:
            continue
        keys.append(item["Key"])
        covered = _covered(record)
        if covered and manifest.incidents is None:
            manifest.incidents = {}
        for incident_id, digest in covered:
            before = (manifest.incidents or {}).get(incident_id)
            page = before.page_path if before else ""
            manifest.incidents[incident_id] = IncidentRecord(digest, page, "sent")
    return keys


def _covered(record: object) -> list[tuple[str, str]]:
    """The (incident id, digest) pairs a pending record announces."""
    if not isinstance(record, dict) or not isinstance(record.get("incidents"), list):
        return []
    return [
        (entry["incident_id"], entry["digest"])
        for entry in record["incidents"]
        if isinstance(entry, dict)
        and isinstance(entry.get("incident_id"), str)
        and isinstance(entry.get("digest"), str)
    ]


def _retryable(exc: ClientError) -> bool:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return status >= 500 or exc.response["Error"].get("Code") in _THROTTLED


def _backoff(attempt: int, throttled: bool) -> float:
    # Full jitter, capped at 20 seconds; server errors start at 50 ms,
    # throttling at one second.
    scale = 1.0 if throttled else 0.05
    return random.random() * min(scale * 2 ** (attempt - 1), 20.0)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "notice"

"""The times of a Statuspage incident: its updates, start, detection, end.

A status page filled in after the fact gives ``started_at == resolved_at``,
a resolution before the start, or a ``started_at`` after ``created_at``; the
functions here then choose the best time the incident offers (the earlier
of started and created, the last time written in an update's text) and
record each choice as a guess of the draft.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import Draft
from .timezones import Zone, parse_zone, stamp

_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)[^>]*>")
DATED_LINE = re.compile(
    r"^\s*(?:[-*\u2022]\s*)?(?P<at>\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?)"
    r"\s*(?P<zone>UTC|GMT|Z|[+-]\d{2}:?\d{2})?\s*[-\u2013:]\s*(?P<text>\S.*)$"
)


@dataclass
class Update:
    at: datetime | None
    status: str
    body: str
    components: list[tuple[str, str]]  # (name, new status)
    entries: list[tuple[datetime, str]]  # dated lines of the body


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty one: sources are not trusted."""
    return value if isinstance(value, list) else []


def read_updates(incident: dict[str, Any], zone: Zone) -> list[Update]:
    """The updates of an incident, oldest first, with their bodies as text."""
    found = []
    for raw in as_list(incident.get("incident_updates")):
        if not isinstance(raw, dict):
            continue
        body = html_text(str(raw.get("body") or ""))
        at = _time(raw.get("display_at")) or _time(raw.get("created_at"))
        components = [
            (str(c.get("name")), str(c.get("new_status") or ""))
            for c in as_list(raw.get("affected_components"))
            if isinstance(c, dict) and c.get("name")
        ]
        found.append(
            Update(
                at,
                str(raw.get("status") or "update"),
                body,
                components,
                _entries(body, zone),
            )
        )
    found.sort(key=lambda u: u.at or datetime.max.replace(tzinfo=UTC))
    return found


def _entries(body: str, zone: Zone) -> list[tuple[datetime, str]]:
    entries = []
    for line in body.splitlines():
        match = DATED_LINE.match(line)
        if not match:
            continue
        local = _local(match.group("at"))
        if local is None:
            continue
        written = parse_zone(match.group("zone")) if match.group("zone") else None
        offset, _note = (written or zone).offset_at(local)
        at = (local - offset).replace(tzinfo=UTC)
        entries.append((at, match.group("text").strip()))
    return entries


def _local(text: str) -> datetime | None:
    day, clock = re.split(r"[ T]", text, maxsplit=1)
    clock = clock.zfill(5 if clock.count(":") == 1 else 8)
    try:
        return datetime.fromisoformat(f"{day} {clock}")
    except ValueError:
        return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


def incident_times(
    incident: dict[str, Any], updates: list[Update], draft: Draft
) -> dict[str, datetime] | None:
    started = _time(incident.get("started_at"))
    created = _time(incident.get("created_at"))
    resolved = _time(incident.get("resolved_at"))
    moments = [u.at for u in updates if u.at] + [
        at for u in updates for at, _ in u.entries
    ]
    start = _start(started, created, moments, draft)
    if start is None:
        return None
    end = _end(start, resolved, updates, moments, draft)
    times = {"start_time": start}
    detected = created
    if detected is not None and detected > end:
        draft.guess(
            "detected_time",
            f"created_at {stamp(created)} is after the "
            "end; detected_time is set to the end",
        )
        detected = end
    if detected is not None:
        times["detected_time"] = detected
    mitigated = _mitigated(incident, updates, times, end, draft)
    if mitigated is not None:
        times["mitigated_time"] = mitigated
    times["end_time"] = end
    return times


def _start(started, created, moments, draft: Draft) -> datetime | None:
    written = [t for t in (started, created) if t is not None]
    if not written:
        if not moments:
            return None
        draft.guess(
            "start_time",
            "no started_at or created_at; the first update is taken as the start",
        )
        return min(moments)
    start = min(written)
    if started is None:
        draft.guess("start_time", "no started_at; created_at is taken as the start")
    elif start < started:
        draft.guess(
            "start_time",
            f"started_at {stamp(started)} is after created_at "
            f"{stamp(created)}; the start is taken as created_at",
        )
    return start


def _end(start, resolved, updates, moments, draft: Draft) -> datetime:
    last_entry = max((at for u in updates for at, _ in u.entries), default=None)
    if resolved is None:
        end = max([start, *moments])
        draft.guess(
            "end_time", "the source has no resolved_at; end_time is the last update"
        )
        return end
    if resolved > start:
        return resolved
    if last_entry is not None and last_entry > start:
        draft.guess(
            "end_time",
            f"resolved_at {stamp(resolved)} is not after the "
            "start (entered after the fact); end_time is the last time "
            "written in the update text",
        )
        return last_entry
    if resolved < start:
        draft.guess(
            "end_time",
            f"resolved_at {stamp(resolved)} is before the "
            "start; end_time is set to the start",
        )
    else:
        draft.guess(
            "end_time",
            "resolved_at equals the start, so the source gives "
            "no duration; end_time is the start",
        )
    return start


def _mitigated(incident, updates, times, end, draft: Draft) -> datetime | None:
    monitoring = next(
        (u.at for u in updates if u.status == "monitoring" and u.at), None
    ) or _time(incident.get("monitoring_at"))
    if monitoring is None:
        return None
    lower = times.get("detected_time", times["start_time"])
    if monitoring < lower or monitoring > end:
        clamped = min(max(monitoring, lower), end)
        draft.guess(
            "mitigated_time",
            f"the monitoring update {stamp(monitoring)} "
            f"lies outside detection and end; set to {stamp(clamped)}",
        )
        return clamped
    return monitoring


def html_text(body: str) -> str:
    """The text of an update body; HTML (as old status pages wrote) is flattened."""
    if not _TAG.search(body):
        return body.replace("\r\n", "\n").strip()
    text = re.sub(
        r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>(.*?)</a>",
        r"\2 (\1)",
        body,
        flags=re.I | re.S,
    )
    text = re.sub(r"<\s*br\s*/?>", "\n", text, flags=re.I)
    text = re.sub(r"<\s*li[^>]*>", "\n- ", text, flags=re.I)
    text = re.sub(r"</\s*(p|div|ul|ol|h\d)\s*>", "\n\n", text, flags=re.I)
    text = html.unescape(_TAG.sub("", text)).replace("\r\n", "\n")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

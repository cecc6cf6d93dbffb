"""Collect: evidence from CloudWatch, merged into an incident file.

Evidence is read for the incident's *window*, ``start_time - margin`` to
``end_time + margin``, from three sources:

- alarm history: every change of a named alarm into ALARM or OK becomes a
  timeline event with ``source: cloudwatch-alarm``; changes into
  INSUFFICIENT_DATA are left out as noise;
- metrics: the series named in a metrics file, read with GetMetricData and
  stored as data in ``<incident file stem>.metrics.json`` beside the file;
- logs: the events of a log group that match a filter pattern, counted per
  minute into the same data file; the first one becomes a timeline event
  with ``source: cloudwatch-logs``.

A timeline event that collect wrote ends its ``details`` with a *marker*,
``[collect <12 hex digits>]``: a digest of what identifies the event (the
alarm, its new state and the time; or the log group and the pattern). An
event with a marker is collect's own: a later run updates it and never adds
it twice. Every other event is left exactly as written, and an event is not
added when one with the same timestamp, source and text is already there
(a copy a person took over by deleting the marker). New events go before the
first later event, so an ordered timeline stays ordered. Own events are
never deleted, even when their source no longer reports them.

``detected_time`` is proposed from the first alarm that went to ALARM in
the window: set when missing and the time order allows it, never changed
when present. A window without any data is a note, not an error: nothing is
written and the exit code is 0.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .edit import EditError, Editor, write_atomic
from .findings import ERROR
from .load import LoadError, load_bytes
from .model import Incident, parse_timestamp
from .taxonomy import Taxonomy
from .validate import Validator

log = logging.getLogger("hindsight")

ALARM_SOURCE = "cloudwatch-alarm"
LOGS_SOURCE = "cloudwatch-logs"
TIMELINE = "timeline_events"
DATA_VERSION = 1
_MARKER = re.compile(r"\[collect ([0-9a-f]{12})\]\s*$")
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_RECORDED_STATES = ("ALARM", "OK")
_MESSAGE_LIMIT = 300
# Top-level keys that come before `timeline_events` in the model's order.
_FIELDS = [item.name for item in dataclass_fields(Incident)]
_BEFORE_TIMELINE = tuple(_FIELDS[: _FIELDS.index(TIMELINE)])


class CollectError(Exception):
    """Collecting cannot go on; the message is one line for the user."""


# What to collect -------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The stretch of time read from every source."""

    start: datetime
    end: datetime

    def to_dict(self) -> dict[str, str]:
        return {"start": iso(self.start), "end": iso(self.end)}


@dataclass(frozen=True)
class MetricSpec:
    """One metric series of a metrics file."""

    id: str
    label: str
    namespace: str
    metric: str
    stat: str
    dimensions: dict[str, str] = field(default_factory=dict)
    period: int = 60

    def query(self) -> dict[str, Any]:
        """The series as a GetMetricData query."""
        metric = {
            "Namespace": self.namespace,
            "MetricName": self.metric,
            "Dimensions": [
                {"Name": k, "Value": v} for k, v in sorted(self.dimensions.items())
            ],
        }
        stat = {"Metric": metric, "Period": self.period, "Stat": self.stat}
        return {"Id": self.id, "Label": self.label, "MetricStat": stat}


@dataclass(frozen=True)
class LogQuery:
    """Log events of one group that match one filter pattern."""

    group: str
    pattern: str

    @property
    def key(self) -> str:
        return "logs-" + _digest("logs", self.group, self.pattern)


@dataclass
class Request:
    """What one run collects."""

    margin: timedelta = timedelta(minutes=30)
    alarms: list[str] = field(default_factory=list)
    metrics: list[MetricSpec] = field(default_factory=list)
    logs: LogQuery | None = None


@dataclass
class Clients:
    """The AWS clients collect calls.

    ``alarm_history`` answers DescribeAlarmHistory and defaults to
    ``cloudwatch``; it is separate so that a client for another endpoint
    (or a stubbed one) can serve that call alone.
    """

    cloudwatch: Any
    logs: Any
    alarm_history: Any = None

    @property
    def history(self) -> Any:
        return self.alarm_history or self.cloudwatch


def aws_clients(endpoint_url: str | None = None, region: str | None = None) -> Clients:
    """Clients from the usual AWS chain (environment, profile, role)."""
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=60,
    )
    session = boto3.Session(region_name=region)
    try:
        return Clients(
            cloudwatch=session.client(
                "cloudwatch", endpoint_url=endpoint_url, config=config
            ),
            logs=session.client("logs", endpoint_url=endpoint_url, config=config),
        )
    except NoRegionError:
        raise CollectError(
            "no AWS region configured; pass --region or set AWS_REGION"
        ) from None


@dataclass(frozen=True)
class CollectedEvent:
    """A timeline event found in a source, with the key that identifies it."""

    key: tuple[str, ...]
    timestamp: datetime
    event: str
    source: str
    text: str

    @property
    def marker(self) -> str:
        return _digest(*self.key)

    def fields(self) -> dict[str, Any]:
        """The event as written into the timeline."""
        return {
            "timestamp": self.timestamp,
            "event": self.event,
            "source": self.source,
            "details": f"{self.text} [collect {self.marker}]",
        }


# Reading options -------------------------------------------------------------

_MARGIN = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_margin(text: str) -> timedelta:
    """``30m``, ``2h``, ``1h30m``, ``1d`` or ``90s`` as a timedelta."""
    match = _MARGIN.match(text.strip())
    if not text.strip() or not match:
        raise ValueError(f"margin {text!r} is not like 30m, 2h or 1h30m")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


_METRIC_KEYS = {"id", "label", "namespace", "metric", "dimensions", "stat", "period"}
_QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")


def load_metric_specs(path: Path) -> list[MetricSpec]:
    """The series of a metrics file: a YAML or JSON list of mappings."""
    try:
        entries = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CollectError(f"{path}: cannot read the metrics file: {error}") from None
    if not isinstance(entries, list) or not entries:
        raise CollectError(f"{path}: a metrics file is a non-empty list of metrics")
    specs = [_metric_spec(path, n, entry) for n, entry in enumerate(entries, 1)]
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise CollectError(f"{path}: metric id `{spec.id}` is used twice")
        seen.add(spec.id)
    return specs


def _metric_spec(path: Path, number: int, entry: Any) -> MetricSpec:
    def fail(message: str) -> CollectError:
        return CollectError(f"{path}: metric {number}: {message}")

    if not isinstance(entry, dict):
        raise fail("must be a mapping with namespace, metric and stat")
    for key in entry:
        if key not in _METRIC_KEYS:
            close = difflib.get_close_matches(str(key), sorted(_METRIC_KEYS), 1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise fail(f"unknown key `{key}`{hint}")
    for key in ("namespace", "metric", "stat"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise fail(f"`{key}` is required and must be text")
    dimensions = entry.get("dimensions") or {}
    if not isinstance(dimensions, dict):
        raise fail("`dimensions` must be a mapping of name to value")
    period = entry.get("period", 60)
    if not isinstance(period, int) or not (
        period in (1, 5, 10, 30) or (period > 0 and period % 60 == 0)
    ):
        raise fail("`period` must be 1, 5, 10, 30 or a multiple of 60 seconds")
    ident = str(entry.get("id") or f"m{number}")
    if not _QUERY_ID.match(ident):
        raise fail(
            f"id `{ident}` must start with a lower-case letter and hold "
            "only letters, digits and _"
        )
    dims = {str(k): str(v) for k, v in dimensions.items()}
    label = entry.get("label") or _default_label(entry["metric"], dims)
    return MetricSpec(
        ident,
        str(label),
        entry["namespace"],
        entry["metric"],
        entry["stat"],
        dims,
        period,
    )


def _default_label(metric: str, dimensions: dict[str, str]) -> str:
    if not dimensions:
        return metric
    inner = ", ".join(f"{k}={v}" for k, v in sorted(dimensions.items()))
    return f"{metric} ({inner})"


# Reading the sources ---------------------------------------------------------


@contextmanager
def _calling(action: str, subject: str) -> Iterator[None]:
    """Turn AWS failures of ``action`` (an IAM action) into one-line errors."""
    try:
        yield
    except ClientError as error:
        info = error.response.get("Error", {})
        code, message = info.get("Code", "?"), info.get("Message", "")
        if code in _ACCESS_DENIED:
            raise CollectError(
                f"access denied to {action} for {subject}; the credentials need "
                f"permission for {action} ({message})"
            ) from None
        if code == "ResourceNotFoundException":
            raise CollectError(f"{subject} does not exist ({message})") from None
        raise CollectError(
            f"{action} for {subject} failed: {code}: {message}"
        ) from None
    except NoCredentialsError:
        raise CollectError(
            "no AWS credentials found (environment, ~/.aws or an instance role)"
        ) from None
    except EndpointConnectionError as error:
        raise CollectError(f"cannot reach {error.kwargs.get('endpoint_url')}") from None
    except BotoCoreError as error:
        raise CollectError(f"{action} for {subject} failed: {error}") from None


def alarm_events(
    clients: Clients, names: list[str], window: Window
) -> list[CollectedEvent]:
    """State changes of the named alarms into ALARM or OK, in the window."""
    _check_alarms_exist(clients.cloudwatch, names)
    found = []
    paginator = clients.history.get_paginator("describe_alarm_history")
    for name in names:
        pages = paginator.paginate(
            AlarmName=name,
            HistoryItemType="StateUpdate",
            StartDate=window.start,
            EndDate=window.end,
            ScanBy="TimestampAscending",
        )
        with _calling("cloudwatch:DescribeAlarmHistory", f"alarm {name}"):
            for page in pages:
                for item in page.get("AlarmHistoryItems", []):
                    event = _alarm_event(name, item)
                    if event and window.start <= event.timestamp <= window.end:
                        found.append(event)
    return sorted(found, key=lambda e: (e.timestamp, e.event))


def _check_alarms_exist(cloudwatch: Any, names: list[str]) -> None:
    known: set[str] = set()
    paginator = cloudwatch.get_paginator("describe_alarms")
    with _calling("cloudwatch:DescribeAlarms", "the alarms"):
        for start in range(0, len(names), 100):
            pages = paginator.paginate(
                AlarmNames=names[start : start + 100],
                AlarmTypes=["MetricAlarm", "CompositeAlarm"],
            )
            for page in pages:
                for alarm in page.get("MetricAlarms", []) + page.get(
                    "CompositeAlarms", []
                ):
                    known.add(alarm["AlarmName"])
    missing = [name for name in names if name not in known]
    if missing:
        raise CollectError(f"unknown alarm(s): {', '.join(missing)}")


def _alarm_event(name: str, item: dict[str, Any]) -> CollectedEvent | None:
    try:
        history = json.loads(item.get("HistoryData") or "{}")
    except ValueError:
        history = {}
    new_state = history.get("newState") if isinstance(history, dict) else None
    new_state = new_state if isinstance(new_state, dict) else {}
    summary = item.get("HistorySummary", "")
    state = new_state.get("stateValue")
    if not state:
        match = re.search(r"\bto (\w+)\s*$", summary)
        state = match.group(1) if match else None
    if state not in _RECORDED_STATES:
        return None
    name = item.get("AlarmName") or name
    when = utc(item["Timestamp"])
    reason = _one_line(new_state.get("stateReason") or summary) or "no reason given"
    return CollectedEvent(
        ("alarm", name, state, iso(when)),
        when,
        f"Alarm {name} entered {state}",
        ALARM_SOURCE,
        reason,
    )


def metric_series(
    cloudwatch: Any, specs: list[MetricSpec], window: Window
) -> list[dict[str, Any]]:
    """The stored form of each series that has data in the window."""
    points: dict[str, dict[datetime, float]] = {spec.id: {} for spec in specs}
    paginator = cloudwatch.get_paginator("get_metric_data")
    with _calling("cloudwatch:GetMetricData", "the metrics"):
        for start in range(0, len(specs), 500):
            pages = paginator.paginate(
                MetricDataQueries=[s.query() for s in specs[start : start + 500]],
                StartTime=window.start,
                EndTime=window.end,
                ScanBy="TimestampAscending",
            )
            for page in pages:
                for result in page.get("MetricDataResults", []):
                    series = points.setdefault(result["Id"], {})
                    for at, value in zip(
                        result["Timestamps"], result["Values"], strict=True
                    ):
                        if math.isfinite(value):
                            series[utc(at)] = float(value)
    stored = []
    for spec in specs:
        if not points[spec.id]:
            continue
        stored.append(
            {
                "id": spec.id,
                "label": spec.label,
                "namespace": spec.namespace,
                "metric": spec.metric,
                "dimensions": spec.dimensions,
                "stat": spec.stat,
                "period": spec.period,
                "window": window.to_dict(),
                "points": [
                    {"timestamp": iso(t), "value": v}
                    for t, v in sorted(points[spec.id].items())
                ],
            }
        )
    return stored


def log_series(
    logs: Any, query: LogQuery, window: Window
) -> tuple[dict[str, Any] | None, CollectedEvent | None]:
    """Matching log events per minute, and the first as a timeline event."""
    counts: Counter[int] = Counter()
    first: dict[str, Any] | None = None
    paginator = logs.get_paginator("filter_log_events")
    pages = paginator.paginate(
        logGroupName=query.group,
        filterPattern=query.pattern,
        startTime=_millis(window.start),
        endTime=_millis(window.end),
    )
    with _calling("logs:FilterLogEvents", f"log group {query.group}"):
        for page in pages:
            for item in page.get("events", []):
                counts[item["timestamp"] // 60_000] += 1
                if first is None or _log_order(item) < _log_order(first):
                    first = item
    if first is None:
        return None, None
    total = sum(counts.values())
    when = datetime.fromtimestamp(first["timestamp"] / 1000, UTC).replace(microsecond=0)
    message = _one_line(first.get("message", ""))
    if len(message) > _MESSAGE_LIMIT:
        message = message[: _MESSAGE_LIMIT - 1] + "…"
    stream = first.get("logStreamName", "?")
    stored = {
        "key": query.key,
        "group": query.group,
        "pattern": query.pattern,
        "period": 60,
        "total": total,
        "window": window.to_dict(),
        "first_event": {"timestamp": iso(when), "stream": stream, "message": message},
        "points": [
            {"timestamp": iso(datetime.fromtimestamp(m * 60, UTC)), "count": n}
            for m, n in sorted(counts.items())
        ],
    }
    noun = "event matches" if total == 1 else "events match"
    event = CollectedEvent(
        ("logs", query.group, query.pattern),
        when,
        f"First log event in {query.group} matching {query.pattern}",
        LOGS_SOURCE,
        f"{total} log {noun} in the window; the first, in {stream}: {message}",
    )
    return stored, event


def _log_order(item: dict[str, Any]) -> tuple[int, str]:
    return item["timestamp"], str(item.get("eventId", ""))


# Merging into the timeline ---------------------------------------------------


def merge_timeline(
    editor: Editor, events: list[CollectedEvent]
) -> tuple[Editor, int, int]:
    """Add or update collected events; returns the editor, added and updated.

    The editor may be replaced (a moved event is cut out of the text and
    inserted again), so callers go on with the one returned.
    """
    added = updated = 0
    for event in sorted(events, key=lambda e: (e.timestamp, e.event)):
        items = _timeline(editor)
        index = _own_index(items, event.marker)
        if index is not None:
            editor, changed = _update(editor, index, event)
            updated += changed
        elif not _already_there(items, event):
            editor = _insert(editor, event)
            added += 1
    return editor, added, updated


def _timeline(editor: Editor) -> list[Any]:
    items = editor.get((TIMELINE,), None)
    return items if isinstance(items, list) else []


def _own_index(items: list[Any], marker: str) -> int | None:
    for index, item in enumerate(items):
        details = item.get("details") if isinstance(item, dict) else None
        found = _MARKER.search(details) if isinstance(details, str) else None
        if found and found.group(1) == marker:
            return index
    return None


def _already_there(items: list[Any], event: CollectedEvent) -> bool:
    return any(
        isinstance(item, dict)
        and when(item.get("timestamp")) == event.timestamp
        and item.get("source") == event.source
        and item.get("event") == event.event
        for item in items
    )


def _update(editor: Editor, index: int, event: CollectedEvent) -> tuple[Editor, bool]:
    current = _timeline(editor)[index]
    wanted = event.fields()
    if when(current.get("timestamp")) != event.timestamp:
        if not _fits_at(_timeline(editor), index, event.timestamp):
            return _insert(_without_item(editor, index), event), True
    changed = False
    for key, value in wanted.items():
        old = current.get(key)
        same = when(old) == value if key == "timestamp" else old == value
        if not same:
            editor.set((TIMELINE, index, key), value)
            changed = True
    return editor, changed


def _fits_at(items: list[Any], index: int, timestamp: datetime) -> bool:
    before = [when(i.get("timestamp")) for i in items[:index] if isinstance(i, dict)]
    after = [
        when(i.get("timestamp")) for i in items[index + 1 :] if isinstance(i, dict)
    ]
    earlier = [t for t in before if t is not None]
    later = [t for t in after if t is not None]
    return (not earlier or earlier[-1] <= timestamp) and (
        not later or timestamp <= later[0]
    )


def _insert(editor: Editor, event: CollectedEvent) -> Editor:
    items = editor.get((TIMELINE,), None)
    if not items:
        return _start_timeline(editor, event)
    position = len(items)
    for index, item in enumerate(items):
        moment = when(item.get("timestamp")) if isinstance(item, dict) else None
        if moment is not None and moment > event.timestamp:
            position = index
            break
    editor.insert((TIMELINE,), position, event.fields())
    return editor


def _start_timeline(editor: Editor, event: CollectedEvent) -> Editor:
    """Write the first event of a missing, empty (``[]``) or null timeline."""
    data = editor.get(())
    if TIMELINE not in data:
        after = [key for key in _BEFORE_TIMELINE if key in data][-1]
        editor.set((TIMELINE,), [event.fields()], after=after)
        return editor
    editor = _blanked_value(editor)
    if editor.get((TIMELINE,), None) == []:
        editor.insert((TIMELINE,), 0, event.fields())
    else:
        editor.set((TIMELINE,), [event.fields()])
    return editor


def _blanked_value(editor: Editor) -> Editor:
    """``timeline_events: []`` (or null) as ``timeline_events:``, so that the
    first event is written as a block list. A comment on the same line keeps
    the ``[]``, and the event is then written inside it."""
    text = editor.text
    node = _composed_entry(text, TIMELINE)
    start, end = node.start_mark.index, node.end_mark.index
    line_end = text.find("\n", end)
    rest = text[end : len(text) if line_end < 0 else line_end]
    if node.start_mark.line != node.end_mark.line or rest.strip():
        return editor
    if isinstance(node, SequenceNode) and node.value:
        return editor
    return Editor(text[:start].rstrip(" ") + text[end:])


def _without_item(editor: Editor, index: int) -> Editor:
    """The text without timeline event ``index``, a collect-owned block item."""
    text = editor.text
    node = _composed_entry(text, TIMELINE)
    if not isinstance(node, SequenceNode) or node.flow_style:
        raise EditError("a timeline written as a flow list cannot be reordered")
    item = node.value[index]
    dash = text.rfind("-", 0, item.start_mark.index)
    start = text.rfind("\n", 0, dash) + 1
    end = text.find("\n", _last_index(text, item))
    end = len(text) if end < 0 else end + 1
    expected = editor.data
    del expected[TIMELINE][index]
    result = Editor(text[:start] + text[end:])
    if result.data != expected:
        raise EditError("cutting out a collected event would change other values")
    return result


def _composed_entry(text: str, key: str) -> Any:
    root = YAML(typ="rt").compose(text)
    for key_node, value_node in root.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return value_node
    raise EditError(f"`{key}` is missing")


def _last_index(text: str, node: Any) -> int:
    while isinstance(node, (MappingNode, SequenceNode)) and node.value:
        if node.flow_style:
            break
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1].isspace():
        end -= 1
    return end


# detected_time ---------------------------------------------------------------

_AFTER_DETECTED = ("acknowledged_time", "mitigated_time", "end_time")


def propose_detected(
    editor: Editor, first_alarm: datetime | None, notes: list[str]
) -> datetime | None:
    """Set ``detected_time`` to ``first_alarm`` when missing and in order."""
    if first_alarm is None:
        return None
    data = editor.get(())
    shown = iso(first_alarm)
    if data.get("detected_time") is not None:
        present = when(data["detected_time"])
        if present != first_alarm:
            notes.append(
                f"detected_time stays {iso(present) if present else '?'}; "
                f"the first alarm went to ALARM at {shown}"
            )
        return None
    start = when(data.get("start_time"))
    later = [when(data.get(k)) for k in _AFTER_DETECTED if data.get(k) is not None]
    if (start and first_alarm < start) or any(t and first_alarm > t for t in later):
        notes.append(
            f"detected_time not set: the first alarm at {shown} is "
            "outside start_time..acknowledged/mitigated/end_time"
        )
        return None
    editor.set(("detected_time",), first_alarm, after="start_time")
    return first_alarm


# The stage -------------------------------------------------------------------


@dataclass
class Outcome:
    """What a run found and changed (or, in a dry run, would change)."""

    path: Path
    metrics_path: Path
    before: str
    after: str
    metrics_before: str | None
    metrics_after: str | None
    added: int = 0
    updated: int = 0
    detected_time: datetime | None = None
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def changed_files(self) -> list[Path]:
        changed = [self.path] if self.after != self.before else []
        if self.metrics_after != self.metrics_before:
            changed.append(self.metrics_path)
        return changed

    def diff(self, shown: Callable[[Path], str] = str) -> str:
        """The changes as a unified diff; ``shown`` turns paths into names."""
        parts = [_unified(self.before, self.after, shown(self.path))]
        parts.append(
            _unified(
                self.metrics_before or "",
                self.metrics_after or "",
                shown(self.metrics_path),
            )
        )
        return "".join(parts)


def metrics_path_for(path: Path) -> Path:
    """Where the collected data of the incident file ``path`` is stored."""
    return path.with_name(f"{path.stem}.metrics.json")


def incident_window(data: dict[str, Any], margin: timedelta) -> Window:
    start, end = when(data.get("start_time")), when(data.get("end_time"))
    if start is None or end is None:
        raise CollectError("the incident needs start_time and end_time with offsets")
    return Window(start - margin, end + margin)


def collect(
    path: Path,
    request: Request,
    clients: Clients,
    taxonomy: Taxonomy,
    *,
    name: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Read the sources for the incident at ``path`` and merge what they say.

    The new text is validated before the file is replaced; with ``dry_run``
    nothing is written and :meth:`Outcome.diff` shows what would change.
    """
    name = name or str(path)
    validator = Validator(taxonomy)
    try:
        editor = Editor.read(path)
    except (OSError, EditError) as error:
        raise CollectError(f"{name}: {error}") from None
    _require_valid(
        validator,
        editor.text,
        path,
        name,
        "has errors; fix them first (hindsight validate)",
    )
    window = incident_window(editor.get(()), request.margin)
    outcome = Outcome(
        path, metrics_path_for(path), editor.text, editor.text, None, None
    )
    events, series, logs, first_alarm = _read_sources(
        request, clients, window, outcome.notes
    )
    outcome.metrics_before = _read_text(outcome.metrics_path)
    outcome.metrics_after = outcome.metrics_before
    if not events and not series and not logs:
        outcome.notes.append(
            "no data in the window "
            f"{iso(window.start)}..{iso(window.end)}; nothing changed"
        )
        return outcome

    try:
        editor, outcome.added, outcome.updated = merge_timeline(editor, events)
        outcome.detected_time = propose_detected(editor, first_alarm, outcome.notes)
    except EditError as error:
        raise CollectError(
            f"{name}: cannot merge the collected events: {error}"
        ) from None
    outcome.after = editor.text
    if series or logs:
        outcome.metrics_after = merged_data(
            outcome.metrics_before,
            editor.get(()).get("incident_id"),
            series,
            logs,
            outcome.metrics_path,
        )
    _require_valid(
        validator, outcome.after, path, name, "would not validate after collecting"
    )
    if not dry_run:
        _write(outcome)
    return outcome


def _read_sources(
    request: Request, clients: Clients, window: Window, notes: list[str]
) -> tuple[list[CollectedEvent], list[dict], list[dict], datetime | None]:
    """Every source the request names; what is empty becomes a note."""
    events: list[CollectedEvent] = []
    first_alarm = None
    if request.alarms:
        log.debug("reading the history of %d alarm(s)", len(request.alarms))
        found = alarm_events(clients, request.alarms, window)
        events.extend(found)
        fired = [e.timestamp for e in found if e.key[2] == "ALARM"]
        first_alarm = min(fired) if fired else None
        if not found:
            notes.append("no alarm went to ALARM or OK in the window")
    series = []
    if request.metrics:
        log.debug("reading %d metric series", len(request.metrics))
        series = metric_series(clients.cloudwatch, request.metrics, window)
        with_data = {s["id"] for s in series}
        notes.extend(
            f"metric {s.label} has no data in the window"
            for s in request.metrics
            if s.id not in with_data
        )
    logs = []
    if request.logs is not None:
        log.debug("reading log events of %s", request.logs.group)
        stored, first = log_series(clients.logs, request.logs, window)
        if stored is None or first is None:
            notes.append(
                f"no log event in {request.logs.group} matches "
                f"{request.logs.pattern} in the window"
            )
        else:
            logs.append(stored)
            events.append(first)
    return events, series, logs, first_alarm


def _require_valid(
    validator: Validator, text: str, path: Path, name: str, problem: str
) -> None:
    try:
        document = load_bytes(text.encode("utf-8"), path)
    except LoadError as error:
        raise CollectError(
            f"{name}:{error.line}:{error.column}: {problem}: {error.message}"
        ) from None
    errors = [f for f in validator.check(document, name) if f.severity == ERROR]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CollectError(
            f"{name}:{first.line}:{first.column}: {problem}: {first.message}{more}"
        )


def merged_data(
    before: str | None,
    incident_id: str | None,
    series: list[dict[str, Any]],
    logs: list[dict[str, Any]],
    path: Path,
) -> str:
    """The data file with this run's series replacing those of the same id.

    Metric series are keyed by ``id``, log series by ``key``; series of
    earlier runs under other keys are kept.
    """
    try:
        old = json.loads(before) if before else {}
    except ValueError:
        old = None
    if not isinstance(old, dict):
        raise CollectError(f"{path}: not a collected data file; fix or remove it")
    metrics = {m["id"]: m for m in old.get("metrics", [])}
    metrics.update((m["id"], m) for m in series)
    log_data = {entry["key"]: entry for entry in old.get("logs", [])}
    log_data.update((entry["key"], entry) for entry in logs)
    data = {
        "version": DATA_VERSION,
        "incident_id": incident_id,
        "metrics": [metrics[k] for k in sorted(metrics)],
        "logs": sorted(log_data.values(), key=lambda e: (e["group"], e["pattern"])),
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _write(outcome: Outcome) -> None:
    if outcome.metrics_after != outcome.metrics_before:
        write_atomic(outcome.metrics_path, outcome.metrics_after or "")
    if outcome.after != outcome.before:
        write_atomic(outcome.path, outcome.after)
    outcome.written = bool(outcome.changed_files)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        return None


def _unified(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"a/{name}",
        f"b/{name}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


# Small helpers ---------------------------------------------------------------


def utc(moment: datetime) -> datetime:
    """An AWS timestamp in UTC, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """``2024-01-15T14:34:00Z``: how collect writes every time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def when(value: Any) -> datetime | None:
    """A timestamp as read from YAML (datetime or text) with its offset."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:12]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())

"""CloudWatch: the alarm history, metrics and log events of an incident's window.

Three readers, one per source, each for a :class:`~hindsight.evidence.Window`:

- :func:`alarm_events`: every change of a named alarm into ALARM or OK, as a
  timeline event with ``source: cloudwatch-alarm``; changes into
  INSUFFICIENT_DATA are left out as noise;
- :func:`metric_series`: the series of a metrics file, read with
  GetMetricData, in the stored form of the collected data file;
- :func:`log_series`: the events of a log group that match a filter
  pattern, counted per minute, and the first of them as a timeline event
  with ``source: cloudwatch-logs``.

A failing AWS call becomes a :class:`~hindsight.evidence.CollectError` of one
line that names the IAM action and what it was called for.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from .evidence import (
    ALARM_SOURCE,
    LOGS_SOURCE,
    CollectedEvent,
    CollectError,
    Window,
    digest,
    iso,
    utc,
)

_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_RECORDED_STATES = ("ALARM", "OK")
_MESSAGE_LIMIT = 300


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
        """The series' key in the data file, the same on every run."""
        return "logs-" + digest("logs", self.group, self.pattern)


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
        """The client that answers DescribeAlarmHistory."""
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


# Alarms ----------------------------------------------------------------------


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
    """The history item as a timeline event; None for an unrecorded state."""
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
    moment = utc(item["Timestamp"])
    reason = _one_line(new_state.get("stateReason") or summary) or "no reason given"
    return CollectedEvent(
        ("alarm", name, state, iso(moment)),
        moment,
        f"Alarm {name} entered {state}",
        ALARM_SOURCE,
        reason,
    )


# Metrics ---------------------------------------------------------------------


def metric_series(
    cloudwatch: Any, specs: list[MetricSpec], window: Window
) -> list[dict[str, Any]]:
    """The stored form of each series that has data in the window."""
    points = _metric_points(cloudwatch, specs, window)
    return [
        _stored_metric(spec, window, points[spec.id])
        for spec in specs
        if points[spec.id]
    ]


def _metric_points(
    cloudwatch: Any, specs: list[MetricSpec], window: Window
) -> dict[str, dict[datetime, float]]:
    """The finite values of every series by time, 500 queries to a call."""
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
    return points


def _stored_metric(
    spec: MetricSpec, window: Window, points: dict[datetime, float]
) -> dict[str, Any]:
    return {
        "id": spec.id,
        "label": spec.label,
        "namespace": spec.namespace,
        "metric": spec.metric,
        "dimensions": spec.dimensions,
        "stat": spec.stat,
        "period": spec.period,
        "window": window.to_dict(),
        "points": [
            {"timestamp": iso(t), "value": v} for t, v in sorted(points.items())
        ],
    }


# Logs ------------------------------------------------------------------------


def log_series(
    logs: Any, query: LogQuery, window: Window
) -> tuple[dict[str, Any] | None, CollectedEvent | None]:
    """Matching log events per minute, and the first as a timeline event.

    Both are None when no event in the window matches.
    """
    counts, first = _matching_events(logs, query, window)
    if first is None:
        return None, None
    total = sum(counts.values())
    moment = datetime.fromtimestamp(first["timestamp"] / 1000, UTC)
    moment = moment.replace(microsecond=0)
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
        "first_event": {"timestamp": iso(moment), "stream": stream, "message": message},
        "points": [
            {"timestamp": iso(datetime.fromtimestamp(m * 60, UTC)), "count": n}
            for m, n in sorted(counts.items())
        ],
    }
    noun = "event matches" if total == 1 else "events match"
    event = CollectedEvent(
        ("logs", query.group, query.pattern),
        moment,
        f"First log event in {query.group} matching {query.pattern}",
        LOGS_SOURCE,
        f"{total} log {noun} in the window; the first, in {stream}: {message}",
    )
    return stored, event


def _matching_events(
    logs: Any, query: LogQuery, window: Window
) -> tuple[Counter[int], dict[str, Any] | None]:
    """Matching events counted per minute since the epoch, and the first."""
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
    return counts, first


def _log_order(item: dict[str, Any]) -> tuple[int, str]:
    return item["timestamp"], str(item.get("eventId", ""))


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())

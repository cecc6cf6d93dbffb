"""Collect: evidence from CloudWatch, merged into an incident file.

One run reads the incident's window (:mod:`hindsight.evidence`) from the
sources a :class:`Request` names (:mod:`hindsight.cloudwatch`): the history
of alarms, metric series and matching log events. Timeline events and a
proposed ``detected_time`` are merged into the incident file
(:mod:`hindsight.timeline_merge`); metric and log series are stored as data
in ``<incident file stem>.metrics.json`` beside it.

The incident must validate before the run and the edited text after it,
or nothing is written. A window without any data is a note, not an error:
nothing is written and the exit code is 0.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from .cloudwatch import (
    Clients,
    LogQuery,
    MetricSpec,
    alarm_events,
    aws_clients,
    log_series,
    metric_series,
)
from .edit import EditError, Editor, write_atomic
from .evidence import (
    CollectedEvent,
    CollectError,
    Window,
    iso,
    metrics_path_for,
    when,
)
from .findings import ERROR
from .load import LoadError, load_bytes
from .taxonomy import Taxonomy
from .timeline_merge import merge_timeline, propose_detected
from .validate import Validator

__all__ = [
    "DATA_VERSION",
    "Clients",
    "CollectError",
    "LogQuery",
    "MetricSpec",
    "Outcome",
    "Request",
    "aws_clients",
    "collect",
    "incident_window",
    "iso",
    "load_metric_specs",
    "merged_data",
    "metrics_path_for",
    "parse_margin",
]

log = logging.getLogger("hindsight")

DATA_VERSION = 1


# What to collect -------------------------------------------------------------


@dataclass
class Request:
    """What one run collects."""

    margin: timedelta = timedelta(minutes=30)
    alarms: list[str] = field(default_factory=list)
    metrics: list[MetricSpec] = field(default_factory=list)
    logs: LogQuery | None = None


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
    """Entry ``number`` of a metrics file, checked as GetMetricData wants it."""

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
        """The files whose text differs from what was there before the run."""
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


@dataclass
class _Found:
    """What the sources said about the window."""

    events: list[CollectedEvent] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    first_alarm: datetime | None = None

    @property
    def empty(self) -> bool:
        return not (self.events or self.series or self.logs)


def incident_window(data: dict[str, Any], margin: timedelta) -> Window:
    """``start_time - margin`` to ``end_time + margin`` of the incident data."""
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
    editor = _read_incident(path, name, validator)
    window = incident_window(editor.get(()), request.margin)
    outcome = Outcome(
        path, metrics_path_for(path), editor.text, editor.text, None, None
    )
    found = _read_sources(request, clients, window, outcome.notes)
    outcome.metrics_before = _read_text(outcome.metrics_path)
    outcome.metrics_after = outcome.metrics_before
    if found.empty:
        outcome.notes.append(
            "no data in the window "
            f"{iso(window.start)}..{iso(window.end)}; nothing changed"
        )
        return outcome

    _merge(editor, found, outcome, name)
    if found.series or found.logs:
        outcome.metrics_after = merged_data(
            outcome.metrics_before,
            editor.get(()).get("incident_id"),
            found.series,
            found.logs,
            outcome.metrics_path,
        )
    _require_valid(
        validator, outcome.after, path, name, "would not validate after collecting"
    )
    if not dry_run:
        _write(outcome)
    return outcome


def _read_incident(path: Path, name: str, validator: Validator) -> Editor:
    """The incident file in an editor, refused when it does not validate."""
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
    return editor


def _merge(editor: Editor, found: _Found, outcome: Outcome, name: str) -> None:
    """The timeline events and detected_time merged into the outcome's text."""
    try:
        outcome.added, outcome.updated = merge_timeline(editor, found.events)
        outcome.detected_time = propose_detected(
            editor, found.first_alarm, outcome.notes
        )
    except EditError as error:
        raise CollectError(
            f"{name}: cannot merge the collected events: {error}"
        ) from None
    outcome.after = editor.text


def _read_sources(
    request: Request, clients: Clients, window: Window, notes: list[str]
) -> _Found:
    """Every source the request names; what is empty becomes a note."""
    found = _Found()
    if request.alarms:
        log.debug("reading the history of %d alarm(s)", len(request.alarms))
        events = alarm_events(clients, request.alarms, window)
        found.events.extend(events)
        fired = [e.timestamp for e in events if e.key[2] == "ALARM"]
        found.first_alarm = min(fired) if fired else None
        if not events:
            notes.append("no alarm went to ALARM or OK in the window")
    if request.metrics:
        log.debug("reading %d metric series", len(request.metrics))
        found.series = metric_series(clients.cloudwatch, request.metrics, window)
        with_data = {s["id"] for s in found.series}
        notes.extend(
            f"metric {s.label} has no data in the window"
            for s in request.metrics
            if s.id not in with_data
        )
    if request.logs is not None:
        log.debug("reading log events of %s", request.logs.group)
        stored, first = log_series(clients.logs, request.logs, window)
        if stored is None or first is None:
            notes.append(
                f"no log event in {request.logs.group} matches "
                f"{request.logs.pattern} in the window"
            )
        else:
            found.logs.append(stored)
            found.events.append(first)
    return found


def _require_valid(
    validator: Validator, text: str, path: Path, name: str, problem: str
) -> None:
    """Raise when ``text`` does not load or has errors; ``problem`` says why."""
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


# The data file ---------------------------------------------------------------


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
    """The data file first, then the incident file, each replaced in one step."""
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

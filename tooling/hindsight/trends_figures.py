"""The period of a trend report and the figures of the incidents in it.

A *figure* is one number of the report, or one distribution: incidents by
severity, service, root-cause category and month; time to detect,
acknowledge, mitigate and resolve as ``{n, median, p90, mean}`` (durations
are skewed, so the median and the 90th percentile say more than the mean);
the action items by status. The *headline* figures are the ones compared
with the period before.

Near misses are counted on their own and left out of every incident
figure; their action items count with the rest, since the work is the same.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .model import Incident, minutes_between, parse_date

DEFAULT_DAYS = 90
TOP_SERVICES = 5
METRICS = (
    "duration_minutes",
    "time_to_detect_minutes",
    "time_to_acknowledge_minutes",
    "time_to_mitigate_minutes",
)
ITEM_STATES = ("open", "in_progress", "completed", "cancelled")
UNFINISHED = ("open", "in_progress")


class TrendError(ValueError):
    """A period or a recommendation rule that cannot be used."""


# The period --------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole UTC days from ``start`` to ``end``, both included.

    An incident is in the period when the UTC date of its ``start_time``
    is between ``start`` and ``end``. ``as_of`` is the day against which
    action items are overdue and follow-ups have passed.
    """

    start: date
    end: date
    as_of: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(UTC).date() <= self.end

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one."""
        length = timedelta(days=self.days)
        return Period(self.start - length, self.start - timedelta(days=1), self.as_of)

    def to_dict(self) -> dict[str, str]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
        }


def period_for(
    as_of: date | str | None = None,
    days: int | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
) -> Period:
    """The period of ``--days N`` up to ``--as-of``, or of ``--from``/``--to``.

    With ``days`` (default 90): the N whole UTC days that end with the
    as-of day (default today, UTC), i.e. an incident counts when
    ``as_of - N days < start date (UTC) <= as_of``. With ``start`` (and
    ``end``, default the as-of day): every day from ``start`` to ``end``,
    both included. ``as_of`` stays the day overdue items are judged by.
    """
    as_of_day = day_of(as_of) if as_of is not None else datetime.now(UTC).date()
    if start is None and end is None:
        count = DEFAULT_DAYS if days is None else int(days)
        if count < 1:
            raise TrendError(f"--days must be at least 1, not {count}")
        return Period(as_of_day - timedelta(days=count - 1), as_of_day, as_of_day)
    if days is not None:
        raise TrendError("give either --days or --from/--to, not both")
    if start is None:
        raise TrendError("--to needs --from")
    first, last = day_of(start), day_of(end) if end is not None else as_of_day
    if first > last:
        raise TrendError(f"--from {first} is after --to {last}")
    return Period(first, last, as_of_day)


def day_of(value: date | str) -> date:
    """A day from a date, a datetime (its UTC date) or ``YYYY-MM-DD`` text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError:
        raise TrendError(f"{value!r} is not a date (YYYY-MM-DD)") from None


# Figures -------------------------------------------------------------------------


def summary(values: list[int | float]) -> dict[str, Any]:
    """``{n, median, p90, mean}``; p90 interpolates between closest ranks."""
    if not values:
        return {"n": 0, "median": None, "p90": None, "mean": None}
    if len(values) == 1:
        p90 = values[0]
    else:
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": p90,
        "mean": statistics.mean(values),
    }


def metric_values(incident: Incident) -> dict[str, int]:
    """The minutes of each metric this incident has the times for."""
    start, end = incident.start_time, incident.end_time
    detected = incident.detected_time
    acknowledged = incident.acknowledged_time
    mitigated = incident.mitigated_time
    values = {"duration_minutes": minutes_between(start, end)}
    if detected is not None:
        values["time_to_detect_minutes"] = minutes_between(start, detected)
    if detected is not None and acknowledged is not None:
        values["time_to_acknowledge_minutes"] = minutes_between(detected, acknowledged)
    if mitigated is not None:
        values["time_to_mitigate_minutes"] = minutes_between(start, mitigated)
    return values


def action_item_counts(records: list[Any], as_of: date) -> dict[str, Any]:
    """Action items by status, overdue ones, and the completion rate.

    The rate is completed / (total - cancelled); None when nothing is left
    once cancelled items are taken out.
    """
    items = [item for r in records for item in r.incident.action_items or []]
    counts: dict[str, Any] = {"total": len(items)}
    states = Counter(item.status for item in items)
    counts.update({state: states.get(state, 0) for state in ITEM_STATES})
    counts["overdue"] = sum(1 for item in items if is_overdue(item, as_of))
    live = counts["total"] - counts["cancelled"]
    counts["completion_rate"] = counts["completed"] / live if live else None
    return counts


def is_overdue(item: Any, as_of: date) -> bool:
    """Open or in progress, with a due date before the as-of day."""
    due = item.due_date
    return item.status in UNFINISHED and due is not None and due < as_of


def _ranked(counter: Counter[str], limit: int | None = None) -> dict[str, int]:
    """Most first; ties by name, so the same input gives the same order."""
    ordered = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))
    return dict(ordered[:limit] if limit else ordered)


def figures(
    records: list[Any], period: Period, severities: list[str]
) -> dict[str, Any]:
    """Every figure of one period, keyed as in the trend report's JSON."""
    chosen = [r for r in records if period.contains(r.incident.start_time)]
    incidents = [r for r in chosen if not r.incident.is_near_miss]
    metrics: dict[str, list[int]] = {name: [] for name in METRICS}
    for record in incidents:
        for name, value in metric_values(record.incident).items():
            metrics[name].append(value)
    severity = Counter(r.incident.severity for r in incidents)
    order = {name: index for index, name in enumerate(severities)}
    services = Counter(
        s for r in incidents for s in dict.fromkeys(r.incident.services_affected)
    )
    causes = Counter(c.category for r in incidents for c in r.analysis.counted_causes())
    months = Counter(
        r.incident.start_time.astimezone(UTC).strftime("%Y-%m") for r in incidents
    )
    durations = metrics["duration_minutes"]
    return {
        "analysis_period_days": period.days,
        "total_incidents": len(incidents),
        "average_duration_minutes": statistics.mean(durations) if durations else None,
        "severity_distribution": {
            name: severity[name]
            for name in sorted(severity, key=lambda s: (order.get(s, len(order)), s))
        },
        "most_affected_services": _ranked(services, TOP_SERVICES),
        "root_cause_distribution": _ranked(causes),
        **{name: summary(values) for name, values in metrics.items()},
        "action_items": action_item_counts(chosen, period.as_of),
        "by_month": dict(sorted(months.items())),
        "period": period.to_dict(),
        "near_misses": len(chosen) - len(incidents),
    }


# Comparing periods -------------------------------------------------------------


def headline(figs: dict[str, Any]) -> dict[str, Any]:
    """The figures compared between periods: counts and medians before means."""
    items = figs["action_items"]
    return {
        "total_incidents": figs["total_incidents"],
        "near_misses": figs["near_misses"],
        "median_duration_minutes": figs["duration_minutes"]["median"],
        "p90_duration_minutes": figs["duration_minutes"]["p90"],
        "median_time_to_detect_minutes": figs["time_to_detect_minutes"]["median"],
        "median_time_to_acknowledge_minutes": figs["time_to_acknowledge_minutes"][
            "median"
        ],
        "median_time_to_mitigate_minutes": figs["time_to_mitigate_minutes"]["median"],
        "average_duration_minutes": figs["average_duration_minutes"],
        "open_action_items": items["open"] + items["in_progress"],
        "overdue_action_items": items["overdue"],
        "completion_rate": items["completion_rate"],
    }


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Each headline figure now, before, and the difference (None if unknown)."""
    now, before = headline(current), headline(previous)
    return {
        name: {
            "current": now[name],
            "previous": before[name],
            "difference": None
            if now[name] is None or before[name] is None
            else now[name] - before[name],
        }
        for name in now
    }


def small_sample_flags(figs: dict[str, Any], threshold: int) -> dict[str, bool]:
    """Which figures rest on fewer than ``threshold`` incidents."""
    total = figs["total_incidents"]
    flags = {
        "average_duration_minutes": figs["duration_minutes"]["n"] < threshold,
        "severity_distribution": total < threshold,
        "most_affected_services": total < threshold,
        "root_cause_distribution": total < threshold,
        "by_month": total < threshold,
    }
    flags.update({name: figs[name]["n"] < threshold for name in METRICS})
    return flags


def number_text(value: Any) -> str:
    """A figure as people read it: 135, 67.5, 0.4; "n/a" when unknown."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)

"""Charts of a trend report, as static SVG files that need no JavaScript.

Five charts, named as in :data:`hindsight.trends.CHART_TITLES`: incidents
per month by severity (stacked bars), the distribution of durations (a
histogram, on a log scale when durations spread over more than a factor of
ten), root-cause categories and the most affected services (horizontal
bars), and action items over time.

Action items carry no creation date, so the last chart counts, at the end
of every month of the period (the last point at the period's end): the
items completed so far (``completed_date`` on or before that day) against
the items still open or in progress whose ``due_date`` has come by then.
A completed item without a ``completed_date`` is not counted.

The files are deterministic: the same report gives the same bytes (a fixed
``svg.hashsalt``, no date in the metadata), and text stays text
(``svg.fonttype: none``), escaped by matplotlib, with math parsing off so
that a ``$`` in a service name is just a dollar sign.
"""

from __future__ import annotations

import math
from calendar import monthrange
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any

from .trends import CHART_TITLES, UNFINISHED, TrendReport

RC = {
    "svg.hashsalt": "hindsight",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
METADATA = {"Date": None, "Creator": "hindsight"}
SEVERITY_COLOURS = ("#b2182b", "#ef8a62", "#fddb8c", "#67a9cf", "#999999")
SIZE = (8, 4.5)


def write_charts(
    records: list[Any], report: TrendReport, out_dir: Path
) -> dict[str, Path]:
    """Write every chart of ``report`` into ``out_dir``; chart name -> file.

    ``records`` is accepted for callers that hold them; the charts read the
    incidents of the report's period from the report itself.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    drawers: dict[str, Callable[[Any, TrendReport], None]] = {
        "incidents_by_month": _by_month,
        "duration_distribution": _durations,
        "root_causes": _root_causes,
        "services": _services,
        "action_items": _action_items,
    }
    written = {}
    import matplotlib  # imported here: it takes longer to load than the CLI
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        for name, draw in drawers.items():
            figure = Figure(figsize=SIZE)
            axes = figure.subplots()
            draw(axes, report)
            axes.set_title(CHART_TITLES[name])
            figure.tight_layout()
            path = out_dir / f"{name}.svg"
            figure.savefig(path, format="svg", metadata=METADATA)
            written[name] = path
    return written


def months(start: date, end: date) -> list[date]:
    """The first day of every month from ``start``'s to ``end``'s."""
    found, day = [], start.replace(day=1)
    while day <= end:
        found.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return found


def _month_ticks(axes: Any, labels: list[str], most: int = 12) -> None:
    """Label at most ``most`` months, evenly spaced, so labels never overlap."""
    step = max(1, math.ceil(len(labels) / most))
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [labels[i] for i in positions])
    axes.tick_params(axis="x", labelrotation=45 if len(positions) > 6 else 0)


def _no_data(axes: Any, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def _by_month(axes: Any, report: TrendReport) -> None:
    period = report.period
    labels = [m.strftime("%Y-%m") for m in months(period.start, period.end)]
    counts: dict[tuple[str, str], int] = {}
    for record in report.incidents:
        month = record.incident.start_time.astimezone(UTC).strftime("%Y-%m")
        key = (month, record.incident.severity)
        counts[key] = counts.get(key, 0) + 1
    severities = list(report.severities) + sorted(
        {s for _m, s in counts} - set(report.severities)
    )
    bottom = [0] * len(labels)
    for index, severity in enumerate(severities):
        heights = [counts.get((month, severity), 0) for month in labels]
        colour = SEVERITY_COLOURS[min(index, len(SEVERITY_COLOURS) - 1)]
        axes.bar(labels, heights, bottom=bottom, label=severity, color=colour)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_xlabel("Month of start (UTC)")
    axes.set_ylabel("Incidents")
    axes.yaxis.get_major_locator().set_params(integer=True)
    _month_ticks(axes, labels)
    axes.legend(title="Severity", frameon=False)
    if not report.incidents:
        axes.text(
            0.5,
            0.5,
            "No incidents in this period",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )


def _durations(axes: Any, report: TrendReport) -> None:
    values = [r.incident.duration for r in report.incidents]
    axes.set_xlabel("Duration, start to end (minutes)")
    axes.set_ylabel("Incidents")
    if not values:
        _no_data(axes, "No incidents in this period")
        return
    low, high = max(min(values), 1), max(max(values), 1)
    if high / low > 10:
        edges = _log_edges(low, high)
        axes.hist([max(v, 1) for v in values], bins=edges, color="#4c72b0")
        axes.set_xscale("log")
        # Plain numbers: with math text off, the default labels would show
        # their TeX source.
        from matplotlib.ticker import FuncFormatter, NullFormatter

        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,g}"))
        axes.xaxis.set_minor_formatter(NullFormatter())
        axes.set_xlabel("Duration, start to end (minutes, log scale)")
    else:
        axes.hist(values, bins=min(10, max(len(set(values)), 1)), color="#4c72b0")
    axes.yaxis.get_major_locator().set_params(integer=True)


def _log_edges(low: float, high: float, count: int = 12) -> list[float]:
    start, stop = math.log10(low) - 0.01, math.log10(high) + 0.01
    step = (stop - start) / count
    return [10 ** (start + i * step) for i in range(count + 1)]


def _bars(
    axes: Any, counts: dict[str, int], label: str, counted: str, empty: str
) -> None:
    axes.set_xlabel(counted)
    axes.set_ylabel(label)
    if not counts:
        _no_data(axes, empty)
        return
    names = list(counts)[::-1]  # most first, at the top
    axes.barh(names, [counts[n] for n in names], color="#4c72b0")
    axes.xaxis.get_major_locator().set_params(integer=True)


def _root_causes(axes: Any, report: TrendReport) -> None:
    _bars(
        axes,
        report.figures["root_cause_distribution"],
        "Root-cause category",
        "Root causes",
        "No root causes in this period",
    )


def _services(axes: Any, report: TrendReport) -> None:
    _bars(
        axes,
        report.figures["most_affected_services"],
        "Service",
        "Incidents",
        "No incidents in this period",
    )


def action_item_timeline(report: TrendReport) -> list[tuple[date, int, int]]:
    """(day, completed so far, open and due so far) at every month's end."""
    items = [
        item
        for record in [*report.incidents, *report.near_misses]
        for item in record.incident.action_items or []
    ]
    points = []
    for first in months(report.period.start, report.period.end):
        day = min(
            first.replace(day=monthrange(first.year, first.month)[1]), report.period.end
        )
        done = sum(
            1
            for i in items
            if i.status == "completed"
            and i.completed_date is not None
            and i.completed_date <= day
        )
        due = sum(
            1
            for i in items
            if i.status in UNFINISHED and i.due_date is not None and i.due_date <= day
        )
        points.append((day, done, due))
    return points


def _action_items(axes: Any, report: TrendReport) -> None:
    points = action_item_timeline(report)
    labels = [day.isoformat() for day, _done, _due in points]
    axes.plot(
        labels,
        [p[1] for p in points],
        marker="o",
        color="#1a9850",
        label="completed so far",
    )
    axes.plot(
        labels,
        [p[2] for p in points],
        marker="s",
        color="#d73027",
        label="open or in progress, due so far",
    )
    axes.set_xlabel("Month end")
    axes.set_ylabel("Action items")
    axes.set_ylim(bottom=0)
    axes.yaxis.get_major_locator().set_params(integer=True)
    _month_ticks(axes, labels)
    axes.legend(frameon=False)

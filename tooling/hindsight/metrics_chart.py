"""Charts of collected metrics: one SVG per series of a ``.metrics.json``.

``hindsight collect`` stores metric and log series beside an incident file;
each becomes a chart with the incident's start, detection, mitigation and
end drawn as labelled vertical lines (the *marks*), so a reader sees where
the incident sits on the curve. The SVG is deterministic: the same data
gives the same bytes (fixed ids, no date, text kept as text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .model import Incident, parse_timestamp

MARKS = (
    ("start", "start_time", "#c0392b"),
    ("detected", "detected_time", "#d68910"),
    ("mitigated", "mitigated_time", "#2874a6"),
    ("end", "end_time", "#1e8449"),
)
"""Each mark: its name (label and SVG id), the incident field, its colour."""

_STYLE = {
    "svg.hashsalt": "hindsight",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def write_metric_charts(
    metrics_json_path: Path, incident: Incident | Mapping[str, Any], out_dir: Path
) -> list[Path]:
    """Write one SVG per metric and log series; returns the files written.

    ``incident`` is the typed incident or its data as loaded. Files are named
    ``<incident file stem>.<series id>.svg`` so one folder can hold the
    charts of many incidents.
    """
    data = json.loads(Path(metrics_json_path).read_text("utf-8"))
    marks = incident_marks(incident)
    stem = Path(metrics_json_path).name.removesuffix(".metrics.json")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for series in data.get("metrics", []):
        target = out_dir / f"{stem}.{series['id']}.svg"
        _save(_metric_figure(series, marks), target)
        written.append(target)
    for series in data.get("logs", []):
        target = out_dir / f"{stem}.{series['key']}.svg"
        _save(_logs_figure(series, marks), target)
        written.append(target)
    return written


def incident_marks(
    incident: Incident | Mapping[str, Any],
) -> list[tuple[str, datetime]]:
    """The marks an incident has, in time order: ``[(name, moment), ...]``."""
    found = []
    for name, key, _ in MARKS:
        if isinstance(incident, Mapping):
            value = incident.get(key)
            moment = parse_timestamp(value) if isinstance(value, str) else value
        else:
            moment = getattr(incident, key)
        if isinstance(moment, datetime):
            found.append((name, moment.astimezone(UTC)))
    return found


def _metric_figure(series: dict[str, Any], marks: list) -> Figure:
    times = [_time(p["timestamp"]) for p in series["points"]]
    values = [p["value"] for p in series["points"]]
    figure, axes = _figure()
    axes.plot(
        times,
        values,
        color="#34495e",
        linewidth=1.4,
        marker=".",
        markersize=3,
        gid="series",
    )
    subtitle = (
        f"{series['namespace']} {series['metric']}, {series['stat']} per "
        f"{series['period']} s"
    )
    _decorate(axes, series["label"], subtitle, series["stat"], series, marks)
    return figure


def _logs_figure(series: dict[str, Any], marks: list) -> Figure:
    times = [_time(p["timestamp"]) for p in series["points"]]
    counts = [p["count"] for p in series["points"]]
    figure, axes = _figure()
    width = timedelta(seconds=series.get("period", 60)) * 0.8
    axes.bar(times, counts, width=width, align="edge", color="#7f8c8d", gid="series")
    title = f"{series['group']}: {series['pattern']}"
    subtitle = f"matching log events per minute, {series['total']} in all"
    _decorate(axes, title, subtitle, "events", series, marks)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def _figure() -> tuple[Figure, Any]:
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(8, 3.2), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
    return figure, axes


def _decorate(
    axes: Any, title: str, subtitle: str, unit: str, series: dict[str, Any], marks: list
) -> None:
    axes.set_title(
        f"{title}\n{subtitle}", loc="left", fontsize=9, pad=22, parse_math=False
    )
    axes.set_ylabel(unit, parse_math=False)
    window = series.get("window") or {}
    edges = [_time(window[k]) for k in ("start", "end") if k in window]
    moments = edges + [m for _, m in marks]
    if moments:
        axes.set_xlim(min(moments), max(moments))
    locator = mdates.AutoDateLocator(tz=UTC)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))
    axes.set_xlabel("UTC")
    axes.grid(axis="y", color="#ecf0f1")
    _draw_marks(axes, marks)


def _draw_marks(axes: Any, marks: list) -> None:
    """Dashed lines with their labels above the plot, staggered when close."""
    colours = {name: colour for name, _, colour in MARKS}
    low, high = (mdates.num2date(x) for x in axes.get_xlim())
    crowded = (high - low) / 12
    previous: datetime | None = None
    row = 0
    for name, moment in marks:
        row = row + 1 if previous and moment - previous < crowded else 0
        previous = moment
        axes.axvline(
            moment, color=colours[name], linestyle="--", linewidth=1, gid=f"mark-{name}"
        )
        axes.text(
            moment,
            1.01 + 0.07 * (row % 3),
            f"{name} {moment:%H:%M}",
            transform=axes.get_xaxis_transform(),
            color=colours[name],
            ha="left",
            va="bottom",
            fontsize=7,
            gid=f"label-{name}",
            parse_math=False,
        )


def _save(figure: Figure, target: Path) -> None:
    with matplotlib.rc_context(_STYLE):
        figure.tight_layout()
        figure.savefig(target, format="svg", metadata={"Date": None})


def _time(text: str) -> datetime:
    return parse_timestamp(text).astimezone(UTC)

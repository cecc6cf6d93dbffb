"""The metric charts of an incident's page, from the data collect stored.

``hindsight collect`` keeps the metric and log series of an incident's
window in ``<incident file stem>.metrics.json`` beside the incident file.
When that file exists, the incident's page shows a chart of each series,
drawn by :mod:`hindsight.metrics_chart` with the incident's start,
detection, mitigation and end marked, and kept in the page's own folder
(``incidents/<slug>/metrics/<series id>.svg``).

The data file comes from the same pull requests as the incident file, so
it is read as untrusted: its labels go through the escaping filters, its
series ids must be plain file names, and a file that cannot be read or
drawn is a :class:`ChartError` naming the file, which the build reports as
a warning while the page goes without charts.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .evidence import metrics_path_for
from .pipeline import IncidentRecord

CHART_DIR = "metrics"  # the charts' folder inside an incident's page folder
_PLAIN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MARK_WORDS = {
    "start": "start",
    "detected": "detection",
    "mitigated": "mitigation",
    "end": "end",
}
"""How a caption names each mark that :mod:`hindsight.metrics_chart` draws."""


class ChartError(Exception):
    """The metrics file cannot be shown; the message names it and says why."""


@dataclass(frozen=True)
class Chart:
    """One chart on an incident's page."""

    label: str  # what the series measures, as the metrics file names it
    detail: str  # where it comes from: metric and statistic, or log pattern
    doc: str  # the SVG's path in the docs folder


@dataclass
class MetricCharts:
    """The charts of one incident and the files they are drawn into."""

    source: str  # the metrics file, relative to the repository
    marks: str  # the marks every chart draws, in words: "start, detection and end"
    charts: list[Chart] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # docs path -> SVG


def metric_charts(record: IncidentRecord, page_dir: str) -> MetricCharts | None:
    """The charts of the record's metrics file, drawn for the page whose
    folder is ``page_dir``; None when the incident has no metrics file.

    Raises :class:`ChartError` when the file cannot be read or drawn.
    """
    path = metrics_path_for(Path(record.path))
    if not path.is_file():
        return None
    source = str(PurePosixPath(record.name).with_name(path.name))
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:  # unreadable, not UTF-8, not JSON
        raise ChartError(f"{source}: cannot read the metrics file: {error}") from None
    series = _series(data, source)
    found = MetricCharts(source, _marks_in_words(record))
    if not series:
        return found
    drawn = _draw(path, record, source)
    for key, label, detail in series:
        doc = f"{page_dir}/{CHART_DIR}/{key}.svg"
        svg = drawn.get(f"{path.name.removesuffix('.metrics.json')}.{key}.svg")
        if svg is None:
            raise ChartError(f"{source}: no chart was drawn for the series `{key}`")
        found.charts.append(Chart(label, detail, doc))
        found.files[doc] = svg
    return found


def _series(data: Any, source: str) -> list[tuple[str, str, str]]:
    """``(key, label, detail)`` of each series, in the order charts are drawn;
    raises :class:`ChartError` for data that is not shaped as collect writes."""
    if not isinstance(data, dict):
        raise ChartError(f"{source}: not a metrics file: expected a JSON object")
    found = []
    for kind, key_name in (("metrics", "id"), ("logs", "key")):
        entries = data.get(kind, [])
        if not isinstance(entries, list) or not all(
            isinstance(entry, dict) for entry in entries
        ):
            raise ChartError(f"{source}: `{kind}` must be a list of objects")
        for entry in entries:
            key = entry.get(key_name)
            if not isinstance(key, str) or not _PLAIN_ID.match(key):
                raise ChartError(
                    f"{source}: {kind} {key_name} {key!r} is not a plain name "
                    "(letters, digits, `.`, `_` and `-`)"
                )
            found.append((key, *_words(kind, entry)))
    keys = [key for key, _label, _detail in found]
    if len(set(keys)) < len(keys):
        raise ChartError(f"{source}: two series have the same id")
    return found


def _words(kind: str, entry: dict[str, Any]) -> tuple[str, str]:
    """The label and detail line of a series."""
    if kind == "metrics":
        detail = (
            f"{entry.get('namespace')} {entry.get('metric')}, "
            f"{entry.get('stat')} per {entry.get('period')} s"
        )
        return str(entry.get("label") or entry.get("id")), detail
    label = f"Log events in {entry.get('group')} matching {entry.get('pattern')}"
    return label, f"Matching events per minute, {entry.get('total')} in all"


def _draw(path: Path, record: IncidentRecord, source: str) -> dict[str, str]:
    """Every chart of the file, by the name metrics_chart gives it."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        # Long labels make matplotlib warn that it cannot fit the margins.
        warnings.simplefilter("ignore", UserWarning)
        try:
            from .metrics_chart import write_metric_charts  # loads matplotlib

            written = write_metric_charts(path, record.incident, Path(tmp))
            return {chart.name: chart.read_text("utf-8") for chart in written}
        except Exception as error:
            # The series are data from a pull request: a missing key, a bad
            # timestamp or a value matplotlib cannot draw may fail anywhere
            # in the drawing, and must cost this page its charts, not the site.
            name = type(error).__name__
            raise ChartError(
                f"{source}: cannot draw the metric charts: {name}: {error}"
            ) from None


def _marks_in_words(record: IncidentRecord) -> str:
    """The marks the incident has, as a caption names them."""
    from .metrics_chart import incident_marks

    words = [MARK_WORDS[name] for name, _moment in incident_marks(record.incident)]
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]

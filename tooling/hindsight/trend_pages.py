"""The trend dashboards of the site: the last days and all time.

Each dashboard is the trend report of :mod:`hindsight.trends` for one
period, as Markdown, with the charts of :mod:`hindsight.charts` in a folder
beside it (``trends/<page>/``).
"""

from __future__ import annotations

import tempfile
import warnings
from datetime import UTC
from pathlib import Path

from . import charts, trends
from .site_view import Site
from .templates import markdown_page

TREND_DAYS = trends.DEFAULT_DAYS


def trend_files(site: Site) -> dict[str, str]:
    """The trend dashboards (the last days, all time) and their charts."""
    first = min(
        (v.incident.start_time.astimezone(UTC).date() for v in site.views),
        default=site.as_of,
    )
    periods = {
        "index": (
            f"Trends: the last {TREND_DAYS} days",
            trends.period_for(as_of=site.as_of, days=TREND_DAYS),
        ),
        "all-time": (
            "Trends: all time",
            trends.period_for(as_of=site.as_of, start=min(first, site.as_of)),
        ),
    }
    files: dict[str, str] = {}
    for stem, (title, period) in periods.items():
        report = trends.trend_report(site.records, site.taxonomy, period, site.as_of)
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            # Long names make matplotlib warn that it cannot fit the margins.
            warnings.simplefilter("ignore", UserWarning)
            written = charts.write_charts(site.records, report, Path(tmp))
            for path in written.values():
                files[f"trends/{stem}/{path.name}"] = path.read_text("utf-8")
            paths = {name: f"{stem}/{path.name}" for name, path in written.items()}
        other = "all-time" if stem == "index" else "index"
        files[f"trends/{stem}.md"] = markdown_page(
            "trends.md.j2",
            f"trends/{stem}.md",
            trends.trends_markdown(report, paths),
            title=title,
            other={"title": periods[other][0], "doc": f"trends/{other}.md"},
        )
    return files

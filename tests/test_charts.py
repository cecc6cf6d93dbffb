"""Charts: static SVG files that parse, carry their titles, and never vary."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from hindsight import charts, pipeline, trends
from hindsight.repository import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "trends"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def records():
    result, found = pipeline.load_records(Repository(FIXTURE))
    assert result.ok
    return found


def report_for(records, as_of: str = "2024-03-31", days: int = 90):
    taxonomy = Repository(FIXTURE).taxonomy
    return trends.trend_report(records, taxonomy, trends.period_for(as_of, days))


def texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def test_every_chart_is_written_as_svg_with_title_and_axis_labels(records, tmp_path):
    written = charts.write_charts(records, report_for(records), tmp_path)
    assert list(written) == list(trends.CHART_TITLES)
    labels = {
        "incidents_by_month": ("Month of start (UTC)", "Incidents"),
        "duration_distribution": (
            "Duration, start to end (minutes, log scale)",
            "Incidents",
        ),
        "root_causes": ("Root causes", "Root-cause category"),
        "services": ("Incidents", "Service"),
        "action_items": ("Month end", "Action items"),
    }
    for name, path in written.items():
        assert path == tmp_path / f"{name}.svg"
        found = texts(path)
        assert trends.CHART_TITLES[name] in found
        assert set(labels[name]) <= set(found), (name, found)
        assert b"<script" not in path.read_bytes()


def test_the_bars_show_the_reports_names(records, tmp_path):
    written = charts.write_charts(records, report_for(records), tmp_path)
    assert {"api", "db", "web", "cache", "queue"} <= set(texts(written["services"]))
    assert "search" not in texts(written["services"])  # sixth: not in the top 5
    assert {"configuration_error", "human_error"} <= set(texts(written["root_causes"]))
    assert {"2024-01", "2024-02", "2024-03", "critical", "high", "medium"} <= set(
        texts(written["incidents_by_month"])
    )


def test_two_runs_give_the_same_bytes(records, tmp_path):
    report = report_for(records)
    first = charts.write_charts(records, report, tmp_path / "a")
    second = charts.write_charts(records, report, tmp_path / "b")
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name
        assert b"<dc:date>" not in first[name].read_bytes()


def test_a_service_named_like_markup_stays_text(records, tmp_path):
    report = report_for(records)
    report.figures["most_affected_services"] = {
        "<script>alert(1)</script>": 3,
        "$x$ & co": 1,
    }
    path = charts.write_charts(records, report, tmp_path)["services"]
    raw = path.read_text()
    assert "<script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert {"<script>alert(1)</script>", "$x$ & co"} <= set(texts(path))


def test_an_empty_period_still_gives_every_chart(records, tmp_path):
    written = charts.write_charts(
        records, report_for(records, "2030-01-01", 30), tmp_path
    )
    assert len(written) == len(trends.CHART_TITLES)
    assert "No incidents in this period" in texts(written["duration_distribution"])


def test_durations_within_a_factor_of_ten_use_a_linear_scale(records, tmp_path):
    # In the 30 days up to 2024-03-31: 002 (20 min) and 006 (60 min).
    report = report_for(records, "2024-03-31", 30)
    path = charts.write_charts(records, report, tmp_path)["duration_distribution"]
    assert "Duration, start to end (minutes)" in texts(path)


def test_action_item_timeline_counts_at_each_month_end(records):
    points = charts.action_item_timeline(report_for(records))
    # completed: 001 AI-2 on 01-20, 003 AI-1 on 02-20.
    # open or in progress and due: 001 AI-1 (02-01), 004 AI-1 (03-01),
    # 003 AI-2 (03-31); 002 AI-2 is due 04-15, after the period.
    assert points == [
        (date(2024, 1, 31), 1, 0),
        (date(2024, 2, 29), 2, 1),
        (date(2024, 3, 31), 2, 3),
    ]


def test_months_runs_from_the_first_to_the_last_month():
    assert charts.months(date(2023, 11, 15), date(2024, 2, 1)) == [
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]

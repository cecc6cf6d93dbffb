"""The trend report: figures worked out by hand from tests/fixtures/trends.

The fixture period is the 90 days up to 2024-03-31 (2024-01-02 to
2024-03-31). In it: INC-2024-001 (first instant, 10 min), INC-2024-002
(last minute, 20 min, no detection times), INC-2024-003 (+02:00, 135
min), INC-2024-006 (60 min, cause derived from five whys) and the near
miss INC-2024-004. Outside: INC-2024-007 (the last second before),
INC-2024-008 (the first instant after), INC-2024-005 (31 March at -02:00,
which is April in UTC) and INC-2023-001 (previous period).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from statistics import mean, median

import pytest

from hindsight import pipeline, trends
from hindsight.repository import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "trends"
AS_OF = "2024-03-31"

FORMAT_KEYS = [
    "analysis_period_days",
    "total_incidents",
    "average_duration_minutes",
    "severity_distribution",
    "most_affected_services",
    "root_cause_distribution",
    "recommendations",
    "duration_minutes",
    "time_to_detect_minutes",
    "time_to_acknowledge_minutes",
    "time_to_mitigate_minutes",
    "action_items",
    "by_month",
]
ADDED_KEYS = [
    "period",
    "near_misses",
    "small_sample",
    "recommendation_details",
    "previous_period",
    "change",
]


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    """A copy of the fixture repository, free to get a taxonomy."""
    shutil.copytree(FIXTURE / "incidents", tmp_path / "incidents")
    return tmp_path


def with_taxonomy(repo: Path, text: str) -> Path:
    (repo / "schemas").mkdir(exist_ok=True)
    (repo / "schemas" / "taxonomy.yaml").write_text(text)
    return repo


def report_json(cli, repo: Path, *args: str) -> dict:
    result = cli("trends", "--repo", repo, "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def ids(records) -> set[str]:
    return {r.incident_id for r in records}


@pytest.fixture(scope="module")
def records():
    result, found = pipeline.load_records(Repository(FIXTURE))
    assert result.ok, result.findings
    return found


@pytest.fixture(scope="module")
def report(records):
    taxonomy = Repository(FIXTURE).taxonomy
    return trends.trend_report(records, taxonomy, trends.period_for(AS_OF, 90), None)


# The period ----------------------------------------------------------------------


def test_the_period_is_the_n_whole_utc_days_ending_with_the_as_of_day():
    period = trends.period_for("2024-03-31", 90)
    assert (period.start, period.end, period.days) == (
        date(2024, 1, 2),
        date(2024, 3, 31),
        90,
    )
    # as_of - 90 days = 2024-01-01 < start date <= 2024-03-31
    assert period.contains(datetime(2024, 1, 2, 0, 0, tzinfo=UTC))
    assert not period.contains(datetime(2024, 1, 1, 23, 59, 59, tzinfo=UTC))
    assert period.contains(datetime(2024, 3, 31, 23, 59, 59, tzinfo=UTC))
    assert not period.contains(datetime(2024, 4, 1, 0, 0, tzinfo=UTC))


def test_an_incident_exactly_on_each_edge(report):
    assert "INC-2024-001" in ids(report.incidents)  # 2024-01-02T00:00:00Z
    assert "INC-2024-002" in ids(report.incidents)  # 2024-03-31T23:59:00Z
    assert "INC-2024-007" not in ids(report.incidents)  # 2024-01-01T23:59:59Z
    assert "INC-2024-008" not in ids(report.incidents)  # 2024-04-01T00:00:00Z


def test_an_offset_other_than_utc_counts_by_its_utc_day(cli, fixture_repo, report):
    # 2024-03-31T23:30:00-02:00 is 2024-04-01T01:30:00Z
    assert "INC-2024-005" not in ids(report.incidents)
    april = report_json(
        cli,
        fixture_repo,
        "--from",
        "2024-04-01",
        "--to",
        "2024-04-30",
        "--as-of",
        "2024-04-30",
    )
    assert april["by_month"] == {"2024-04": 2}  # INC-2024-005 and INC-2024-008
    assert april["analysis_period_days"] == 30
    assert april["period"] == {
        "from": "2024-04-01",
        "to": "2024-04-30",
        "as_of": "2024-04-30",
    }


def test_a_from_to_range_includes_both_days(records):
    period = trends.period_for("2024-06-01", start="2024-01-02", end="2024-01-02")
    assert period.days == 1
    taxonomy = Repository(FIXTURE).taxonomy
    one_day = trends.trend_report(records, taxonomy, period)
    assert ids(one_day.incidents) == {"INC-2024-001"}
    assert one_day.to_dict()["previous_period"]["total_incidents"] == 1  # 01-01


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--days", "0"), "--days must be at least 1"),
        (("--from", "2024-03-01", "--to", "2024-02-01"), "is after --to"),
        (("--days", "5", "--from", "2024-03-01"), "either --days or --from/--to"),
        (("--to", "2024-03-01"), "--to needs --from"),
        (("--as-of", "31.03.2024"), "is not a date"),
    ],
)
def test_a_period_that_cannot_be_is_a_usage_error(
    cli, fixture_repo, arguments, message
):
    result = cli("trends", "--repo", fixture_repo, *arguments)
    assert result.code == 2
    assert message in result.err


# The figures ---------------------------------------------------------------------


def test_the_json_has_the_formats_keys_in_order_then_the_added_ones(cli, fixture_repo):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    assert list(data) == FORMAT_KEYS + ADDED_KEYS
    for metric in FORMAT_KEYS[7:11]:
        assert list(data[metric]) == ["n", "median", "p90", "mean"]
    assert list(data["action_items"]) == [
        "total",
        "open",
        "in_progress",
        "completed",
        "cancelled",
        "overdue",
        "completion_rate",
    ]
    assert list(data["previous_period"]) == [
        k for k in FORMAT_KEYS if k != "recommendations"
    ] + ["period", "near_misses"]


def test_counts_and_distributions(cli, fixture_repo):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF, "--days", "90")
    assert data["analysis_period_days"] == 90
    assert data["total_incidents"] == 4  # 001, 002, 003, 006
    assert data["near_misses"] == 1  # 004, kept out of every incident figure
    assert data["severity_distribution"] == {"critical": 2, "high": 1, "medium": 1}
    assert list(data["severity_distribution"]) == ["critical", "high", "medium"]
    # 003 has two explicit causes; 006 has none, its five whys say "operator
    # mistyped", which the keyword rules call human_error.
    assert data["root_cause_distribution"] == {
        "configuration_error": 1 + 1 + 1,
        "human_error": 1 + 1,
    }
    # 2024-02-10T10:00:00+02:00 is February in UTC too; 002 starts 03-31.
    assert data["by_month"] == {"2024-01": 1, "2024-02": 1, "2024-03": 2}


def test_ties_in_the_top_services_are_broken_by_name(cli, fixture_repo):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    # api: 001, 002 (not the near miss 004); db: 001, 003; web: 002, 003;
    # cache, queue, search: 006 only. Five are kept: search is cut.
    assert data["most_affected_services"] == {
        "api": 2,
        "db": 2,
        "web": 2,
        "cache": 1,
        "queue": 1,
    }
    assert list(data["most_affected_services"]) == [
        "api",
        "db",
        "web",
        "cache",
        "queue",
    ]


def test_duration_metrics_by_hand(cli, fixture_repo):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    durations = [10, 20, 135, 60]  # 001, 002, 003, 006; the near miss's 120 left out
    assert data["duration_minutes"] == {
        "n": 4,
        "median": median(durations),  # (20 + 60) / 2 = 40
        "p90": pytest.approx(60 + 0.7 * (135 - 60)),  # rank 0.9 * 3 = 2.7
        "mean": mean(durations),
    }
    assert data["duration_minutes"]["median"] == 40
    assert data["average_duration_minutes"] == 225 / 4


def test_each_metric_counts_only_incidents_with_its_times(cli, fixture_repo):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    # detect: 001 2, 003 30, 006 10 (002 has no detected_time)
    assert data["time_to_detect_minutes"] == {
        "n": 3,
        "median": 10,
        "p90": pytest.approx(10 + 0.8 * (30 - 10)),
        "mean": pytest.approx((2 + 30 + 10) / 3),
    }
    # acknowledge: 001 3, 006 10 (003 has no acknowledged_time)
    assert data["time_to_acknowledge_minutes"] == {
        "n": 2,
        "median": (3 + 10) / 2,
        "p90": pytest.approx(3 + 0.9 * (10 - 3)),
        "mean": (3 + 10) / 2,
    }
    # mitigate: 001 8, 003 120, 006 50
    assert data["time_to_mitigate_minutes"] == {
        "n": 3,
        "median": 50,
        "p90": pytest.approx(50 + 0.8 * (120 - 50)),
        "mean": pytest.approx((8 + 120 + 50) / 3),
    }


def test_one_value_is_its_own_p90_and_none_gives_nulls():
    assert trends.summary([42]) == {"n": 1, "median": 42, "p90": 42, "mean": 42}
    assert trends.summary([]) == {"n": 0, "median": None, "p90": None, "mean": None}


def test_action_items_including_the_near_misses(cli, fixture_repo):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    # 001: open (due 02-01, overdue), completed; 002: cancelled, in_progress
    # (due 04-15); 003: completed, open (due 03-31 = as-of: not overdue);
    # 004 (near miss): open (due 03-01, overdue); 006: none.
    assert data["action_items"] == {
        "total": 7,
        "open": 3,
        "in_progress": 1,
        "completed": 2,
        "cancelled": 1,
        "overdue": 2,
        "completion_rate": pytest.approx(2 / (7 - 1)),
    }


def test_overdue_depends_on_the_as_of_day(records):
    taxonomy = Repository(FIXTURE).taxonomy
    period = trends.period_for(AS_OF, 90)
    later = trends.trend_report(records, taxonomy, period, date(2024, 4, 16))
    # 003's AI-2 (due 03-31) and 002's AI-2 (due 04-15) are now late too.
    assert later.figures["action_items"]["overdue"] == 2 + 2
    assert later.period.as_of == date(2024, 4, 16)


def test_the_previous_period_and_the_change(cli, fixture_repo):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    before = data["previous_period"]
    # 2023-10-04 to 2024-01-01: 007 (30 min, high, api) and 2023-001
    # (90 min, low, search).
    assert before["period"] == {
        "from": "2023-10-04",
        "to": "2024-01-01",
        "as_of": AS_OF,
    }
    assert before["total_incidents"] == 2
    assert before["duration_minutes"] == {
        "n": 2,
        "median": (30 + 90) / 2,
        "p90": pytest.approx(30 + 0.9 * 60),
        "mean": (30 + 90) / 2,
    }
    assert before["severity_distribution"] == {"high": 1, "low": 1}
    assert before["by_month"] == {"2023-11": 1, "2024-01": 1}
    assert before["action_items"]["completion_rate"] == 1 / 1
    change = data["change"]
    assert change["total_incidents"] == {
        "current": 4,
        "previous": 2,
        "difference": 4 - 2,
    }
    assert change["median_duration_minutes"] == {
        "current": 40,
        "previous": 60,
        "difference": 40 - 60,
    }
    assert change["completion_rate"]["difference"] == pytest.approx(2 / 6 - 1)
    # 002 has no detected_time; before, nobody had one: the change is unknown.
    assert change["median_time_to_detect_minutes"] == {
        "current": 10,
        "previous": None,
        "difference": None,
    }


def test_an_empty_period_says_so_and_gives_zeros_and_nulls(cli, fixture_repo):
    text = cli(
        "trends", "--repo", fixture_repo, "--as-of", "2030-01-01", "--days", "30"
    )
    assert text.code == 0
    assert "No incidents started between 2029-12-03 and 2030-01-01" in text.out
    data = report_json(cli, fixture_repo, "--as-of", "2030-01-01", "--days", "30")
    assert data["total_incidents"] == 0
    assert data["average_duration_minutes"] is None
    assert data["duration_minutes"] == {
        "n": 0,
        "median": None,
        "p90": None,
        "mean": None,
    }
    assert data["action_items"]["completion_rate"] is None
    assert data["severity_distribution"] == {}
    assert data["most_affected_services"] == {}
    assert data["recommendations"] == []
    markdown = cli(
        "trends",
        "--repo",
        fixture_repo,
        "--as-of",
        "2030-01-01",
        "--format",
        "markdown",
    )
    assert "No incidents started between" in markdown.out


# Small samples -------------------------------------------------------------------


def test_figures_on_few_incidents_are_marked(cli, fixture_repo):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    assert data["small_sample"]["threshold"] == 10
    assert data["small_sample"]["figures"]["duration_minutes"] is True
    text = cli("trends", "--repo", fixture_repo, "--as-of", AS_OF).out
    assert "Incidents: 4 (small sample: n=4)" in text
    acknowledge = next(
        line for line in text.splitlines() if line.startswith("time to acknowledge")
    )
    assert acknowledge.endswith("(small sample: n=2)")


def test_the_small_sample_threshold_comes_from_the_taxonomy(cli, fixture_repo):
    with_taxonomy(fixture_repo, "trends:\n  small_sample: 3\n")
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    flags = data["small_sample"]["figures"]
    assert flags["duration_minutes"] is False  # n = 4
    assert flags["time_to_detect_minutes"] is False  # n = 3
    assert flags["time_to_acknowledge_minutes"] is True  # n = 2
    text = cli("trends", "--repo", fixture_repo, "--as-of", AS_OF).out
    assert "Incidents: 4;" in text
    # The default rules still apply: only small_sample was set.
    assert data["recommendations"] == [
        "Improve configuration management and validation."
    ]


def test_text_leads_with_medians_and_gives_the_mean_after(report):
    text = trends.trends_text(report)
    header = next(line for line in text.splitlines() if line.startswith("Minutes"))
    assert header.split() == ["Minutes", "n", "median", "p90", "mean"]
    duration = next(line for line in text.splitlines() if line.startswith("duration"))
    assert duration.split()[3:7] == ["4", "40", "112.5", "56.2"]


# Recommendations -----------------------------------------------------------------


def test_default_rules_fire_on_the_top_root_cause_and_not_on_duration(
    cli, fixture_repo
):
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    assert data["recommendations"] == [
        "Improve configuration management and validation."
    ]
    assert data["recommendation_details"] == [
        {
            "id": "configuration-error-leads",
            "message": "Improve configuration management and validation.",
            "figure": "top_root_cause",
            "value": "configuration_error",
            "threshold": "configuration_error",
            "comparison": "equals",
        }
    ]


def test_a_changed_threshold_makes_a_rule_fire(cli, fixture_repo):
    with_taxonomy(
        fixture_repo,
        """\
trends:
  recommendations:
    - id: long-durations
      figure: median_duration_minutes
      above: 30
      message: Median of {value} minutes is too long.
    - id: repeated-service
      figure: top_service_incidents
      above: 1
      message: Focus reliability improvements on {service}.
    - id: many-critical
      figure: critical_incidents
      above: 2
      message: Too many critical incidents.
""",
    )
    data = report_json(cli, fixture_repo, "--as-of", AS_OF)
    # median 40 > 30; api has 2 > 1 (first of the tie by name); critical 2 is
    # not above 2.
    assert data["recommendations"] == [
        "Median of 40 minutes is too long.",
        "Focus reliability improvements on api.",
    ]
    details = {d["id"]: d for d in data["recommendation_details"]}
    assert details["long-durations"]["value"] == 40
    assert details["long-durations"]["threshold"] == 30
    assert details["repeated-service"]["figure"] == "top_service_incidents"
    text = cli("trends", "--repo", fixture_repo, "--as-of", AS_OF).out
    assert "(median_duration_minutes 40 > 30)" in text


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("figure: nonsense\n      above: 1\n      message: x", "unknown figure"),
        ("figure: critical_incidents\n      message: x", "exactly one of"),
        (
            "figure: critical_incidents\n      above: 0\n      message: '{who}'",
            "placeholder",
        ),
    ],
)
def test_a_broken_rule_is_an_input_error_naming_the_taxonomy(
    cli, fixture_repo, rule, message
):
    with_taxonomy(fixture_repo, f"trends:\n  recommendations:\n    - {rule}\n")
    result = cli("trends", "--repo", fixture_repo, "--as-of", AS_OF)
    assert result.code == 1
    assert "schemas/taxonomy.yaml" in result.err
    assert message in result.err


# Markdown and charts ---------------------------------------------------------------


def test_markdown_escapes_names_from_incident_files(cli, repo):
    source = (FIXTURE / "incidents" / "2024" / "2024-04-01-after.yaml").read_text()
    target = repo / "incidents" / "2024" / "2024-04-01-after.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(source.replace("[cache]", "['<script>alert(1)</script>', a|b]"))
    result = cli(
        "trends", "--repo", repo, "--as-of", "2024-04-02", "--format", "markdown"
    )
    assert result.code == 0
    assert "<script>" not in result.out
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in result.out
    assert "a\\|b" in result.out


def test_markdown_embeds_the_charts_it_is_given(report):
    page = trends.trends_markdown(
        report, {"services": "charts/services.svg", "root_causes": "my charts/rc.svg"}
    )
    assert "![Most affected services](charts/services.svg)" in page
    assert "![Root-cause categories](<my charts/rc.svg>)" in page
    assert "## Compared with the previous period" in page
    assert (
        "| duration (to resolve) (small sample: n=4) | 4 | 40 | 112.5 | 56.2 |" in page
    )


def test_the_charts_option_writes_svg_files(cli, fixture_repo, tmp_path):
    out = tmp_path / "charts"
    result = cli(
        "trends",
        "--repo",
        fixture_repo,
        "--as-of",
        AS_OF,
        "--charts",
        out,
        "--format",
        "json",
    )
    assert result.code == 0
    json.loads(result.out)  # stdout stays pure JSON; paths go to stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{name}.svg" for name in trends.CHART_TITLES
    )
    assert "services.svg" in result.err

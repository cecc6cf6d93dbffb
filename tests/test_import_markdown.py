"""`hindsight import markdown`: postmortems from the common templates."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from hindsight.importers.dates import parse_duration, parse_moment
from hindsight.importers.timezones import parse_zone, zone_in_header, zone_statement
from hindsight.load import load_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
HOURS = timedelta(hours=1)


def _import(cli, repo: Path, *sources, extra=()) -> dict:
    result = cli(
        "import", "markdown", *sources, "--repo", repo, "--format", "json", *extra
    )
    assert "Traceback" not in result.err
    summary = json.loads(result.out)
    summary["code"] = result.code
    return summary


def _only(repo: Path) -> dict:
    """The data of the one incident file in ``repo``, with its path."""
    paths = list((repo / "incidents").rglob("*.yaml"))
    assert len(paths) == 1, paths
    return {"path": paths[0], **load_file(paths[0]).data}


def _comments(path: Path) -> str:
    return " ".join(
        line.lstrip("#- ").strip()
        for line in path.read_text().splitlines()
        if line.startswith("#")
    )


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


# Time zones, as the corpus writes them --------------------------------------------

SUMMER = datetime(2018, 7, 30, 12, 0)
WINTER = datetime(2018, 1, 15, 12, 0)


@pytest.mark.parametrize(
    ("label", "when", "hours", "noted"),
    [
        ("UTC", SUMMER, 0, False),
        ("Z", SUMMER, 0, False),
        ("CET", WINTER, 1, False),
        ("CEST", SUMMER, 2, False),
        ("CET (GMT+1)", WINTER, 1, False),
        ("CEST (UTC+2)", SUMMER, 2, False),
        ("Central European Time (CET)", WINTER, 1, False),
        ("UTC+1 (Zurich time)", datetime(2019, 3, 24, 8, 54), 1, False),
        ("GMT+2", datetime(2019, 4, 3, 12, 50), 2, False),
        ("PST", WINTER, -8, False),
        ("UC/Pacific", datetime(2020, 7, 9, 7, 30), -7, False),
        ("PST (UTC-7)", SUMMER, -7, True),  # the explicit offset wins, with a note
        ("PST", SUMMER, -7, True),  # "PST" in summer: Pacific local time
        ("CET", SUMMER, 2, True),
    ],
)
def test_zone_labels_turn_into_offsets(label, when, hours, noted):
    offset, note = parse_zone(label).offset_at(when)
    assert offset == hours * HOURS
    assert (note is not None) == noted


def test_a_contradicting_label_is_named_in_the_note():
    _offset, note = parse_zone("PST (UTC-7)").offset_at(SUMMER)
    assert "PST" in note and "UTC-07:00 is written" in note


@pytest.mark.parametrize("text", ["most convenient timezone", "", "later"])
def test_text_that_names_no_zone_is_none(text):
    assert parse_zone(text) is None


def test_zone_statements_and_table_headers_are_read():
    assert zone_statement("All times in CET.").offset_at(WINTER)[0] == HOURS
    assert zone_statement("All times in UTC+1 (Zurich time)").explicit == HOURS
    assert zone_statement("Some text about times") is None
    assert zone_in_header("Date and Time in CET").abbreviation == "CET"
    assert zone_in_header("Event") is None


def test_a_zone_after_a_heading_time_is_kept():
    moment = parse_moment("2017-11-30 16:22 PST")
    assert moment.zone == "PST" and moment.clock == time(16, 22)


# Moments and durations --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day", "clock", "usable"),
    [
        ("2019-11-30 08:24", date(2019, 11, 30), time(8, 24), True),
        ("20202-01-16 12:00", date(2020, 1, 16), time(12, 0), True),
        ("2022-06-02 HH:mm", date(2022, 6, 2), None, True),
        ("2019-12-03 --:--", date(2019, 12, 3), None, True),
        ("2022-02-?? ??:??", None, None, False),
        ("2021/22-??-?? HH:mm", None, None, False),
        ("2X:XX (not sure exact time)", None, None, False),
        ("2022-08-03 12:26-12:??", date(2022, 8, 3), time(12, 26), True),
        ("~13:30-13:45", None, time(13, 30), True),
        ("ca. 18:30", None, time(18, 30), True),
        ("Sep 27 2017 13:06", date(2017, 9, 27), time(13, 6), True),
        ("19. April, 11:00", date(2018, 4, 19), time(11, 0), True),
        ("2018-01-17 17:14pm", date(2018, 1, 17), time(17, 14), True),
        ("4:23PM PST", None, time(16, 23), True),
    ],
)
def test_moments_as_people_write_them(text, day, clock, usable):
    moment = parse_moment(text, 2018)
    assert (moment.day, moment.clock, moment.usable) == (day, clock, usable)


def test_the_five_digit_year_and_the_range_are_noted():
    assert parse_moment("20202-01-16 12:00").notes == [
        "the five-digit year 20202 is read as 2020"
    ]
    assert "its start is used" in parse_moment("8:20 - 8:24").notes[0]
    assert parse_moment("07:30am - First report").rest == "First report"
    assert parse_moment("All times in PST") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 minutes", (5, True)),
        ("  10 minutes", (10, True)),
        ("11 Days", (15840, True)),
        ("19 hours 43 minutes.", (1183, True)),
        ("4 hours 42 minutes", (282, True)),
        ("279 minutes [^3]", (279, True)),
        ("1h50m", (110, True)),
        ("?", (None, True)),
        ("N/A", (None, True)),
        ("YYY", (None, False)),
    ],
)
def test_durations_of_the_stats(text, expected):
    assert parse_duration(text) == expected


# Whole postmortems ------------------------------------------------------------------

TABLE_POSTMORTEM = """\
# Queue backlog

## Summary

Jobs waited for an hour.

## Timeline

All times in UTC.

| Time | Event |
| :--- | --- |
| 20202-01-16 09:00 | Deploy of the **scheduler** |
| 2020-01-16 09:10 | **Detection:** alert on queue depth |
| 2020-01-16 --:-- | Someone looked at [the dashboard](https://grafana.example/d/1) |
| 2020-01-16 09:40-09:55 | Rollback |
| 2020-01-16 HH:mm | Customers told |
| 2020-01-?? ??:?? | Follow-up still open |

## Contributing Factors

- A configuration setting was wrong
- Nobody watched the clock

## Action Items

- [x] Fix the setting [issue](https://github.com/acme/app/issues/7)
- [ ] Add an alert on queue depth
  - with a runbook

## Lessons Learned

The queue needs an alert.

## Conclusion

We were lucky it was a Tuesday.

## Stats

- Category: Job queue
- Time to detection: 10 minutes
- Time to recovery: 55 minutes
- Time to blame: ?
"""


def test_a_table_timeline_maps_to_events_times_and_fields(cli, repo, tmp_path):
    source = _write(tmp_path, "PM2020-001 - Queue backlog.md", TABLE_POSTMORTEM)
    summary = _import(cli, repo, source)
    assert summary["code"] == 0 and summary["created"] == 1
    data = _only(repo)
    assert data["title"] == "Queue backlog"
    assert data["start_time"] == "2020-01-16T09:00:00Z"
    assert data["detected_time"] == "2020-01-16T09:10:00Z"
    assert data["end_time"] == "2020-01-16T09:55:00Z"  # start + time to recovery
    assert data["services_affected"] == ["job-queue"]
    events = data["timeline_events"]
    assert [e["timestamp"][11:16] for e in events] == [
        "09:00",
        "09:10",
        "00:00",
        "09:40",
        "00:00",
    ]
    assert events[0]["event"] == "Deploy of the scheduler"
    assert "20202-01-16 09:00" in events[0]["details"]
    assert "(no time of day)" in events[2]["details"]
    assert "https://grafana.example/d/1" in events[2]["details"]
    assert "12:26" not in events[3]["details"]
    assert "09:40-09:55" in events[3]["details"]
    description = data["impact_description"]
    assert description.startswith("Jobs waited for an hour.")
    assert "2020-01-?? ??:?? | Follow-up still open" in description
    assert "We were lucky it was a Tuesday." in description
    assert "- Time to blame: ?" in description
    assert "five-digit year 20202 is read as 2020" in _comments(data["path"])
    assert cli("validate", "--repo", repo).code == 0


def test_contributing_factors_action_items_and_lessons(cli, repo, tmp_path):
    _import(cli, repo, _write(tmp_path, "queue.md", TABLE_POSTMORTEM))
    data = _only(repo)
    causes = data["root_causes"]
    assert [c["category"] for c in causes] == [
        "configuration_error",
        "technology_failure",
    ]
    assert causes[1]["description"] == "Nobody watched the clock"
    done, open_item = data["action_items"]
    assert done["status"] == "completed" and open_item["status"] == "open"
    assert done["title"] == "Fix the setting"
    assert done["tracking_url"] == "https://github.com/acme/app/issues/7"
    assert "owner" not in done and "owner" not in open_item
    assert open_item["priority"] == "medium"
    assert "with a runbook" in open_item["description"]
    assert data["lessons_learned"] == ["The queue needs an alert."]


HEADED_POSTMORTEM = """\
# 2018-02-20, Launches fail

## Summary

Launches failed in the evening.

## Timeline

All times in CET (GMT+1)

### 21:40

Launch success drops.

### 23:50 - Restart of the hub

The hub is restarted.

### 00:10

Launches recover.

## Feb 22, 07:13

A fix is found.

## Lessons learnt

### What went well

- Alerts fired

## Action items

### Process improvements

1. Write a runbook [Issue](https://github.com/acme/deploy/issues/12)
"""


def test_headed_entries_take_the_date_from_the_file_name(cli, repo, tmp_path):
    source = _write(tmp_path, "2018-02-20-launches.md", HEADED_POSTMORTEM)
    _import(cli, repo, source)
    data = _only(repo)
    assert data["title"] == "Launches fail"
    stamps = [e["timestamp"] for e in data["timeline_events"]]
    assert stamps == [
        "2018-02-20T21:40:00+01:00",
        "2018-02-20T23:50:00+01:00",
        "2018-02-21T00:10:00+01:00",
        "2018-02-22T07:13:00+01:00",
    ]
    assert data["timeline_events"][1]["event"] == "Restart of the hub"
    assert data["timeline_events"][1]["details"] == "The hub is restarted."
    assert data["start_time"] == stamps[0] and data["end_time"] == stamps[-1]
    assert data["lessons_learned"] == ["What went well: Alerts fired"]
    item = data["action_items"][0]
    assert item["title"] == "Write a runbook"
    assert item["tracking_url"] == "https://github.com/acme/deploy/issues/12"
    assert "Process improvements" in item["description"]
    assert "read as the next day" in _comments(data["path"])


@pytest.mark.parametrize(
    ("name", "title", "summary"),
    [
        ("launches.md", "# 2018-02-20, Launches fail", "Launches failed."),
        (
            "launches.md",
            "# Launches fail",
            "On Tuesday 20 February 2018, launches failed.",
        ),
    ],
)
def test_a_date_from_the_title_or_the_text(cli, repo, tmp_path, name, title, summary):
    text = HEADED_POSTMORTEM.replace("# 2018-02-20, Launches fail", title).replace(
        "Launches failed in the evening.", summary
    )
    _import(cli, repo, _write(tmp_path, name, text))
    assert _only(repo)["start_time"] == "2018-02-20T21:40:00+01:00"


def test_times_only_and_no_date_anywhere_is_reported(cli, repo, tmp_path):
    text = HEADED_POSTMORTEM.replace("# 2018-02-20, ", "# ").replace(
        "## Feb 22, 07:13", "## Later"
    )
    summary = _import(cli, repo, _write(tmp_path, "launches.md", text))
    assert summary["code"] == 1
    assert summary["results"][0]["kind"] == "invalid"
    assert "no date" in summary["results"][0]["reason"]


def test_the_summer_label_and_the_explicit_offset(cli, repo):
    _import(
        cli,
        repo,
        FIXTURES / "markdown-mybinder" / "2018-07-30-jupyterlab-build-cpu-saturate.md",
    )
    data = _only(repo)
    assert data["start_time"] == "2018-07-30T11:20:00-07:00"
    assert "the explicit offset is used" in _comments(data["path"])


def test_stats_times_find_the_start_among_the_entries(cli, repo):
    _import(
        cli,
        repo,
        FIXTURES / "markdown-dfds" / "PM2020-005 - ALB instance attachment.md",
    )
    data = _only(repo)
    # 11:00 opens the timeline, but 5 and 15 minutes count from 12:20;
    # CET on a June date is read as local summer time.
    assert data["start_time"] == "2020-06-09T12:20:00+02:00"
    assert data["detected_time"] == "2020-06-09T12:25:00+02:00"
    assert data["end_time"] == "2020-06-09T12:35:00+02:00"


def test_detection_and_recovery_markers(cli, repo):
    _import(
        cli,
        repo,
        FIXTURES
        / "markdown-dfds"
        / "PM2022-004 - Kafka metrics missing from Prometheus.md",
    )
    data = _only(repo)
    assert data["detected_time"] == "2022-02-09T08:03:00Z"
    assert data["end_time"] == "2022-02-09T08:40:00Z"
    assert data["start_time"] == "2022-02-08T12:20:00Z"  # 19 hours 43 minutes before


def test_templates_and_other_pages_are_not_incidents(cli, repo, tmp_path):
    readme = _write(tmp_path, "README.md", "# postmortems\n\nOur write-ups.\n")
    summary = _import(
        cli,
        repo,
        readme,
        FIXTURES / "markdown-dfds" / "PMyyyy-nnn - Postmortem template.md",
        FIXTURES / "markdown-mybinder" / "template-incident-report.md",
    )
    assert summary["code"] == 0 and summary["imported"] == 0
    kinds = {Path(r["source"]).name: r["kind"] for r in summary["results"]}
    assert set(kinds.values()) == {"not_an_incident"}
    assert "template" in summary["results"][1]["reason"]


def test_options_give_severity_and_service(cli, repo, tmp_path):
    source = _write(tmp_path, "2018-02-20-launches.md", HEADED_POSTMORTEM)
    _import(cli, repo, source, extra=("--severity", "high", "--service", "binder,hub"))
    data = _only(repo)
    assert data["severity"] == "high"
    assert data["services_affected"] == ["binder", "hub"]


def test_front_matter_is_used(cli, repo, tmp_path):
    text = (
        "---\ntitle: From front matter\nseverity: low\nservices: [Web App]\n"
        "date: 2021-05-04\n---\n" + HEADED_POSTMORTEM.split("\n", 1)[1]
    )
    text = text.replace("## Feb 22, 07:13", "## May 5, 07:13")
    _import(cli, repo, _write(tmp_path, "launches.md", text))
    data = _only(repo)
    assert data["title"] == "From front matter"
    assert data["severity"] == "low"
    assert data["services_affected"] == ["web-app"]
    assert data["start_time"].startswith("2021-05-04T21:40")


def test_reimport_is_skipped_then_forced(cli, repo, tmp_path):
    source = _write(tmp_path, "2018-02-20-launches.md", HEADED_POSTMORTEM)
    _import(cli, repo, source)
    again = _import(cli, repo, source)
    assert again["skipped_by_kind"] == {"already_imported": 1}
    source.write_text(HEADED_POSTMORTEM.replace("Launches fail", "Launches failed"))
    forced = _import(cli, repo, source, extra=("--force",))
    assert forced["updated"] == 1
    assert _only(repo)["title"] == "Launches failed"


def test_every_fixture_postmortem_validates(cli, repo):
    summary = _import(
        cli, repo, FIXTURES / "markdown-dfds", FIXTURES / "markdown-mybinder"
    )
    assert summary["code"] == 0
    assert summary["imported"] == 11
    assert cli("validate", "--repo", repo).code == 0
    checked = _import(
        cli, repo, FIXTURES / "markdown-mybinder" / "2018-03-26-no-space-left.md"
    )
    assert checked["skipped_by_kind"] == {"already_imported": 1}


def test_action_items_from_a_table(cli, repo, tmp_path):
    text = HEADED_POSTMORTEM.split("## Action items")[0] + (
        "## Action items\n\n"
        "| Action | Owner | Priority | Due | Status | Issue |\n"
        "|---|---|---|---|---|---|\n"
        "| Add a runbook | sre-team | high | 2018-03-01 | done | "
        "[#5](https://github.com/acme/deploy/issues/5) |\n"
        "| Page on launch failures | ? | | | in progress | |\n"
    )
    summary = _import(cli, repo, _write(tmp_path, "2018-02-20-x.md", text))
    runbook, paging = _only(repo)["action_items"]
    assert runbook["owner"] == "sre-team" and runbook["priority"] == "high"
    assert runbook["due_date"] == "2018-03-01" and runbook["status"] == "completed"
    assert runbook["tracking_url"] == "https://github.com/acme/deploy/issues/5"
    assert "owner" not in paging and paging["status"] == "in_progress"
    assert paging["priority"] == "medium"
    assert summary["guessed_fields"]["action_items"] == 1

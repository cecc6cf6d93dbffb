"""hindsight collect against moto's CloudWatch and CloudWatch Logs over HTTP.

moto has no DescribeAlarmHistory, so that one call is answered by botocore's
Stubber (which checks requests and answers against the real API model) on a
client for the same endpoint; every other call goes to the server.
"""

from __future__ import annotations

import difflib
import json
import logging
import string
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from hindsight import collect
from hindsight.load import load_file
from hindsight.metrics_chart import write_metric_charts
from hindsight.model import Incident
from hindsight.repository import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "collect"
REGION = "us-east-1"
GROUP = "/shop/checkout"
SVG = "{http://www.w3.org/2000/svg}"


# -- the server and the incident -----------------------------------------------


@pytest.fixture(scope="module")
def server_url():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(server_url, monkeypatch, tmp_path):
    """A clean moto server and the environment of the AWS chain pointing at it."""
    reset = urllib.request.Request(f"{server_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset).close()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-creds"))
    return server_url


def client(url: str, service: str):
    return boto3.client(service, endpoint_url=url, region_name=REGION)


class Times:
    """The incident's moments: a few hours ago, so the servers accept data."""

    def __init__(self) -> None:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        self.start = now - timedelta(hours=4)
        self.mitigated = self.start + timedelta(minutes=40)
        self.end = self.start + timedelta(minutes=60)

    def at(self, minutes: float) -> datetime:
        return self.start + timedelta(minutes=minutes)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_incident(repo: Path, times: Times, detected: datetime | None = None) -> Path:
    template = string.Template((FIXTURES / "commented.yaml.tmpl").read_text())
    text = template.substitute(
        year=times.start.year,
        start=stamp(times.start),
        detected=f"detected_time: {stamp(detected)}\n" if detected else "",
        mitigated=stamp(times.mitigated),
        end=stamp(times.end),
        deploy=stamp(times.at(-45)),
        paged=stamp(times.at(6)),
        noted=stamp(times.at(20)),
    )
    day = times.start.date().isoformat()
    path = repo / "incidents" / day[:4] / f"{day}-checkout-errors.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def incident_id(times: Times) -> str:
    return f"INC-{times.start.year}-101"


def put_metrics(url: str, times: Times) -> dict[str, float]:
    """Two points a minute for ten minutes; returns the expected sums."""
    cloudwatch = client(url, "cloudwatch")
    sums = {}
    for minute in range(1, 11):
        for second, value in ((10, minute), (40, 2 * minute)):
            cloudwatch.put_metric_data(
                Namespace="Shop/Checkout",
                MetricData=[
                    {
                        "MetricName": "Errors",
                        "Dimensions": [{"Name": "Service", "Value": "checkout"}],
                        "Timestamp": times.at(minute) + timedelta(seconds=second),
                        "Value": float(value),
                    }
                ],
            )
        sums[stamp(times.at(minute))] = float(3 * minute)
    return sums


def put_logs(url: str, times: Times, events: list[tuple[float, str]]) -> None:
    logs = client(url, "logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
    if not groups:
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName="web-1")
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="web-1",
        logEvents=[
            {"timestamp": int(times.at(m).timestamp() * 1000), "message": text}
            for m, text in sorted(events)
        ],
    )


STANDARD_LOGS = [
    (2.0, "INFO checkout ok"),
    (3 + 5 / 60, "ERROR cache timeout order=1"),
    (3 + 30 / 60, "ERROR cache timeout order=2"),
    (4 + 1 / 60, "ERROR cache timeout order=3"),
    (-50.0, "ERROR cache warm-up failed"),  # outside 30m, inside 2h
]


def run_collect(cli, repo: Path, url: str, times: Times, *extra: str):
    return cli(
        "collect",
        incident_id(times),
        "--repo",
        repo,
        "--endpoint-url",
        url,
        "--region",
        REGION,
        *extra,
    )


def events_of(path: Path) -> list[dict]:
    return load_file(path).data["timeline_events"]


# -- metrics and logs on the server --------------------------------------------


def test_collect_stores_metrics_and_log_counts_and_adds_the_first_log_event(
    cli, repo, aws
):
    times = Times()
    path = write_incident(repo, times)
    sums = put_metrics(aws, times)
    put_logs(aws, times, STANDARD_LOGS)

    run = run_collect(
        cli,
        repo,
        aws,
        times,
        "--metrics",
        FIXTURES / "metrics.yaml",
        "--logs",
        GROUP,
        "--pattern",
        "ERROR",
    )

    assert run.code == 0, run.err
    data = json.loads(collect.metrics_path_for(path).read_text())
    errors = next(m for m in data["metrics"] if m["id"] == "errors")
    assert {p["timestamp"]: p["value"] for p in errors["points"]} == sums
    assert errors["label"] == "Checkout errors"
    assert errors["window"] == {
        "start": stamp(times.at(-30)),
        "end": stamp(times.at(90)),
    }
    assert [m["id"] for m in data["metrics"]] == ["errors"]  # m2 has no data
    assert "metric Latency (Service=checkout) has no data" in run.err
    (series,) = data["logs"]
    assert series["total"] == 3
    assert series["points"] == [
        {"timestamp": stamp(times.at(3)), "count": 2},
        {"timestamp": stamp(times.at(4)), "count": 1},
    ]
    assert series["first_event"]["message"] == "ERROR cache timeout order=1"

    added = [e for e in events_of(path) if e.get("source") == "cloudwatch-logs"]
    assert added == [
        {
            "timestamp": stamp(times.at(3) + timedelta(seconds=5)),
            "event": f"First log event in {GROUP} matching ERROR",
            "source": "cloudwatch-logs",
            "details": added[0]["details"],
        }
    ]
    assert added[0]["details"].startswith(
        "3 log events match in the window; the first, in web-1: "
        "ERROR cache timeout order=1 [collect "
    )
    assert cli("validate", "--repo", repo).code == 0


def test_new_events_keep_the_timeline_in_time_order(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_logs(aws, times, STANDARD_LOGS)

    assert (
        run_collect(cli, repo, aws, times, "--logs", GROUP, "--pattern", "ERROR").code
        == 0
    )

    moments = [e["timestamp"] for e in events_of(path)]
    assert moments == sorted(moments)
    assert [e["source"] for e in events_of(path)][1:3] == [
        "cloudwatch-logs",
        "pagerduty",
    ]


def test_a_second_run_gives_the_same_files_byte_for_byte(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_metrics(aws, times)
    put_logs(aws, times, STANDARD_LOGS)
    options = (
        "--metrics",
        FIXTURES / "metrics.yaml",
        "--logs",
        GROUP,
        "--pattern",
        "ERROR",
    )

    first_run = run_collect(cli, repo, aws, times, *options)
    assert first_run.code == 0
    first = path.read_bytes(), collect.metrics_path_for(path).read_bytes()
    again = run_collect(cli, repo, aws, times, *options)

    assert again.code == 0
    assert again.out.strip() == "no changes"
    assert "1 timeline event(s) added, 0 updated" in first_run.out
    assert (path.read_bytes(), collect.metrics_path_for(path).read_bytes()) == first


def test_every_comment_survives_and_only_lines_are_added(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_logs(aws, times, STANDARD_LOGS)
    before = path.read_text().splitlines()

    assert (
        run_collect(cli, repo, aws, times, "--logs", GROUP, "--pattern", "ERROR").code
        == 0
    )

    after = path.read_text().splitlines()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    kinds = {tag for tag, *_ in matcher.get_opcodes()}
    assert kinds == {"equal", "insert"}
    comments = [line for line in before if "#" in line]
    assert len(comments) == 13
    assert [line for line in after if "#" in line] == comments


def test_events_people_wrote_are_left_alone(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_logs(aws, times, STANDARD_LOGS)
    human = events_of(path)

    assert (
        run_collect(
            cli,
            repo,
            aws,
            times,
            "--logs",
            GROUP,
            "--pattern",
            "ERROR",
            "--margin",
            "2h",
        ).code
        == 0
    )

    kept = [e for e in events_of(path) if "[collect " not in e.get("details", "")]
    assert kept == human


def test_a_wider_window_moves_its_own_event_instead_of_adding_one(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_logs(aws, times, STANDARD_LOGS)
    assert (
        run_collect(cli, repo, aws, times, "--logs", GROUP, "--pattern", "ERROR").code
        == 0
    )

    wider = run_collect(
        cli, repo, aws, times, "--logs", GROUP, "--pattern", "ERROR", "--margin", "2h"
    )

    assert wider.code == 0, wider.err
    events = events_of(path)
    own = [e for e in events if e.get("source") == "cloudwatch-logs"]
    assert len(own) == 1
    assert own[0]["timestamp"] == stamp(times.at(-50))
    assert own[0]["details"].startswith("4 log events match")
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    data = json.loads(collect.metrics_path_for(path).read_text())
    assert [s["total"] for s in data["logs"]] == [4]


def test_dry_run_prints_a_diff_and_writes_nothing(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_metrics(aws, times)
    put_logs(aws, times, STANDARD_LOGS)
    before = path.read_bytes()

    run = run_collect(
        cli,
        repo,
        aws,
        times,
        "--dry-run",
        "--metrics",
        FIXTURES / "metrics.yaml",
        "--logs",
        GROUP,
        "--pattern",
        "ERROR",
    )

    assert run.code == 0
    assert path.read_bytes() == before
    assert not collect.metrics_path_for(path).exists()
    shown = path.resolve().relative_to(repo.resolve()).as_posix()
    assert f"--- a/{shown}\n+++ b/{shown}\n" in run.out
    assert "+    source: cloudwatch-logs\n" in run.out
    assert f"+++ b/{shown.removesuffix('.yaml')}.metrics.json\n" in run.out
    assert f'+  "incident_id": "{incident_id(times)}",\n' in run.out


def test_a_window_without_data_changes_nothing(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_logs(aws, times, STANDARD_LOGS)
    before = path.read_bytes()

    run = run_collect(cli, repo, aws, times, "--logs", GROUP, "--pattern", "PANIC")

    assert run.code == 0
    assert run.out.strip() == "no changes"
    assert f"note: no log event in {GROUP} matches PANIC in the window" in run.err
    assert "nothing changed" in run.err
    assert path.read_bytes() == before
    assert not collect.metrics_path_for(path).exists()


def test_a_draft_with_an_empty_timeline_gets_a_block_list(cli, repo, aws):
    times = Times()
    day = times.start.date().isoformat()
    made = cli(
        "new",
        "Cache outage",
        "--severity",
        "low",
        "--repo",
        repo,
        "--services",
        "checkout",
        "--date",
        day,
    )
    path = repo / made.out.strip()
    midnight = datetime.fromisoformat(f"{day}T00:00:00+00:00")
    put_logs(
        aws,
        times,
        [((midnight - times.start).total_seconds() / 60 + 10, "ERROR at ten past")],
    )
    draft_id = load_file(path).data["incident_id"]

    run = cli(
        "collect",
        draft_id,
        "--repo",
        repo,
        "--endpoint-url",
        aws,
        "--logs",
        GROUP,
        "--pattern",
        "ERROR",
    )

    assert run.code == 0, run.err
    text = path.read_text()
    assert f"timeline_events:\n  - timestamp: {day}T00:10:00Z\n" in text
    assert "#  - timestamp:" in text  # the template's commented example stays
    assert cli("validate", "--repo", repo, path).code == 0


# -- alarm history: describe_alarms on the server, history from a Stubber ----


def history_item(name: str, moment: datetime, old: str, new: str, reason: str):
    return {
        "AlarmName": name,
        "AlarmType": "MetricAlarm",
        "Timestamp": moment,
        "HistoryItemType": "StateUpdate",
        "HistorySummary": f"Alarm updated from {old} to {new}",
        "HistoryData": json.dumps(
            {
                "version": "1.0",
                "oldState": {"stateValue": old},
                "newState": {"stateValue": new, "stateReason": reason},
            }
        ),
    }


def make_alarm(url: str) -> str:
    """An alarm in ALARM on the server; returns the reason it gives."""
    cloudwatch = client(url, "cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="HighErrors",
        Namespace="Shop/Checkout",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(
        AlarmName="HighErrors",
        StateValue="ALARM",
        StateReason="Threshold Crossed: 1 datapoint [9.0] was greater than 5.0",
    )
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=["HighErrors"])["MetricAlarms"]
    assert alarm["StateValue"] == "ALARM"
    return alarm["StateReason"]


def stubbed_history(url: str, times: Times, pages: list[list[dict]]):
    """A CloudWatch client whose DescribeAlarmHistory answers ``pages``."""
    history = client(url, "cloudwatch")
    stubber = Stubber(history)
    expected = {
        "AlarmName": "HighErrors",
        "HistoryItemType": "StateUpdate",
        "StartDate": times.at(-30),
        "EndDate": times.at(90),
        "ScanBy": "TimestampAscending",
    }
    for number, items in enumerate(pages):
        answer = {"AlarmHistoryItems": items}
        if number + 1 < len(pages):
            answer["NextToken"] = f"page-{number + 2}"
        params = dict(expected, NextToken=f"page-{number + 1}") if number else expected
        stubber.add_response("describe_alarm_history", answer, params)
    stubber.activate()
    return history, stubber


def alarm_pages(times: Times, reason: str) -> list[list[dict]]:
    return [
        [history_item("HighErrors", times.at(-40), "OK", "ALARM", "too early")],
        [
            history_item(
                "HighErrors",
                times.at(4) + timedelta(seconds=12.5),
                "OK",
                "ALARM",
                reason,
            ),
            history_item(
                "HighErrors", times.at(30), "ALARM", "INSUFFICIENT_DATA", "no data"
            ),
            history_item(
                "HighErrors",
                times.at(38),
                "INSUFFICIENT_DATA",
                "OK",
                "Threshold Crossed: back under 5.0",
            ),
        ],
    ]


def collect_alarms(repo: Path, path: Path, url: str, history, **options):
    clients = collect.Clients(
        cloudwatch=client(url, "cloudwatch"),
        logs=client(url, "logs"),
        alarm_history=history,
    )
    request = collect.Request(alarms=["HighErrors"], **options)
    return collect.collect(path, request, clients, Repository(repo).taxonomy)


def test_alarm_changes_become_events_and_propose_detected_time(repo, aws):
    times = Times()
    path = write_incident(repo, times)
    reason = make_alarm(aws)
    history, stubber = stubbed_history(aws, times, alarm_pages(times, reason))

    outcome = collect_alarms(repo, path, aws, history)

    stubber.assert_no_pending_responses()
    first_alarm = times.at(4) + timedelta(seconds=12)
    assert outcome.detected_time == first_alarm
    data = load_file(path).data
    assert data["detected_time"] == stamp(first_alarm)
    own = [e for e in data["timeline_events"] if "[collect " in e.get("details", "")]
    # The change at -40 minutes lies outside the window and is left out.
    assert [(e["timestamp"], e["event"]) for e in own] == [
        (stamp(first_alarm), "Alarm HighErrors entered ALARM"),
        (stamp(times.at(38)), "Alarm HighErrors entered OK"),
    ]
    assert own[0]["details"].startswith(reason + " [collect ")
    assert {e["source"] for e in own} == {"cloudwatch-alarm"}


def test_detected_time_is_not_overwritten_when_set(repo, aws):
    times = Times()
    path = write_incident(repo, times, detected=times.at(8))
    reason = make_alarm(aws)
    history, _ = stubbed_history(aws, times, alarm_pages(times, reason))

    outcome = collect_alarms(repo, path, aws, history)

    assert load_file(path).data["detected_time"] == stamp(times.at(8))
    assert outcome.detected_time is None
    first_alarm = stamp(times.at(4) + timedelta(seconds=12))
    assert (
        f"detected_time stays {stamp(times.at(8))}; the first alarm went to "
        f"ALARM at {first_alarm}"
    ) in outcome.notes


def test_detected_time_is_not_set_before_start_time(repo, aws):
    times = Times()
    path = write_incident(repo, times)
    make_alarm(aws)
    early = [[history_item("HighErrors", times.at(-10), "OK", "ALARM", "early")]]
    history, _ = stubbed_history(aws, times, early)

    outcome = collect_alarms(repo, path, aws, history)

    assert "detected_time" not in load_file(path).data
    assert any(n.startswith("detected_time not set") for n in outcome.notes)
    assert outcome.added == 1


def test_an_event_people_copied_is_not_added_again(repo, aws):
    times = Times()
    path = write_incident(repo, times)
    make_alarm(aws)
    copy = [[history_item("HighErrors", times.at(20), "OK", "ALARM", "same")]]
    history, _ = stubbed_history(aws, times, copy)
    before = path.read_text()

    outcome = collect_alarms(repo, path, aws, history)

    assert outcome.added == 0
    # Only detected_time was added; the timeline is as written.
    assert (
        path.read_text().replace(f"detected_time: {stamp(times.at(20))}\n", "")
        == before
    )


def test_access_denied_is_one_clear_error(repo, aws):
    times = Times()
    path = write_incident(repo, times)
    make_alarm(aws)
    history = client(aws, "cloudwatch")
    stubber = Stubber(history)
    stubber.add_client_error(
        "describe_alarm_history",
        service_error_code="AccessDenied",
        service_message="User: arn:aws:iam::123456789012:user/ci is not "
        "authorized to perform: cloudwatch:DescribeAlarmHistory",
        http_status_code=403,
    )
    stubber.activate()
    before = path.read_bytes()

    with pytest.raises(collect.CollectError) as caught:
        collect_alarms(repo, path, aws, history)

    message = str(caught.value)
    assert message.startswith(
        "access denied to cloudwatch:DescribeAlarmHistory for alarm HighErrors"
    )
    assert "\n" not in message
    assert path.read_bytes() == before


def test_an_unknown_alarm_is_an_error(cli, repo, aws):
    times = Times()
    write_incident(repo, times)
    (repo / "schemas").mkdir()
    (repo / "schemas" / "taxonomy.yaml").write_text("alarms: [NoSuchAlarm]\n")

    run = run_collect(cli, repo, aws, times, "--alarms")

    assert run.code == 1
    assert run.err == "hindsight collect: error: unknown alarm(s): NoSuchAlarm\n"


# -- errors --------------------------------------------------------------------


def test_an_unknown_log_group_is_one_line_and_exit_1(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    before = path.read_bytes()

    run = run_collect(
        cli, repo, aws, times, "--logs", "/no/such/group", "--pattern", "ERROR"
    )

    assert run.code == 1
    assert run.err.startswith(
        "hindsight collect: error: log group /no/such/group does not exist"
    )
    assert len(run.err.splitlines()) == 1
    assert path.read_bytes() == before


def test_no_region_is_a_clear_error(cli, repo, aws, monkeypatch):
    times = Times()
    write_incident(repo, times)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)

    run = cli(
        "collect",
        incident_id(times),
        "--repo",
        repo,
        "--endpoint-url",
        aws,
        "--logs",
        GROUP,
        "--pattern",
        "ERROR",
    )

    assert run.code == 1
    assert run.err == (
        "hindsight collect: error: no AWS region configured; "
        "pass --region or set AWS_REGION\n"
    )


def test_a_metrics_file_with_a_typo_names_the_fix(cli, repo, aws):
    times = Times()
    write_incident(repo, times)

    run = run_collect(
        cli, repo, aws, times, "--metrics", FIXTURES / "metrics-typo.yaml"
    )

    assert run.code == 1
    assert "metric 1: unknown key `dimension`; did you mean `dimensions`?" in run.err


def test_an_unknown_incident_id_is_an_error(cli, repo, aws):
    run = cli(
        "collect", "INC-1999-001", "--repo", repo, "--logs", GROUP, "--pattern", "x"
    )

    assert run.code == 2
    assert "no incident `INC-1999-001` under incidents/" in run.err


@pytest.mark.parametrize(
    "options",
    [
        (),
        ("--logs", GROUP),
        ("--pattern", "ERROR"),
        ("--alarms",),
        ("--logs", GROUP, "--pattern", "ERROR", "--margin", "soon"),
    ],
)
def test_usage_errors_exit_2(cli, repo, aws, options):
    times = Times()
    write_incident(repo, times)

    assert run_collect(cli, repo, aws, times, *options).code == 2


@pytest.mark.parametrize(
    "text, minutes",
    [
        ("30m", 30),
        ("2h", 120),
        ("1h30m", 90),
        ("1d", 1440),
        ("90s", 1.5),
        ("0m", 0),
    ],
)
def test_margins(text, minutes):
    assert collect.parse_margin(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "30", "m30", "2h 30m", "-5m", "1w"])
def test_margins_that_are_not_durations(text):
    with pytest.raises(ValueError):
        collect.parse_margin(text)


# -- charts --------------------------------------------------------------------


def test_charts_render_with_the_four_marks(cli, repo, aws, tmp_path):
    times = Times()
    path = write_incident(repo, times, detected=times.at(4))
    put_metrics(aws, times)
    put_logs(aws, times, STANDARD_LOGS)
    assert (
        run_collect(
            cli,
            repo,
            aws,
            times,
            "--metrics",
            FIXTURES / "metrics.yaml",
            "--logs",
            GROUP,
            "--pattern",
            "ERROR",
        ).code
        == 0
    )
    incident = Incident.from_data(load_file(path).data)
    data_file = collect.metrics_path_for(path)

    charts = write_metric_charts(data_file, incident, tmp_path / "a")
    again = write_metric_charts(data_file, load_file(path).data, tmp_path / "b")

    stem = path.stem
    key = json.loads(data_file.read_text())["logs"][0]["key"]
    assert [c.name for c in charts] == [f"{stem}.errors.svg", f"{stem}.{key}.svg"]
    assert [c.read_bytes() for c in charts] == [c.read_bytes() for c in again]
    moments = {
        "start": times.start,
        "detected": times.at(4),
        "mitigated": times.mitigated,
        "end": times.end,
    }
    for chart in charts:
        root = ET.fromstring(chart.read_bytes())
        ids = {g.get("id"): g for g in root.iter(f"{SVG}g")}
        for name, moment in moments.items():
            assert f"mark-{name}" in ids
            label = "".join(ids[f"label-{name}"].itertext()).strip()
            assert label == f"{name} {moment:%H:%M}"
        assert "series" in ids
    assert b"Checkout errors" in charts[0].read_bytes()


# -- more of the merge -----------------------------------------------------------


def test_its_own_event_is_updated_in_place(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_logs(aws, times, STANDARD_LOGS)
    options = ("--logs", GROUP, "--pattern", "ERROR")
    assert run_collect(cli, repo, aws, times, *options).code == 0
    before = path.read_text().splitlines()
    put_logs(aws, times, [(12.0, "ERROR cache timeout order=4")])

    assert run_collect(cli, repo, aws, times, *options).code == 0

    after = path.read_text().splitlines()
    changed = [
        line
        for line in difflib.unified_diff(before, after, lineterm="")
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert [line[:31] for line in changed] == [
        "-    details: '3 log events mat",
        "+    details: '4 log events mat",
    ]


def test_json_summary(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    put_logs(aws, times, STANDARD_LOGS)

    run = run_collect(
        cli, repo, aws, times, "--format", "json", "--logs", GROUP, "--pattern", "ERROR"
    )

    assert run.code == 0
    summary = json.loads(run.out)
    shown = path.resolve().relative_to(repo.resolve()).as_posix()
    assert summary["added"] == 1 and summary["updated"] == 0
    assert summary["changed"] == [shown, shown.replace(".yaml", ".metrics.json")]


def test_an_incident_with_errors_is_refused(cli, repo, aws):
    times = Times()
    path = write_incident(repo, times)
    path.write_text(path.read_text().replace("status: draft", "status: reviewed"))
    put_logs(aws, times, STANDARD_LOGS)
    before = path.read_bytes()

    run = run_collect(cli, repo, aws, times, "--logs", GROUP, "--pattern", "ERROR")

    assert run.code == 1
    assert "has errors; fix them first (hindsight validate)" in run.err
    assert path.read_bytes() == before

"""The action-item ledger and `hindsight actions set`, on the trend fixtures."""

from __future__ import annotations

import difflib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import add_incident
from hindsight import actions, pipeline
from hindsight.repository import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "trends"
COMMENTED = FIXTURE / "commented-incident.yaml"
AS_OF = "2024-03-31"


@pytest.fixture(scope="module")
def records():
    result, found = pipeline.load_records(Repository(FIXTURE))
    assert result.ok
    return found


def listed(cli, *args: str) -> dict:
    result = cli(
        "actions", "--repo", FIXTURE, "--as-of", AS_OF, "--format", "json", *args
    )
    assert result.code == 0, result.err
    return json.loads(result.out)


def keys(data: dict) -> list[tuple[str, str]]:
    return [(row["incident_id"], row["item_id"]) for row in data["items"]]


# The ledger ----------------------------------------------------------------------


def test_overdue_and_unowned_first_then_by_due_date(cli):
    data = listed(cli)
    assert keys(data) == [
        ("INC-2024-001", "AI-1"),  # overdue, due 02-01
        ("INC-2024-004", "AI-1"),  # overdue, due 03-01
        ("INC-2024-003", "AI-2"),  # no owner, due 03-31 (not yet overdue)
        ("INC-2024-007", "AI-1"),  # due 01-15
        ("INC-2024-001", "AI-2"),  # due 01-31
        ("INC-2024-003", "AI-1"),  # due 02-28
        ("INC-2024-002", "AI-1"),  # due 03-20, cancelled
        ("INC-2024-002", "AI-2"),  # due 04-15
    ]
    assert data["counts"] == {
        "items": 8,
        "overdue": 2,
        "unowned": 1,
        "follow_ups_passed": 2,
    }


def test_a_row_has_every_column(cli):
    first = listed(cli)["items"][0]
    assert first == {
        "incident_id": "INC-2024-001",
        "item_id": "AI-1",
        "title": "Validate limits before the push",
        "owner": "team-a",
        "priority": "high",
        "status": "open",
        "due_date": "2024-02-01",
        "days_overdue": 29 + 30,  # the rest of February 2024 (leap), then March
        "tracking_url": None,
        "file": "incidents/2024/2024-01-02-first-edge.yaml",
    }


def test_filters_by_owner_status_and_overdue(cli):
    assert keys(listed(cli, "--owner", "TEAM-A")) == [
        ("INC-2024-001", "AI-1"),
        ("INC-2024-004", "AI-1"),
        ("INC-2024-007", "AI-1"),
        ("INC-2024-002", "AI-1"),
    ]
    assert keys(listed(cli, "--status", "completed")) == [
        ("INC-2024-007", "AI-1"),
        ("INC-2024-001", "AI-2"),
        ("INC-2024-003", "AI-1"),
    ]
    overdue = listed(cli, "--overdue")
    assert keys(overdue) == [("INC-2024-001", "AI-1"), ("INC-2024-004", "AI-1")]
    assert [r["days_overdue"] for r in overdue["items"]] == [59, 30]
    assert overdue["filters"] == {"owner": None, "status": None, "overdue": True}


def test_the_as_of_day_decides_what_is_overdue(cli):
    later = cli(
        "actions",
        "--repo",
        FIXTURE,
        "--as-of",
        "2024-04-01",
        "--overdue",
        "--format",
        "json",
    )
    assert later.code == 0
    rows = json.loads(later.out)["items"]
    assert ("INC-2024-003", "AI-2", 1) in [
        (r["incident_id"], r["item_id"], r["days_overdue"]) for r in rows
    ]


def test_follow_ups_passed_with_work_left_or_not_closed(cli):
    follow = listed(cli)["follow_ups"]
    # 001: follow-up 03-01 passed, AI-1 still open. 2023-001: passed 2023-12-01,
    # no items but still a draft. 003: follow-up is the as-of day, not passed.
    # 007: passed, but closed with every item done.
    assert [
        (f["incident_id"], f["days_past"], f["unfinished_items"]) for f in follow
    ] == [("INC-2023-001", 121, 0), ("INC-2024-001", 30, 1)]


def test_an_unknown_status_filter_is_a_usage_error(cli):
    result = cli("actions", "--repo", FIXTURE, "--status", "done")
    assert result.code == 2
    assert "unknown status `done`" in result.err


def test_text_lists_the_rows_and_follow_ups(cli):
    result = cli("actions", "--repo", FIXTURE, "--as-of", AS_OF)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "Action items as of 2024-03-31: 8"
    assert lines[2].split()[:2] == ["INC-2024-001", "AI-1"]
    assert "(no owner)" in result.out
    assert "Follow-ups passed: 2" in result.out


def test_markdown_escapes_incident_text_and_links_only_http(records, tmp_path):
    book = actions.ledger(records, date(2024, 3, 31), owner="team-c")
    book.rows[0].title = "<img src=x onerror=alert(1)> | pipe"
    book.rows[0].tracking_url = "https://example.org/t/(9)"
    page = actions.ledger_markdown(book)
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert\\(1\\)&gt; \\| pipe" in page
    assert "[link](https://example.org/t/%289%29)" in page
    book.rows[0].tracking_url = "javascript:alert(1)"
    assert "javascript" not in actions.ledger_markdown(book)


def test_markdown_links_incident_ids_where_a_page_is_known(records):
    book = actions.ledger(records, date(2024, 3, 31))
    pages = {"INC-2024-001": "incidents/INC-2024-001.md"}

    linked = actions.ledger_markdown(book, page_url=pages.get)
    plain = actions.ledger_markdown(book)

    row = "| [INC-2024-001](incidents/INC-2024-001.md) | AI-1 |"
    follow_up = "| [INC-2024-001](incidents/INC-2024-001.md) | "
    assert row in linked
    assert linked.count(follow_up) == 3  # AI-1, AI-2 and the follow-up
    assert "| INC-2024-004 | AI-1 |" in linked
    assert "| INC-2023-001 | " in linked  # follow-up of an incident without a page
    assert "](incidents/" not in plain
    assert plain == linked.replace(
        "[INC-2024-001](incidents/INC-2024-001.md)", "INC-2024-001"
    )


# Changing an item ----------------------------------------------------------------


@pytest.fixture
def queue_repo(repo: Path) -> Path:
    add_incident(repo, COMMENTED, "2024-03-10-queue.yaml")
    return repo


def queue_file(repo: Path) -> Path:
    return repo / "incidents" / "2024" / "2024-03-10-queue.yaml"


def diff(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(
            before.splitlines(), after.splitlines(), n=0, lineterm=""
        )
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def test_completing_an_item_changes_only_its_lines(cli, queue_repo):
    before = COMMENTED.read_text()
    result = cli(
        "actions",
        "set",
        "INC-2024-042",
        "AI-1",
        "--status",
        "completed",
        "--as-of",
        "2024-03-18",
        "--repo",
        queue_repo,
    )
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "incidents/2024/2024-03-10-queue.yaml:",
        "  AI-1: status open -> completed",
        "  AI-1: completed_date added: 2024-03-18",
    ]
    assert diff(before, queue_file(queue_repo).read_text()) == [
        "-    status: open  # blocked on review",
        "+    status: completed  # blocked on review",
        "+    completed_date: 2024-03-18",
    ]
    validated = cli("validate", "--repo", queue_repo)
    assert validated.code == 0 and "0 warning(s)" in validated.out


def test_owner_and_due_date_keep_the_files_quoting(cli, queue_repo):
    before = COMMENTED.read_text()
    result = cli(
        "actions",
        "--repo",
        queue_repo,
        "set",
        "INC-2024-042",
        "AI-2",
        "--owner",
        "ops-team",
        "--due",
        "2024-04-01",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "incident_id": "INC-2024-042",
        "item_id": "AI-2",
        "file": "incidents/2024/2024-03-10-queue.yaml",
        "changes": [
            "AI-2: owner added: ops-team",
            "AI-2: due_date 2024-03-25 -> 2024-04-01",
        ],
    }
    assert diff(before, queue_file(queue_repo).read_text()) == [
        "+    owner: ops-team",
        "-    due_date: '2024-03-25'",
        "+    due_date: '2024-04-01'",
    ]


def test_a_completed_date_already_written_is_kept(tmp_path):
    path = tmp_path / "incidents" / "2024" / "2024-03-10-queue.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        COMMENTED.read_text().replace(
            "    status: 'in_progress'\n",
            "    status: 'in_progress'\n    completed_date: 2024-03-12\n",
        )
    )
    changes = actions.set_item(
        path, "AI-2", status="completed", today=date(2024, 3, 20)
    )
    assert changes == ["AI-2: status in_progress -> completed"]
    assert "    status: 'completed'\n    completed_date: 2024-03-12\n" in (
        path.read_text()
    )


def test_setting_what_is_already_there_writes_nothing(cli, queue_repo):
    path = queue_file(queue_repo)
    stamp = path.stat().st_mtime_ns
    result = cli(
        "actions",
        "set",
        "INC-2024-042",
        "AI-1",
        "--status",
        "open",
        "--repo",
        queue_repo,
    )
    assert result.code == 0
    assert "nothing changed" in result.out
    assert path.stat().st_mtime_ns == stamp
    assert path.read_text() == COMMENTED.read_text()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("INC-2024-043", "AI-1", "--status", "open"),
            "no incident `INC-2024-043` under incidents/; did you mean INC-2024-042?",
        ),
        (
            ("INC-2024-042", "AI-9", "--status", "open"),
            "has no action item `AI-9` (it has: AI-1, AI-2)",
        ),
        (
            ("INC-2024-042", "AI-1", "--status", "complete"),
            "unknown status `complete`; use one of open, in_progress, completed, "
            "cancelled; did you mean `completed`?",
        ),
        (("INC-2024-042", "AI-1", "--due", "next week"), "is not YYYY-MM-DD"),
        (("INC-2024-042", "AI-1"), "nothing to change"),
    ],
)
def test_unknown_incident_item_or_status_is_refused(
    cli, queue_repo, arguments, message
):
    result = cli("actions", "set", *arguments, "--repo", queue_repo)
    assert result.code == 2
    assert message in result.err
    assert queue_file(queue_repo).read_text() == COMMENTED.read_text()


def test_a_change_that_would_make_the_file_invalid_is_refused(cli, tmp_path):
    shutil.copytree(FIXTURE / "incidents", tmp_path / "incidents")
    closed = tmp_path / "incidents" / "2024" / "2024-01-01-before.yaml"
    before = closed.read_bytes()
    result = cli(
        "actions", "set", "INC-2024-007", "AI-1", "--status", "open", "--repo", tmp_path
    )
    assert result.code == 2
    assert "would make 2024-01-01-before.yaml invalid" in result.err
    assert "status `closed` needs more" in result.err
    assert closed.read_bytes() == before
    assert sorted(p.name for p in closed.parent.iterdir()) == sorted(
        p.name for p in (FIXTURE / "incidents" / "2024").iterdir()
    )


def test_set_item_returns_what_changed(tmp_path):
    path = tmp_path / "2024-03-10-queue.yaml"
    shutil.copyfile(COMMENTED, path)
    changes = actions.set_item(
        path,
        "AI-1",
        status="completed",
        owner="dev-team",
        due="2024-03-22",
        today=date(2024, 3, 21),
    )
    assert changes == [
        "AI-1: status open -> completed",
        "AI-1: owner queue-team -> dev-team",
        "AI-1: due_date 2024-03-20 -> 2024-03-22",
        "AI-1: completed_date added: 2024-03-21",
    ]
    assert "    owner: dev-team   # team, not person\n" in path.read_text()

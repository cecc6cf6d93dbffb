"""Round-trip edits change the lines of the edited value and nothing else."""

from __future__ import annotations

import difflib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from hindsight.edit import EditError, Editor, Verbatim, write_atomic

COMMENTED = Path(__file__).parent / "fixtures" / "trends" / "commented-incident.yaml"


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The removed and added lines of a unified diff, without the markers."""
    diff = list(
        difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    )
    removed = [d[1:] for d in diff if d.startswith("-") and not d.startswith("---")]
    added = [d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")]
    return removed, added


@pytest.fixture
def source() -> str:
    return COMMENTED.read_text("utf-8")


def test_replacing_a_scalar_keeps_its_end_of_line_comment(source):
    editor = Editor(source)
    change = editor.set(("action_items", 0, "status"), "completed")
    assert changed_lines(source, editor.dump()) == (
        ["    status: open  # blocked on review"],
        ["    status: completed  # blocked on review"],
    )
    assert change.describe() == "$.action_items[0].status: open -> completed"


def test_a_quoted_value_stays_quoted_in_its_own_quotes(source):
    editor = Editor(source)
    editor.set(("action_items", 1, "status"), "completed")
    editor.set(("action_items", 1, "due_date"), date(2024, 4, 2))
    editor.set(("incident_id",), "INC-2024-043")
    assert changed_lines(source, editor.dump()) == (
        [
            'incident_id: "INC-2024-042"',
            "    due_date: '2024-03-25'",
            "    status: 'in_progress'",
        ],
        [
            'incident_id: "INC-2024-043"',
            "    due_date: '2024-04-02'",
            "    status: 'completed'",
        ],
    )


def test_a_new_key_goes_after_the_named_key_at_the_items_indentation(source):
    editor = Editor(source)
    editor.set(("action_items", 0, "completed_date"), date(2024, 3, 18), after="status")
    editor.set(("action_items", 1, "owner"), "ops-team", after="title")
    after = editor.dump()
    assert changed_lines(source, after) == (
        [],
        ["    completed_date: 2024-03-18", "    owner: ops-team"],
    )
    lines = after.splitlines()
    assert lines[lines.index("    completed_date: 2024-03-18") - 1] == (
        "    status: open  # blocked on review"
    )
    assert (
        lines[lines.index("    owner: ops-team") - 1] == "    title: Alert on backlog"
    )


def test_a_new_key_without_after_goes_below_the_last_key_before_comments(source):
    editor = Editor(source)
    editor.set(("action_items", 0, "tracking_url"), "https://example.org/t/1")
    lines = editor.dump().splitlines()
    at = lines.index("    tracking_url: https://example.org/t/1")
    assert lines[at - 1] == "    related_root_causes: [RC-1]"
    assert lines[at + 1] == "    # trailing comment inside AI-1"


def test_the_modeline_flow_lists_and_other_comments_survive_every_edit(source):
    editor = Editor(source)
    editor.set(("action_items", 0, "status"), "completed")
    editor.append(("services_affected",), "billing")
    editor.append(("tags",), "orders")
    after = editor.dump()
    assert after.splitlines()[0] == source.splitlines()[0]
    assert after.startswith("# yaml-language-server: $schema=")
    assert changed_lines(source, after) == (
        [
            "services_affected: [orders, 'queue-broker']   # flow list",
            "    status: open  # blocked on review",
        ],
        [
            "services_affected: [orders, 'queue-broker', billing]   # flow list",
            "- orders",
            "    status: completed  # blocked on review",
        ],
    )
    assert '- "backlog"\n- orders\n\ntimeline_events:' in after


def test_inserting_into_a_flow_list_at_the_front(source):
    editor = Editor(source)
    editor.insert(("services_affected",), 0, "billing")
    assert "services_affected: [billing, orders, 'queue-broker']" in editor.dump()


def test_a_mapping_appended_to_a_list_takes_that_lists_indentation(source):
    editor = Editor(source)
    event = {
        "timestamp": datetime(2024, 3, 10, 9, 40, tzinfo=UTC),
        "event": "Prefetch raised",
        "source": "queue-team",
    }
    editor.append(("timeline_events",), event)
    assert changed_lines(source, editor.dump()) == (
        [],
        [
            "    - timestamp: 2024-03-10T09:40:00Z",
            "      event: Prefetch raised",
            "      source: queue-team",
        ],
    )
    assert editor.get(("timeline_events", 1, "timestamp")) == event["timestamp"]


def test_insert_before_the_first_item_of_a_block_list(source):
    editor = Editor(source)
    editor.insert(("lessons_learned",), 0, "Backlogs need alarms")
    removed, added = changed_lines(source, editor.dump())
    assert (removed, added) == ([], ["  - Backlogs need alarms"])
    assert editor.get(("lessons_learned",)) == [
        "Backlogs need alarms",
        "Prefetch matters",
    ]


def test_strings_that_yaml_1_1_reads_as_something_else_are_quoted(source):
    editor = Editor(source)
    editor.set(("action_items", 0, "owner"), "yes")
    editor.set(("title",), "on")  # was single-quoted: stays single-quoted
    editor.append(("tags",), "1e3")
    data = yaml.safe_load(editor.dump())
    assert data["action_items"][0]["owner"] == "yes"
    assert data["title"] == "on"
    assert data["tags"][-1] == "1e3"
    assert "    owner: 'yes'   # team, not person" in editor.dump()


def test_verbatim_text_is_written_unquoted(source):
    editor = Editor(source)
    editor.set(("detected_time",), Verbatim("2024-03-10T09:06:00Z"))
    assert 'detected_time: "2024-03-10T09:06:00Z"' not in editor.dump()
    assert "detected_time: 2024-03-10T09:06:00Z" in editor.dump()


def test_a_block_scalar_is_replaced_as_a_whole(source):
    editor = Editor(source)
    editor.set(("impact_description",), "Orders were delayed.")
    removed, added = changed_lines(source, editor.dump())
    assert removed == [
        "impact_description: >",
        "  Orders were delayed by up to two hours; no order was lost, but",
        '  customers saw "pending" for a long time.',
    ]
    assert added == ["impact_description: Orders were delayed."]


def test_a_block_list_replaced_by_a_new_list(source):
    editor = Editor(source)
    editor.set(("tags",), ["queue", "orders"])
    assert changed_lines(source, editor.dump()) == (['- "backlog"'], ["- orders"])
    assert "tags:\n- queue\n- orders\n\ntimeline_events:" in editor.dump()


def test_a_new_list_of_mappings_follows_the_files_list_style():
    text = "# modeline\nservices_affected:\n  - api\nreview:\n    date: 2024-01-18\n"
    editor = Editor(text)
    editor.set(
        ("timeline_events",),
        [
            {
                "timestamp": Verbatim("2024-01-15T14:34:00Z"),
                "event": "Alarm",
                "tags": ["a", "b"],
            },
        ],
    )
    assert editor.dump() == text + (
        "timeline_events:\n"
        "  - timestamp: 2024-01-15T14:34:00Z\n"
        "    event: Alarm\n"
        "    tags:\n"
        "      - a\n"
        "      - b\n"
    )
    editor.set(("review", "follow_up_date"), date(2024, 2, 1), after="date")
    assert "review:\n    date: 2024-01-18\n    follow_up_date: 2024-02-01\n" in (
        editor.dump()
    )


def test_position_is_the_line_and_column_of_the_value(source):
    editor = Editor(source)
    assert editor.position(("action_items", 0, "status")) == (37, 13)
    assert editor.position(("services_affected", 1)) == (15, 29)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("action_items", 7, "status"), "$.action_items[7] does not exist"),
        (("title", "x"), "$.title is not a mapping"),
        (("nothing", "x"), "$.nothing does not exist"),
    ],
)
def test_an_edit_at_a_missing_path_is_refused_and_changes_nothing(
    source, path, message
):
    editor = Editor(source)
    with pytest.raises(
        EditError, match=message.replace("[", r"\[").replace("$", r"\$")
    ):
        editor.set(path, "x")
    assert editor.dump() == source
    assert editor.changes == []


def test_insert_outside_the_list_is_refused(source):
    editor = Editor(source)
    with pytest.raises(EditError, match="has no position 5"):
        editor.insert(("tags",), 5, "x")
    with pytest.raises(EditError, match="is not a list"):
        editor.insert(("title",), 0, "x")


def test_windows_line_endings_are_kept():
    text = "a: 1\r\nb:\r\n  c: 2\r\n"
    editor = Editor(text)
    editor.set(("b", "d"), 3)
    editor.set(("a",), 5)
    assert editor.dump() == "a: 5\r\nb:\r\n  c: 2\r\n  d: 3\r\n"


def test_a_file_without_final_newline_gets_a_new_last_line():
    editor = Editor("a: 1\nb: 2")
    editor.set(("c",), "x")
    assert editor.dump() == "a: 1\nb: 2\nc: x\n"


def test_adding_to_an_empty_flow_list_and_a_flow_mapping():
    editor = Editor("tags: []\nmeta: {a: 1}  # note\n")
    editor.append(("tags",), "one")
    editor.set(("meta", "b"), "two words")
    assert editor.dump() == "tags: [one]\nmeta: {a: 1, b: two words}  # note\n"


DRAFT = (
    "status: draft\n"
    "services_affected:\n"
    "    - checkout\n"
    "tags: []\n"
    "\n"
    "timeline_events: []\n"
    "#  - timestamp: 2024-01-15T00:00:00Z\n"
    "#    event: What happened\n"
    "\n"
    "action_items: []   # none yet\n"
)


def test_a_mapping_added_to_an_empty_flow_list_starts_a_block_list():
    editor = Editor(DRAFT)
    event = {
        "timestamp": datetime(2024, 1, 15, 14, 34, tzinfo=UTC),
        "event": "Alarm fired",
        "source": "cloudwatch-alarm",
    }
    change = editor.append(("timeline_events",), event)
    assert changed_lines(DRAFT, editor.dump()) == (
        ["timeline_events: []"],
        [
            "timeline_events:",
            "    - timestamp: 2024-01-15T14:34:00Z",
            "      event: Alarm fired",
            "      source: cloudwatch-alarm",
        ],
    )
    assert "      source: cloudwatch-alarm\n#  - timestamp:" in editor.dump()
    assert editor.get(("timeline_events",)) == [event]
    assert change.path == ("timeline_events", 0) and change.added


def test_an_empty_flow_list_keeps_its_brackets_for_scalars_and_before_a_comment():
    editor = Editor(DRAFT)
    editor.append(("tags",), "cache")
    editor.insert(("action_items",), 0, {"id": "AI-1", "title": "Add an alarm"})
    assert changed_lines(DRAFT, editor.dump()) == (
        ["tags: []", "action_items: []   # none yet"],
        [
            "tags: [cache]",
            "action_items: [{id: AI-1, title: Add an alarm}]   # none yet",
        ],
    )


def test_removing_a_block_item_takes_its_lines_and_no_other(source):
    editor = Editor(source)
    change = editor.remove(("action_items", 0))
    assert changed_lines(source, editor.dump()) == (
        [
            "  - id: AI-1",
            '    title: "Raise the prefetch"',
            "    owner: queue-team   # team, not person",
            "    priority: high",
            "    due_date: 2024-03-20",
            "    status: open  # blocked on review",
            "    related_root_causes: [RC-1]",
        ],
        [],
    )
    assert "  # First item.\n    # trailing comment inside AI-1\n" in editor.dump()
    assert [item["id"] for item in editor.get(("action_items",))] == ["AI-2"]
    assert change.removed and change.old["id"] == "AI-1"
    assert change.describe().startswith("$.action_items[0]: removed {")


def test_removing_a_flow_item_takes_its_comma(source):
    first, last = Editor(source), Editor(source)
    first.remove(("services_affected", 0))
    last.remove(("services_affected", 1))
    line = "services_affected: [orders, 'queue-broker']   # flow list"
    assert changed_lines(source, first.dump()) == (
        [line],
        ["services_affected: ['queue-broker']   # flow list"],
    )
    assert changed_lines(source, last.dump()) == (
        [line],
        ["services_affected: [orders]   # flow list"],
    )


def test_removing_the_only_item_of_a_block_list_leaves_an_empty_list(source):
    editor = Editor(source)
    editor.remove(("lessons_learned", 0))
    assert changed_lines(source, editor.dump()) == (
        ["lessons_learned:", "  - Prefetch matters   # yes"],
        ["lessons_learned: []"],
    )
    assert editor.get(("lessons_learned",)) == []


def test_a_removed_item_can_be_put_back_at_another_place(source):
    editor = Editor(source)
    editor.remove(("tags", 0))
    editor.append(("tags",), "queue")
    removed, added = changed_lines(source, editor.dump())
    assert len(removed) == 1 and removed == added  # one line moved, no other
    assert 'tags:\n- "backlog"\n- queue\n\ntimeline_events:' in editor.dump()
    assert editor.get(("tags",)) == ["backlog", "queue"]
    assert [c.describe() for c in editor.changes] == [
        "$.tags[0]: removed queue",
        "$.tags[1]: added queue",
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("title",), r"\$\.title is not a list item"),
        (
            ("action_items", 0, "status"),
            r"\$\.action_items\[0\]\.status is not a list item",
        ),
        (("title", 0), r"\$\.title is not a list"),
        (("tags", 5), r"\$\.tags\[5\] does not exist"),
    ],
)
def test_remove_refuses_what_is_not_a_list_item(source, path, message):
    editor = Editor(source)
    with pytest.raises(EditError, match=message):
        editor.remove(path)
    assert editor.dump() == source
    assert editor.changes == []


def test_broken_yaml_is_refused():
    with pytest.raises(EditError, match="not valid YAML"):
        Editor("a: [unclosed\n")


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "f.yaml"
    target.write_text("a: 1\n")
    target.chmod(0o640)
    write_atomic(target, "a: 2\n")
    assert target.read_text() == "a: 2\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.yaml"]


def test_write_atomic_keeps_the_file_when_the_check_refuses(tmp_path):
    target = tmp_path / "f.yaml"
    target.write_text("a: 1\n")

    def refuse(text: str) -> None:
        raise ValueError("no")

    with pytest.raises(ValueError):
        write_atomic(target, "a: [\n", refuse)
    assert target.read_text() == "a: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.yaml"]

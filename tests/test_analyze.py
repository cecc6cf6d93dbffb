"""The analyzers, coverage, readiness and `hindsight analyze` / `export`."""

from __future__ import annotations

import copy
import json

import pytest

from conftest import FORMAT_EXAMPLE, add_incident
from hindsight.analyze import ANALYZERS, analyze_incident, categorise, whys_steps
from hindsight.load import load_file
from hindsight.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(None)


@pytest.fixture
def example() -> dict:
    return copy.deepcopy(load_file(FORMAT_EXAMPLE).data)


def test_analyze_json_of_the_example_has_the_contract(cli, repo):
    path = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-pool.yaml")
    result = cli("analyze", "--repo", repo, "--format", "json", path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["incident_id"] == "INC-2024-001"
    assert data["fault_tree"]["minimal_cut_sets"] == [["crash"], ["leak", "no-alert"]]
    assert data["fault_tree"]["top_event_probability"] == pytest.approx(0.03475)
    assert data["uncovered_root_causes"] == []
    assert data["fault_tree"] == {
        "minimal_cut_sets": [["crash"], ["leak", "no-alert"]],
        "top_event_probability": pytest.approx(0.03475),
    }
    assert data["readiness"] == {"status": "reviewed", "ready": True, "missing": []}
    assert data["next_readiness"] == {
        "status": "closed",
        "missing": [
            "action item AI-2 is in_progress; complete or cancel it before closing"
        ],
    }
    assert data["fault_tree_details"]["top_event"] == "Users cannot log in"
    sources = {c["source"] for c in data["root_causes"]}
    assert sources == {"explicit", "five_whys", "fishbone", "fault_tree"}
    assert all("category" in c for c in data["root_causes"])


def test_analyze_accepts_an_incident_id(cli, repo):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-pool.yaml")
    result = cli("analyze", "--repo", repo, "INC-2024-001")
    assert result.code == 0
    assert "Top-event probability: 0.03475" in result.out


def test_analyze_of_an_invalid_file_prints_its_errors(cli, repo):
    path = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-pool.yaml")
    path.write_text(path.read_text().replace("severity: high", "severity: hgh"))
    result = cli("analyze", "--repo", repo, path)
    assert result.code == 1
    assert "did you mean `high`?" in result.err


def test_five_whys_final_answer_is_the_root_cause(example):
    analysis = analyze_incident(example, TAXONOMY)
    cause = [c for c in analysis.root_causes if c.source == "five_whys"][0]
    assert cause.description.startswith("Code review had no check")
    assert (
        cause.contributing_factors[0] == "The database connection pool was exhausted."
    )
    assert len(cause.contributing_factors) == 4


def test_both_five_whys_forms_give_the_same_chain(example):
    pairs = example["analysis"]["five_whys"]
    strings = [text for step in pairs for text in (step["question"], step["answer"])]
    assert whys_steps(strings) == whys_steps(pairs)
    example["analysis"]["five_whys"] = strings
    analysis = analyze_incident(example, TAXONOMY)
    assert analysis.methods["five_whys"].detail["depth"] == 5
    assert analysis.warnings == []


def test_short_chain_warns_with_its_depth(example):
    example["analysis"]["five_whys"] = example["analysis"]["five_whys"][:2]
    analysis = analyze_incident(example, TAXONOMY)
    assert analysis.warnings == ["the five-whys chain stops at 2 why(s) of 5"]


def test_min_depth_comes_from_the_taxonomy(example, tmp_path):
    (tmp_path / "t.yaml").write_text("analyzers:\n  five_whys:\n    min_depth: 2\n")
    example["analysis"]["five_whys"] = example["analysis"]["five_whys"][:2]
    analysis = analyze_incident(example, load_taxonomy(tmp_path / "t.yaml"))
    assert analysis.warnings == []


def test_fishbone_causes_map_through_the_taxonomy(example):
    analysis = analyze_incident(example, TAXONOMY)
    fishbone = {
        c.description: c.category
        for c in analysis.root_causes
        if c.source == "fishbone"
    }
    assert fishbone["Insufficient code review of error paths"] == "human_error"
    assert fishbone["High user load on Monday afternoon"] == "external_dependency"


@pytest.mark.parametrize(
    ("text", "category", "guessed"),
    [
        ("An operator mistyped the command", "human_error", False),
        ("The configuration was wrong", "configuration_error", False),
        ("A vendor API went down", "external_dependency", False),
        ("Connections were never released", "technology_failure", True),
        # whole words only: "testimony" holds "test", "processor" holds "process"
        ("The processor testimony", "technology_failure", True),
    ],
)
def test_categorisation_matches_whole_words(text, category, guessed):
    found = categorise(text, TAXONOMY)
    assert (found.category, found.guessed) == (category, guessed)


def test_explicit_category_always_wins(example):
    example["root_causes"][0]["description"] = "An operator mistake"
    example["root_causes"][0]["category"] = "design_flaw"
    analysis = analyze_incident(example, TAXONOMY)
    assert analysis.root_causes[0].category == "design_flaw"
    assert analysis.counted_causes() == [analysis.root_causes[0]]


def test_derived_causes_count_when_there_is_no_explicit_one(example):
    del example["root_causes"]
    for item in example["action_items"]:
        del item["related_root_causes"]
    analysis = analyze_incident(example, TAXONOMY)
    assert {c.source for c in analysis.counted_causes()} == {
        "five_whys",
        "fishbone",
        "fault_tree",
    }


def test_root_causes_without_action_items_are_uncovered(example):
    example["root_causes"].append(
        {"id": "RC-2", "category": "process_failure", "description": "No load test"}
    )
    analysis = analyze_incident(example, TAXONOMY)
    assert analysis.uncovered_root_causes == ["RC-2"]


def test_review_summary_counts_and_follow_up(example):
    summary = analyze_incident(example, TAXONOMY).review_summary
    assert summary["key_findings"] == {
        "root_causes_identified": 9,
        "action_items_created": 2,
        "lessons_learned": 2,
    }
    assert summary["follow_up_required"] is True
    assert summary["next_review_date"] == "2024-02-17"
    for item in example["action_items"]:
        item["status"] = "completed"
    assert (
        analyze_incident(example, TAXONOMY).review_summary["follow_up_required"]
        is False
    )


def test_every_analyzer_documents_itself():
    assert set(ANALYZERS) == {"explicit", "five_whys", "fishbone", "fault_tree"}
    assert all(len(spec.doc) > 40 for spec in ANALYZERS.values())


def test_export_json_and_markdown(cli, repo):
    path = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-pool.yaml")
    path.write_text(
        path.read_text().replace(
            "title: Database connection pool exhaustion",
            "title: 'Pool <script>alert(1)</script> [x](javascript:alert(1))'",
        )
    )
    data = json.loads(cli("export", "--repo", repo, "INC-2024-001").out)
    assert data["metrics"] == {
        "time_to_detect_minutes": 4,
        "time_to_acknowledge_minutes": 1,
        "time_to_mitigate_minutes": 100,
        "duration_minutes": 135,
    }
    assert data["incident"]["services_affected"][0] == "user-service"
    markdown = cli("export", "--repo", repo, "INC-2024-001", "--format", "markdown").out
    assert "<script>" not in markdown and "](javascript" not in markdown
    assert (
        "## Lessons learned" in markdown and "1. Connection pool monitoring" in markdown
    )
    assert "[https://github.com/" not in markdown  # tracking links are labelled
    assert (
        "[tracking](https://github.com/example-org/user-service/issues/812)" in markdown
    )


def test_export_of_an_unknown_id_is_a_usage_error(cli, repo):
    result = cli("export", "--repo", repo, "INC-1999-999")
    assert result.code == 2
    assert "no incident `INC-1999-999` under incidents/" in result.err

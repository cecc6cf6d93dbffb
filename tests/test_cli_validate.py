"""`hindsight validate` as a user meets it: formats, exit codes, repository rules."""

from __future__ import annotations

import json
import re

from conftest import FORMAT_EXAMPLE, add_incident

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (error|warning): .+")


def test_clean_repository_exits_zero(cli, repo):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-pool.yaml")
    result = cli("validate", "--repo", repo)
    assert result.code == 0
    assert "1 file valid" in result.out


def test_every_file_is_reported_and_a_broken_one_stops_nothing(cli, repo):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    broken = repo / "incidents" / "2024" / "2024-02-01-b.yaml"
    broken.write_bytes(b"title: [unclosed\n")
    typo = repo / "incidents" / "2024" / "2024-03-01-c.yaml"
    typo.write_text(
        FORMAT_EXAMPLE.read_text()
        .replace("INC-2024-001", "INC-2024-002")
        .replace("severity: high", "severity: hihg")
    )
    result = cli("validate", "--repo", repo)
    assert result.code == 1
    errors = [
        LINE.match(line) for line in result.out.splitlines() if ": error:" in line
    ]
    assert {m["file"] for m in errors} == {
        "incidents/2024/2024-02-01-b.yaml",
        "incidents/2024/2024-03-01-c.yaml",
    }
    assert "did you mean `high`?" in result.out
    assert "in 3 files" in result.out


def test_json_format_is_the_contracts_list(cli, repo):
    path = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    path.write_text(
        path.read_text().replace(
            "end_time: 2024-01-15T16:45:00Z", "end_time: 2024-01-15T16:45:00"
        )
    )
    result = cli("validate", "--repo", repo, "--format", "json")
    findings = json.loads(result.out)
    assert result.code == 1
    assert set(findings[0]) == {"file", "line", "column", "path", "severity", "message"}
    offset = [f for f in findings if "offset" in f["message"]]
    assert offset[0]["path"] == "$.end_time"
    assert offset[0]["line"] == 11


def test_github_format_gives_annotations_and_is_chosen_in_actions(
    cli, repo, monkeypatch
):
    path = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    path.write_text(path.read_text().replace("status: reviewed", "status: done, 100%"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = cli("validate", "--repo", repo)
    annotation = [
        line for line in result.out.splitlines() if line.startswith("::error")
    ]
    assert annotation, result.out
    assert annotation[0].startswith(
        "::error file=incidents/2024/2024-01-15-a.yaml,line=6,col=9,"
    )
    assert "100%25" in annotation[0]  # workflow commands escape percent signs


def test_duplicate_ids_name_both_files(cli, repo):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-b.yaml")
    result = cli("validate", "--repo", repo)
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if "also used by" in line]
    assert len(lines) == 2
    assert lines[0].startswith("incidents/2024/2024-01-15-a.yaml:3:1:")
    assert "incidents/2024/2024-01-15-b.yaml:3" in lines[0]


def test_unique_ids_are_checked_against_files_not_named(cli, repo):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    second = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-b.yaml")
    result = cli("validate", "--repo", repo, second)
    assert result.code == 1
    assert "also used by incidents/2024/2024-01-15-a.yaml:3" in result.out
    assert "1 file" in result.out


def test_service_catalogue_is_enforced_when_present(cli, repo):
    (repo / "schemas").mkdir()
    (repo / "schemas" / "taxonomy.yaml").write_text(
        "services: [user-service, auth-service, api-gateway-v2]\n"
    )
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    result = cli("validate", "--repo", repo)
    assert result.code == 1
    assert (
        "service `api-gateway` is not in the taxonomy's service catalogue; "
        "did you mean `api-gateway-v2`?" in result.out
    )


def test_taxonomy_changes_the_vocabulary(cli, repo):
    (repo / "schemas").mkdir()
    (repo / "schemas" / "taxonomy.yaml").write_text("severities: [sev1, sev2]\n")
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    result = cli("validate", "--repo", repo)
    assert "not one of sev1, sev2" in result.out


def test_broken_taxonomy_is_an_input_error_with_its_line(cli, repo):
    (repo / "schemas").mkdir()
    (repo / "schemas" / "taxonomy.yaml").write_text(
        "severities: [a]\ndefault_category: nothing\n"
    )
    result = cli("validate", "--repo", repo)
    assert result.code == 1
    assert "schemas/taxonomy.yaml:2:19: error: `default_category`" in result.err


def test_warnings_do_not_fail_the_run(cli, repo):
    path = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    text = path.read_text()
    start = text.index("    - question: Why did the retry")
    end = text.index("  fishbone:")
    path.write_text(text[:start] + text[end:])
    result = cli("validate", "--repo", repo)
    assert result.code == 0
    assert "warning: the five-whys chain stops at 3 why(s)" in result.out


def test_usage_errors_exit_two(cli, repo):
    assert cli("validate", "--repo", repo, "missing.yaml").code == 2
    assert cli("validate", "--repo", repo / "nowhere").code == 2
    assert cli("validate", "--format", "xml").code == 2
    assert cli("frobnicate").code == 2


def test_a_partial_readiness_section_keeps_the_other_defaults(cli, repo):
    (repo / "schemas").mkdir()
    (repo / "schemas" / "taxonomy.yaml").write_text(
        "readiness:\n  statuses:\n    draft: []\n    in_review: []\n"
        "    reviewed: [root_cause, action_item_when_severe]\n    closed: []\n"
    )
    path = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    text = path.read_text()
    path.write_text(text[: text.index("action_items:")] + "lessons_learned: [x]\n")
    result = cli("validate", "--repo", repo)
    assert result.code == 1
    assert "a high incident needs at least one action item" in result.out


def test_hostile_files_are_reported_with_their_place_and_no_traceback(cli, repo):
    from test_load import billion_laughs

    year = repo / "incidents" / "2024"
    year.mkdir()
    (year / "2024-01-01-bomb.yaml").write_bytes(billion_laughs())
    with (year / "2024-01-02-huge.yaml").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    (year / "2024-01-03-binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    (year / "2024-01-04-nested.yml").write_text("a: " + "[" * 100_000)
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-fine.yaml")
    result = cli("validate", "--repo", repo, "--no-cache")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    errors = [line for line in result.out.splitlines() if ": error: " in line]
    assert [line.split(":")[0] for line in errors] == [
        "incidents/2024/2024-01-01-bomb.yaml",
        "incidents/2024/2024-01-02-huge.yaml",
        "incidents/2024/2024-01-03-binary.yaml",
        "incidents/2024/2024-01-04-nested.yml",
    ]
    assert "aliases" in errors[0] and "over the limit" in errors[1]
    assert "UTF-8" in errors[2] and "nests" in errors[3]
    assert "in 5 files" in result.out

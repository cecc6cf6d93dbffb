"""`hindsight import statuspage`: Statuspage incidents become valid drafts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FORMAT_EXAMPLE, add_incident
from hindsight.importers.yamltext import dump_incident
from hindsight.load import load_bytes, load_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import" / "statuspage-github"


def _written(repo: Path) -> dict[str, dict]:
    """Every incident file of ``repo`` by its source tag."""
    found = {}
    for path in sorted((repo / "incidents").rglob("*.yaml")):
        data = load_file(path).data
        keys = [t for t in data.get("tags", []) if t.startswith("statuspage:")]
        found[keys[0] if keys else path.name] = {"path": path, **data}
    return found


def _comments(path: Path) -> str:
    """The comment block of a file as one line, wrapping undone."""
    return " ".join(
        line.lstrip("#- ").strip()
        for line in path.read_text().splitlines()
        if line.startswith("#")
    )


def _incident(**fields) -> dict:
    """A small Statuspage incident; ``fields`` override its defaults."""
    incident = {
        "id": "abc123",
        "name": "Elevated errors",
        "status": "resolved",
        "impact": "major",
        "created_at": "2024-03-01T10:05:00.123Z",
        "started_at": "2024-03-01T10:00:00.000Z",
        "resolved_at": "2024-03-01T11:00:00.000Z",
        "monitoring_at": None,
        "shortlink": "https://stspg.io/abc",
        "components": [{"name": "API Requests"}],
        "incident_updates": [
            {
                "status": "investigating",
                "body": "We are looking into errors.",
                "created_at": "2024-03-01T10:05:00Z",
                "display_at": "2024-03-01T10:05:00Z",
            },
            {
                "status": "resolved",
                "body": "Resolved.",
                "created_at": "2024-03-01T11:00:00Z",
                "display_at": "2024-03-01T11:00:00Z",
            },
        ],
    }
    incident.update(fields)
    return incident


def _write_json(folder: Path, name: str, document) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), "utf-8")
    return path


def test_an_incident_maps_to_the_fields_of_the_format(cli, repo):
    result = cli("import", "statuspage", FIXTURES / "00km0kwpz23b.json", "--repo", repo)
    assert result.code == 0, result.err
    data = _written(repo)["statuspage:00km0kwpz23b"]
    assert data["title"] == "Incident with Actions and Git Operations"
    assert data["severity"] == "medium"  # impact "minor" through statuspage_impact
    assert data["status"] == "draft"
    assert data["start_time"] == "2023-01-10T17:04:42Z"
    assert data["detected_time"] == "2023-01-10T17:04:42Z"
    assert data["end_time"] == "2023-01-10T18:14:45Z"
    assert data["duration_minutes"] == 70
    assert data["services_affected"] == ["git-operations", "actions"]
    assert data["references"] == [
        "https://www.githubstatus.com/incidents/00km0kwpz23b",
        "https://stspg.io/xh2z5s3wq1b8",
    ]
    events = data["timeline_events"]
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    assert events[0]["event"].startswith("Investigating: We are investigating")
    assert events[-1]["event"] == "Resolved: This incident has been resolved."
    assert events[1]["impact"] == "Git Operations: partial outage"
    assert (
        data["path"].name == "2023-01-10-incident-with-actions-and-git-operations.yaml"
    )
    assert cli("validate", "--repo", repo).code == 0


def test_the_first_monitoring_update_is_the_mitigation(cli, repo):
    cli("import", "statuspage", FIXTURES / "2k3z9fkr9z5g.json", "--repo", repo)
    data = _written(repo)["statuspage:2k3z9fkr9z5g"]
    assert data["mitigated_time"] == "2020-04-14T00:45:43Z"
    assert data["start_time"] <= data["mitigated_time"] <= data["end_time"]


def test_boilerplate_components_are_dropped(cli, repo):
    cli("import", "statuspage", FIXTURES / "1p369ttzrnqy.json", "--repo", repo)
    data = _written(repo)["statuspage:1p369ttzrnqy"]
    assert data["services_affected"] == ["github"]  # the page's name stands in
    assert "status page's name stands in" in _comments(data["path"])


def test_a_resolution_before_the_start_gives_a_valid_file_that_says_so(cli, repo):
    result = cli("import", "statuspage", FIXTURES / "nk9gdvl03ztg.json", "--repo", repo)
    assert result.code == 0, result.err
    data = _written(repo)["statuspage:nk9gdvl03ztg"]
    assert data["start_time"] == "2020-11-10T20:00:00Z"  # created_at, the earlier
    assert data["end_time"] == data["start_time"]
    text = _comments(data["path"])
    assert "started_at 2020-11-16T09:55:00Z is after created_at" in text
    assert "gives no duration" in text
    assert cli("validate", "--repo", repo).code == 0


def test_dated_lines_of_an_old_update_are_events_and_give_the_end(cli, repo):
    cli("import", "statuspage", FIXTURES / "dh358t05gsk8.json", "--repo", repo)
    data = _written(repo)["statuspage:dh358t05gsk8"]
    assert [e["timestamp"] for e in data["timeline_events"]] == [
        "2013-05-24T18:13:28Z",
        "2013-05-24T18:43:30Z",
        "2013-05-24T19:20:25Z",
    ]
    assert data["timeline_events"][2]["event"] == "Everything operating normally."
    assert data["end_time"] == "2013-05-24T19:20:25Z"
    assert "last time written in the update text" in _comments(data["path"])


def test_a_single_update_without_duration_ends_at_its_start(cli, repo, tmp_path):
    source = _write_json(
        tmp_path,
        "one.json",
        {
            "incident": _incident(
                resolved_at="2024-03-01T10:00:00Z",
                created_at="2024-03-01T10:00:00Z",
                incident_updates=[
                    {
                        "status": "resolved",
                        "body": "Errors on the API.",
                        "display_at": "2024-03-01T10:00:00Z",
                    }
                ],
            )
        },
    )
    assert cli("import", "statuspage", source, "--repo", repo).code == 0
    data = _written(repo)["statuspage:abc123"]
    assert data["end_time"] == data["start_time"] == "2024-03-01T10:00:00Z"
    assert data["duration_minutes"] == 0
    assert data["severity"] == "high"  # impact "major"


def test_a_pages_incident_list_and_a_bare_incident_are_read(cli, repo, tmp_path):
    listing = _write_json(
        tmp_path,
        "incidents.json",
        {
            "page": {"name": "Acme", "url": "https://status.acme.test"},
            "incidents": [_incident(id="one"), _incident(id="two", name="Second")],
        },
    )
    bare = _write_json(tmp_path, "bare.json", _incident(id="three", name="Third"))
    result = cli(
        "import", "statuspage", listing, bare, "--repo", repo, "--format", "json"
    )
    summary = json.loads(result.out)
    assert summary["created"] == 3
    sources = [r["source"] for r in summary["results"]]
    assert sources[:2] == [f"{listing}#one", f"{listing}#two"]
    written = _written(repo)
    assert (
        written["statuspage:one"]["references"][0]
        == "https://status.acme.test/incidents/one"
    )
    assert (
        written["statuspage:two"]["timeline_events"][0]["source"] == "Acme status page"
    )


def test_an_impact_maps_through_the_taxonomy(cli, repo, tmp_path):
    (repo / "schemas").mkdir()
    (repo / "schemas" / "taxonomy.yaml").write_text(
        "statuspage_impact: {critical: critical, major: low, minor: low, none: low}\n"
    )
    source = _write_json(tmp_path, "a.json", _incident())
    cli("import", "statuspage", source, "--repo", repo)
    assert _written(repo)["statuspage:abc123"]["severity"] == "low"


def test_an_unknown_impact_takes_the_severity_option(cli, repo, tmp_path):
    source = _write_json(tmp_path, "a.json", _incident(impact="catastrophic"))
    cli("import", "statuspage", source, "--severity", "critical", "--repo", repo)
    data = _written(repo)["statuspage:abc123"]
    assert data["severity"] == "critical"
    assert "impact 'catastrophic' is not in" in _comments(data["path"])


def test_ids_follow_the_existing_ids_of_the_year(cli, repo, tmp_path):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-pool.yaml")  # INC-2024-001
    first = _write_json(tmp_path, "a.json", _incident(id="a"))
    second = _write_json(tmp_path, "b.json", _incident(id="b", name="Other"))
    cli("import", "statuspage", first, second, "--repo", repo)
    written = _written(repo)
    assert written["statuspage:a"]["incident_id"] == "INC-2024-002"
    assert written["statuspage:b"]["incident_id"] == "INC-2024-003"
    assert cli("validate", "--repo", repo).code == 0


def test_a_reimport_is_skipped_and_force_updates_in_place(cli, repo, tmp_path):
    source = _write_json(tmp_path, "a.json", _incident())
    cli("import", "statuspage", source, "--repo", repo)
    path = _written(repo)["statuspage:abc123"]["path"]
    path.write_text(path.read_text() + "# reviewer notes\n")
    again = cli("import", "statuspage", source, "--repo", repo, "--format", "json")
    assert again.code == 0
    assert json.loads(again.out)["skipped_by_kind"] == {"already_imported": 1}
    assert path.read_text().endswith("# reviewer notes\n")

    _write_json(tmp_path, "a.json", _incident(name="Elevated errors, revised"))
    forced = cli("import", "statuspage", source, "--repo", repo, "--force")
    assert forced.code == 0
    written = _written(repo)
    assert len(written) == 1
    data = written["statuspage:abc123"]
    assert data["title"] == "Elevated errors, revised"
    assert data["incident_id"] == "INC-2024-001"
    assert not path.exists()  # the file follows the new title
    assert "updated INC-2024-001" in forced.out


def test_another_incidents_file_is_never_overwritten(cli, repo, tmp_path):
    taken = repo / "incidents" / "2024" / "2024-03-01-elevated-errors.yaml"
    taken.parent.mkdir(parents=True)
    shutil.copyfile(FORMAT_EXAMPLE, taken)
    before = taken.read_text()
    source = _write_json(tmp_path, "a.json", _incident())
    for flags in ((), ("--force",)):
        result = cli("import", "statuspage", source, "--repo", repo, *flags)
        assert result.code == 0
        assert taken.read_text() == before
    assert (
        _written(repo)["statuspage:abc123"]["path"].name
        == "2024-03-01-elevated-errors-2.yaml"
    )


def test_dry_run_lists_and_writes_nothing(cli, repo):
    result = cli("import", "statuspage", FIXTURES, "--dry-run", "--repo", repo)
    assert result.code == 0
    assert result.out.count("would create ") == 7
    assert not list((repo / "incidents").rglob("*.yaml"))
    assert "would import 7" in result.err


def test_unreadable_files_are_reported_not_raised(cli, repo, tmp_path):
    (tmp_path / "broken.json").write_text('{"incident": ', "utf-8")
    (tmp_path / "latin1.json").write_bytes(b'{"name": "caf\xe9"}')
    (tmp_path / "other.json").write_text('{"hello": "world"}', "utf-8")
    (tmp_path / "notes.txt").write_text("not json", "utf-8")
    result = cli("import", "statuspage", tmp_path, "--repo", repo, "--format", "json")
    assert result.code == 1
    assert "Traceback" not in result.err
    reasons = {
        Path(r["source"]).name: (r["kind"], r["reason"])
        for r in json.loads(result.out)["results"]
    }
    assert reasons["broken.json"][0] == "unreadable"
    assert reasons["broken.json"][1].startswith("not valid JSON")
    assert reasons["latin1.json"] == (
        "unreadable",
        "not UTF-8 text (byte 0xe9 at offset 13)",
    )
    assert reasons["other.json"][0] == "not_an_incident"
    assert reasons["notes.txt"] == ("not_an_incident", "not a .json file")


def test_a_missing_path_is_a_usage_error(cli, repo):
    result = cli("import", "statuspage", repo / "nope.json", "--repo", repo)
    assert result.code == 2
    assert "no such file or folder" in result.err


def test_a_service_outside_the_catalogue_is_reported(cli, repo, tmp_path):
    (repo / "schemas").mkdir()
    (repo / "schemas" / "taxonomy.yaml").write_text("services: [web]\n")
    source = _write_json(tmp_path, "a.json", _incident())
    result = cli("import", "statuspage", source, "--repo", repo, "--format", "json")
    assert result.code == 1
    outcome = json.loads(result.out)["results"][0]
    assert outcome["kind"] == "invalid"
    assert "api-requests" in outcome["reason"]
    assert not list((repo / "incidents").rglob("*.yaml"))


@pytest.mark.parametrize(
    "title",
    [
        "yes",
        "null",
        "2024-01-01",
        ": x",
        "#x",
        "~",
        "- item",
        "a: b",
        "12:30",
        "0x1F",
        "'quoted'",
        "tab\there",
        "ends with colon:",
    ],
)
def test_titles_that_look_like_other_yaml_stay_strings(cli, repo, tmp_path, title):
    source = _write_json(tmp_path, "a.json", _incident(name=title))
    assert cli("import", "statuspage", source, "--repo", repo).code == 0
    data = _written(repo)["statuspage:abc123"]
    assert data["title"] == " ".join(title.split())
    assert cli("validate", "--repo", repo).code == 0


def test_the_file_opens_with_the_modeline_and_what_was_guessed(cli, repo):
    cli("import", "statuspage", FIXTURES / "nk9gdvl03ztg.json", "--repo", repo)
    lines = _written(repo)["statuspage:nk9gdvl03ztg"]["path"].read_text().splitlines()
    assert (
        lines[0] == "# yaml-language-server: $schema=../../schemas/incident.schema.json"
    )
    assert lines[1].startswith("# Imported by `hindsight import statuspage` from")
    guessed = lines.index(
        "# Guessed or derived by the importer; check before the review:"
    )
    assert lines[guessed + 1].startswith("# - start_time:")
    assert lines[lines.index("schema_version: 1") - 1].startswith("#")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_reads_back_from_the_yaml_written(text):
    data = {
        "title": text,
        "impact_description": text,
        "tags": [text],
        "timeline_events": [
            {"timestamp": "2024-01-01T00:00:00Z", "event": text, "details": text}
        ],
    }
    written = dump_incident(data)
    assert load_bytes(written.encode("utf-8"), Path("x.yaml")).data == data


def test_deeply_nested_json_is_skipped_with_a_reason(cli, repo, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = cli("import", "statuspage", deep, "--repo", repo)
    assert result.code == 1
    assert "the JSON nests too deeply" in result.err
    assert "Traceback" not in result.err

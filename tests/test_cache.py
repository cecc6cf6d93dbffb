"""The validation cache: what a second run skips, and what makes it check again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import FORMAT_EXAMPLE, add_incident
from hindsight import cache, pipeline
from hindsight.repository import Repository


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("HINDSIGHT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The names of the files the loader parses, in order."""
    seen: list[str] = []
    real_bytes, real_file = pipeline.load_bytes, pipeline.load_file

    def load_bytes(raw, path):
        seen.append(Path(path).name)
        return real_bytes(raw, path)

    def load_file(path, *args):
        seen.append(Path(path).name)
        return real_file(path, *args)

    monkeypatch.setattr(pipeline, "load_bytes", load_bytes)
    monkeypatch.setattr(pipeline, "load_file", load_file)
    return seen


def check(root: Path, paths=None) -> pipeline.CheckResult:
    return pipeline.check_repository(Repository(root), paths, cache=True, workers=1)


def two_incidents(repo: Path) -> tuple[Path, Path]:
    first = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    second = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-b.yaml")
    second.write_text(second.read_text().replace("INC-2024-001", "INC-2024-002"))
    return first, second


def test_a_second_run_parses_no_unchanged_file(repo, parses):
    two_incidents(repo)
    first = check(repo)
    assert sorted(parses) == ["2024-01-15-a.yaml", "2024-01-15-b.yaml"]
    parses.clear()
    second = check(repo)
    assert parses == []
    assert second.findings == first.findings
    assert [c.valid for c in second.files] == [True, True]


def test_a_changed_file_is_checked_again(repo, parses):
    _, second = two_incidents(repo)
    check(repo)
    parses.clear()
    second.write_text(second.read_text().replace("severity: high", "severity: hihg"))
    result = check(repo)
    assert parses == ["2024-01-15-b.yaml"]
    assert [f.file for f in result.findings if f.severity == "error"] == [
        "incidents/2024/2024-01-15-b.yaml"
    ]
    assert "did you mean `high`?" in result.findings[0].message


def test_a_changed_taxonomy_checks_everything_again(repo, parses):
    two_incidents(repo)
    assert check(repo).ok
    parses.clear()
    (repo / "schemas").mkdir()
    (repo / "schemas" / "taxonomy.yaml").write_text("severities: [sev1, sev2]\n")
    result = check(repo)
    assert len(parses) == 2
    assert any("not one of sev1, sev2" in f.message for f in result.findings)


def test_a_changed_schema_file_checks_everything_again(repo, parses):
    two_incidents(repo)
    check(repo)
    parses.clear()
    (repo / "schemas").mkdir()
    (repo / "schemas" / "incident.schema.json").write_text("{}\n")
    check(repo)
    assert len(parses) == 2


def test_another_version_checks_everything_again(repo, parses, monkeypatch):
    two_incidents(repo)
    check(repo)
    parses.clear()
    monkeypatch.setattr(cache, "__version__", "99.0.0")
    check(repo)
    assert len(parses) == 2
    parses.clear()
    check(repo)
    assert parses == []


def test_unique_ids_are_caught_when_both_files_come_from_the_cache(repo, parses):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-b.yaml")
    check(repo)
    parses.clear()
    result = check(repo)
    assert parses == []
    clashes = [f for f in result.findings if f.rule == "unique-id"]
    assert [(f.file, f.line) for f in clashes] == [
        ("incidents/2024/2024-01-15-a.yaml", 3),
        ("incidents/2024/2024-01-15-b.yaml", 3),
    ]
    assert "also used by incidents/2024/2024-01-15-b.yaml:3" in clashes[0].message


def test_one_named_file_keeps_the_entries_of_the_others(repo, parses):
    first, second = two_incidents(repo)
    check(repo)
    check(repo, [second])
    parses.clear()
    check(repo)
    assert parses == []


def test_cached_findings_name_the_file_they_are_read_for(repo, parses):
    broken = FORMAT_EXAMPLE.read_text().replace("severity: high", "severity: hihg")
    for year in ("2024", "2023"):
        path = repo / "incidents" / year / "2024-01-15-a.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(broken)
    check(repo)
    parses.clear()
    errors = [f for f in check(repo).findings if f.rule == "enum"]
    assert parses == []
    assert [f.file for f in errors] == [
        "incidents/2023/2024-01-15-a.yaml",
        "incidents/2024/2024-01-15-a.yaml",
    ]


def test_the_file_name_rule_sees_each_name(repo):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-a.yaml")
    check(repo)
    add_incident(repo, FORMAT_EXAMPLE, "2023-05-01-a.yaml")
    findings = [f for f in check(repo).findings if f.rule == "file-name"]
    assert [f.file for f in findings] == ["incidents/2024/2023-05-01-a.yaml"]


def test_a_file_that_does_not_load_is_cached_with_its_error(repo, parses):
    broken = repo / "incidents" / "2024" / "2024-02-01-b.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"title: [unclosed\n")
    first = check(repo)
    parses.clear()
    second = check(repo)
    assert parses == []
    assert second.findings == first.findings
    assert second.files[0].valid is False
    assert second.files[0].document is None


def test_a_corrupt_cache_file_is_ignored_and_replaced(repo, parses):
    two_incidents(repo)
    expected = check(repo).findings
    store = cache.cache_file(repo)
    for garbage in (
        b"\x00not json",
        b'{"format": 1, "config": 3}',
        json.dumps(
            {
                "format": 1,
                "config": json.loads(store.read_text())["config"],
                "entries": {"k": [1, 2]},
            }
        ).encode(),
    ):
        store.write_bytes(garbage)
        parses.clear()
        assert check(repo).findings == expected
        assert len(parses) == 2
    parses.clear()
    check(repo)
    assert parses == []


def test_a_malformed_entry_is_a_miss(repo, parses):
    two_incidents(repo)
    check(repo)
    store = cache.cache_file(repo)
    content = json.loads(store.read_text())
    key = next(iter(content["entries"]))
    content["entries"][key] = [True, [["line", 1, "error", "m", "$", "r"]], None, 0]
    store.write_text(json.dumps(content))
    parses.clear()
    result = check(repo)
    assert len(parses) == 1
    assert result.ok


def test_a_cache_that_cannot_be_read_or_written_is_no_error(repo, parses):
    two_incidents(repo)
    store = cache.cache_file(repo)
    store.mkdir(parents=True)  # a folder where the file should be
    assert check(repo).ok
    assert check(repo).ok
    assert len(parses) == 4


def test_no_cache_writes_nothing(cli, repo, cache_dir):
    two_incidents(repo)
    assert cli("validate", "--repo", repo, "--no-cache").code == 0
    assert list(cache_dir.iterdir()) == []
    assert cli("validate", "--repo", repo).code == 0
    assert [p.suffix for p in cache_dir.iterdir()] == [".json"]


def test_no_cache_does_not_read_the_cache(cli, repo, parses):
    two_incidents(repo)
    cli("validate", "--repo", repo)
    parses.clear()
    cli("validate", "--repo", repo, "--no-cache")
    assert len(parses) == 2


def test_the_cache_lives_under_xdg_cache_home(repo, monkeypatch, tmp_path):
    monkeypatch.delenv("HINDSIGHT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    two_incidents(repo)
    check(repo)
    files = list((tmp_path / "xdg" / "hindsight").iterdir())
    assert files == [cache.cache_file(repo)]


def test_each_repository_has_its_own_cache_file(tmp_path):
    assert cache.cache_file(tmp_path / "a") != cache.cache_file(tmp_path / "b")
    assert cache.cache_file(tmp_path / "a") == cache.cache_file(
        tmp_path / "x" / ".." / "a"
    )


def test_edited_checking_code_checks_everything_again(repo, parses, monkeypatch):
    two_incidents(repo)
    check(repo)
    parses.clear()
    monkeypatch.setattr(cache, "_source_digest", lambda: "edited")
    check(repo)
    assert len(parses) == 2


def test_the_code_key_covers_the_rules_the_validator_calls():
    from hindsight.validate import check_structure

    names = {module.__name__ for module in cache.checking_modules()}
    assert {
        "hindsight.load",
        "hindsight.validate",
        "hindsight.readiness",
        check_structure.__module__,
    } <= names
    assert "hindsight.build" not in names


def test_the_cache_folder_keeps_only_the_newest_repositories(
    tmp_path, cache_dir, monkeypatch
):
    monkeypatch.setattr(cache, "MAX_REPOSITORIES", 3)
    mine = cache_dir / "notes.json"
    mine.write_text("{}")
    for number in range(5):
        root = tmp_path / f"repo-{number}"
        (root / "incidents").mkdir(parents=True)
        add_incident(root, FORMAT_EXAMPLE)
        check(root)
        os.utime(cache.cache_file(root), (1_000_000 + number,) * 2)  # in order
    kept = sorted(p for p in cache_dir.iterdir() if p != mine)
    assert kept == sorted(cache.cache_file(tmp_path / f"repo-{n}") for n in (2, 3, 4))
    assert mine.exists()

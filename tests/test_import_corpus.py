"""The whole shared corpus imports into valid files; nothing goes unreported.

The corpus lives next to the repository (``../shared/corpus``); without it
these tests are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hindsight.load import load_file

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")

# The files of each folder that are no incidents, and must be reported as such.
NOT_INCIDENTS = {
    "statuspage-github": {"LICENSE"},
    "markdown-dfds": {"LICENSE", "README.md", "PMyyyy-nnn - Postmortem template.md"},
    "markdown-mybinder": {"LICENSE", "index.md", "template-incident-report.md"},
}


@pytest.mark.parametrize(
    ("command", "folder"),
    [
        ("statuspage", "statuspage-github"),
        ("markdown", "markdown-dfds"),
        ("markdown", "markdown-mybinder"),
    ],
)
def test_a_whole_corpus_imports_into_valid_files(cli, repo, command, folder):
    source = CORPUS / folder
    files = sorted(p for p in source.rglob("*") if p.is_file())
    result = cli("import", command, source, "--repo", repo, "--format", "json")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    summary = json.loads(result.out)

    outcomes = {Path(r["source"]).name: r for r in summary["results"]}
    assert set(outcomes) == {p.name for p in files}  # every file is accounted for
    skipped = {name for name, r in outcomes.items() if r["action"] == "skipped"}
    assert skipped == NOT_INCIDENTS[folder]
    assert all(outcomes[name]["reason"] for name in skipped)
    assert {outcomes[name]["kind"] for name in skipped} == {"not_an_incident"}
    assert summary["imported"] == len(files) - len(skipped)

    written = sorted((repo / "incidents").rglob("*.yaml"))
    assert len(written) == summary["imported"]
    assert cli("validate", "--repo", repo).code == 0
    for path in written[:: max(1, len(written) // 40)]:
        data = load_file(path).data
        assert path.name.startswith(data["start_time"][:10])
        assert data["status"] == "draft"
        text = path.read_text("utf-8")
        assert text.splitlines()[1].startswith("# Imported by `hindsight import")
        assert "# Guessed or derived by the importer" in text

    again = json.loads(
        cli("import", command, source, "--repo", repo, "--format", "json").out
    )
    assert again["imported"] == 0
    assert again["skipped_by_kind"].get("already_imported") == summary["imported"]

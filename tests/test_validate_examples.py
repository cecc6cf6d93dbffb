"""Every rule of the format has a negative example that fails at its line.

Each file in ``examples/invalid`` starts with ``# expect: LINE: WORDS``: the
validator must report an error on that line whose message has those words.
Files in ``examples/valid`` must pass without errors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import EXAMPLES

INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))
VALID = sorted((EXAMPLES / "valid").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+): (.+)$")


def expectation(path: Path) -> tuple[int, str]:
    match = EXPECT.match(path.read_text("utf-8").splitlines()[0])
    assert match, f"{path.name} must start with '# expect: LINE: WORDS'"
    return int(match.group(1)), match.group(2)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_fails_at_its_line(path, cli, repo):
    line, words = expectation(path)
    result = cli("validate", "--repo", repo, "--format", "json", path)
    assert result.code == 1, result.out + result.err
    errors = [f for f in json.loads(result.out) if f["severity"] == "error"]
    matching = [f for f in errors if words in f["message"]]
    assert matching, f"no error mentions {words!r}: {errors}"
    assert [f["line"] for f in matching] == [line]
    assert "Traceback" not in result.err


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_passes(path, cli, repo):
    result = cli("validate", "--repo", repo, "--format", "json", path)
    assert result.code == 0, result.out
    assert [f for f in json.loads(result.out) if f["severity"] == "error"] == []


def test_there_is_a_negative_example_for_each_rule_family():
    names = {p.stem for p in INVALID}
    for family in (
        "timestamp",
        "time-order",
        "duration",
        "readiness",
        "fault-tree",
        "five-whys",
        "fishbone",
        "unknown-key",
        "duplicate",
    ):
        assert any(family in name for name in names), family

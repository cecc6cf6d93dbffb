"""`hindsight diff` on a real git repository with commits that change incidents."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import FORMAT_EXAMPLE


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "PATH": "/usr/bin:/bin",
            "HOME": str(repo),
        },
    ).stdout


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def history(repo):
    """A repository with two incidents in its first commit."""
    git(repo, "init", "-q")
    year = repo / "incidents" / "2024"
    year.mkdir()
    text = FORMAT_EXAMPLE.read_text()
    (year / "2024-01-15-pool.yaml").write_text(text)
    (year / "2024-01-15-other.yaml").write_text(
        text.replace("INC-2024-001", "INC-2024-002").replace(
            "title: Database connection pool exhaustion", "title: Other outage"
        )
    )
    base = commit(repo, "two incidents")
    return repo, base


def test_added_changed_and_removed_incidents(cli, history):
    repo, base = history
    pool = repo / "incidents" / "2024" / "2024-01-15-pool.yaml"
    text = pool.read_text().replace("severity: high", "severity: critical")
    text = text.replace(
        "    status: in_progress\n",
        "    status: completed\n    completed_date: 2024-01-25\n",
    )
    text = text.replace(
        "lessons_learned:",
        "  - id: AI-3\n    title: Load test\n"
        "    owner: qa\n    priority: low\n    due_date: 2024-03-01\n"
        "    status: open\nlessons_learned:",
    )
    pool.write_text(text)
    (repo / "incidents" / "2024" / "2024-01-15-other.yaml").unlink()
    new = FORMAT_EXAMPLE.read_text().replace("INC-2024-001", "INC-2024-003")
    (repo / "incidents" / "2024" / "2024-01-15-third.yaml").write_text(new)
    head = commit(repo, "change")
    result = cli(
        "diff", "--repo", repo, base, head, "--format", "json", "--as-of", "2024-02-10"
    )
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["summary"] == {"added": 1, "changed": 1, "removed": 1}
    changed = [i for i in report["incidents"] if i["change"] == "changed"][0]
    assert changed["incident_id"] == "INC-2024-001"
    assert changed["fields"] == [
        {"field": "severity", "before": "high", "after": "critical"}
    ]
    assert changed["action_items"] == {
        "added": ["AI-3"],
        "removed": [],
        "status_changed": [
            {"id": "AI-2", "before": "in_progress", "after": "completed"}
        ],
    }
    # Before: AI-1 completed and AI-2 in progress (due 2024-01-29) in each of two
    # incidents. After: the pool incident completes AI-2 and adds AI-3 (open, due
    # 2024-03-01); the third incident is a copy of the original.
    assert "open_action_items" not in report["figures"]  # 2 before, 2 after
    markdown = cli("diff", "--repo", repo, base, head, "--as-of", "2024-02-10").out
    assert "| Completion rate | 50% | 60% |" in markdown
    assert "| Overdue action items | 2 | 1 |" in markdown
    assert report["figures"]["overdue_action_items"] == {"before": 2, "after": 1}
    assert report["figures"]["completion_rate"] == {"before": 2 / 4, "after": 3 / 5}


def test_working_tree_is_the_default_head_and_findings_fail(cli, history):
    repo, base = history
    pool = repo / "incidents" / "2024" / "2024-01-15-pool.yaml"
    pool.write_text(pool.read_text().replace("status: reviewed", "status: revieved"))
    result = cli("diff", "--repo", repo, base)
    assert result.code == 1
    assert "did you mean `reviewed`" in result.out
    assert "**0 new, 1 changed, 0 removed** · 1 error(s) to fix" in result.out
    assert "<details>" in result.out


def test_a_renamed_file_is_a_change_not_a_removal(cli, history):
    repo, base = history
    year = repo / "incidents" / "2024"
    (year / "2024-01-15-pool.yaml").rename(year / "2024-01-15-pool-renamed.yaml")
    report = json.loads(cli("diff", "--repo", repo, base, "--format", "json").out)
    assert report["summary"] == {"added": 0, "changed": 1, "removed": 0}
    assert report["incidents"][0]["previous_path"].endswith("pool.yaml")


def test_markdown_escapes_titles_and_links_to_lines(cli, history):
    repo, base = history
    pool = repo / "incidents" / "2024" / "2024-01-15-pool.yaml"
    pool.write_text(
        pool.read_text().replace(
            "title: Database connection pool exhaustion",
            "title: '<img src=x onerror=alert(1)> [click](javascript:alert(1))'",
        )
    )
    result = cli(
        "diff", "--repo", repo, base, "--link-base", "https://github.com/o/r/blob/abc"
    )
    assert "<img" not in result.out and "](javascript" not in result.out
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in result.out
    assert (
        "[incidents/2024/2024-01-15-pool.yaml:1](https://github.com/o/r/blob/abc/"
        "incidents/2024/2024-01-15-pool.yaml#L1)" in result.out
    )


def test_no_changes_says_so(cli, history):
    repo, base = history
    result = cli("diff", "--repo", repo, base, base)
    assert result.code == 0
    assert "No incident file changes." in result.out


def test_unknown_revision_is_a_usage_error(cli, history):
    repo, _base = history
    result = cli("diff", "--repo", repo, "no-such-branch")
    assert result.code == 2
    assert "git:" in result.err

"""`hindsight new` writes a valid draft and never overwrites."""

from __future__ import annotations

from conftest import FORMAT_EXAMPLE, add_incident


def test_new_writes_a_draft_that_validates(cli, repo):
    result = cli(
        "new",
        "Login fails: pool <exhausted>",
        "--severity",
        "high",
        "--services",
        "auth,api",
        "--date",
        "2024-03-05",
        "--repo",
        repo,
    )
    assert result.code == 0, result.err
    path = repo / result.out.strip()
    assert path.name == "2024-03-05-login-fails-pool-exhausted.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/")
    assert 'title: "Login fails: pool <exhausted>"' in text
    assert cli("validate", "--repo", repo).code == 0


def test_new_takes_the_next_free_id_of_the_year(cli, repo):
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-pool.yaml")
    result = cli(
        "new", "Second", "--severity", "low", "--date", "2024-06-01", "--repo", repo
    )
    assert "incident_id: INC-2024-002" in (repo / result.out.strip()).read_text()
    result = cli(
        "new", "Next year", "--severity", "low", "--date", "2025-01-02", "--repo", repo
    )
    assert "incident_id: INC-2025-001" in (repo / result.out.strip()).read_text()


def test_new_never_overwrites(cli, repo):
    args = ("new", "Same", "--severity", "low", "--date", "2024-06-01", "--repo", repo)
    first = cli(*args)
    path = repo / first.out.strip()
    path.write_text(path.read_text() + "# my notes\n")
    second = cli(*args)
    assert second.code == 2
    assert "exists already" in second.err
    assert path.read_text().endswith("# my notes\n")


def test_new_refuses_unknown_severity(cli, repo):
    result = cli("new", "X", "--severity", "urgent", "--repo", repo)
    assert result.code == 2
    assert "not one of critical, high, medium, low" in result.err

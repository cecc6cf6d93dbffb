"""`hindsight init` scaffolds a repository that passes its own checks at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from hindsight.init import INSTALL_PLACEHOLDER
from test_workflows import (
    ACCEPTED_ZIZMOR,
    check_schema,
    ids,
    workflow_problems,
    zizmor_findings,
)

TEMPLATES = ROOT / "tooling" / "hindsight" / "data" / "init" / "workflows"


@pytest.fixture
def scaffold(cli, tmp_path) -> Path:
    target = tmp_path / "postmortems"
    result = cli("init", target)
    assert result.code == 0, result.err
    return target


def test_init_writes_the_whole_scaffold(scaffold):
    names = {str(p.relative_to(scaffold)) for p in scaffold.rglob("*") if p.is_file()}
    for expected in (
        "schemas/incident.schema.json",
        "schemas/taxonomy.yaml",
        ".github/workflows/pull-request.yml",
        ".github/workflows/pr-comment.yml",
        ".github/workflows/publish.yml",
        ".gitignore",
    ):
        assert expected in names
    assert any(name.startswith("incidents/2024/") for name in names)


def test_the_new_repository_validates_and_builds(cli, scaffold):
    result = cli("validate", "--repo", scaffold)
    assert result.code == 0, result.out
    assert (scaffold / "mkdocs.yml").is_file() and (scaffold / "site").is_dir()
    built = cli("build", "--repo", scaffold)
    assert built.code == 0, built.err
    pages = scaffold / "build" / "site"
    assert (pages / "incidents" / "INC-2024-001" / "index.html").is_file()
    assert (pages / "index.html").is_file()


def test_its_workflows_pass_the_same_hardening_checks(scaffold):
    for path in sorted((scaffold / ".github" / "workflows").glob("*.yml")):
        text = path.read_text()
        assert INSTALL_PLACEHOLDER not in text
        assert workflow_problems(path) == []
        assert check_schema(path, "vendor.github-workflows").returncode == 0
        accepted = ACCEPTED_ZIZMOR.get(path.name, set())
        assert ids(zizmor_findings(path, "--no-ignores")) <= accepted


def test_workflow_templates_are_the_projects_own_but_for_the_install(tmp_path):
    for template in sorted(TEMPLATES.glob("*.yml")):
        own = (ROOT / ".github" / "workflows" / template.name).read_text()
        assert (
            template.read_text()
            .replace(INSTALL_PLACEHOLDER + '"', ".")
            .replace('install "', "install ")
            == own
        ), template.name


def test_init_never_overwrites(cli, scaffold):
    readme = scaffold / "README.md"
    readme.write_text("mine\n")
    result = cli("init", scaffold)
    assert result.code == 0
    assert readme.read_text() == "mine\n"
    assert "kept existing" in result.err

"""Shared test helpers: run the CLI in-process, make repositories."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from hindsight.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).resolve().parent / "examples"
FORMAT_EXAMPLE = EXAMPLES / "valid" / "2024-01-15-example-from-format.yaml"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Keep validation caches of the tests out of the user's cache folder."""
    monkeypatch.setenv("HINDSIGHT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``hindsight`` in-process; returns code, stdout and stderr."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def run(*args: str) -> Run:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty postmortem repository with an ``incidents/`` folder."""
    (tmp_path / "incidents").mkdir()
    return tmp_path


def add_incident(repo: Path, source: Path, name: str | None = None) -> Path:
    """Copy an incident file into ``repo/incidents/<year>/``."""
    target = repo / "incidents" / "2024" / (name or source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target

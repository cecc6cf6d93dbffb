"""Checking in worker processes gives exactly what checking in-process gives."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hindsight import pipeline
from hindsight.load import load_file
from hindsight.repository import Repository

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="worker processes are forked on Linux"
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Repository:
    """About 300 synthetic incidents, 40 of them with one mistake each."""
    root = tmp_path_factory.mktemp("generated")
    generate.make_repository(root, 300, seed=7, broken=40)
    return Repository(root)


def summary(result: pipeline.CheckResult) -> list[tuple]:
    return [(c.name, c.valid, c.identity, c.findings) for c in result.files]


def test_the_generated_repository_has_every_kind_of_finding(generated):
    rules = {f.rule for f in pipeline.check_repository(generated, workers=1).findings}
    assert {
        "load",
        "enum",
        "timestamp",
        "unique-id",
        "unknown-key",
        "time-order",
        "empty",
    } <= rules


def test_workers_find_exactly_what_one_process_finds(generated):
    alone = pipeline.check_repository(generated, workers=1)
    pooled = pipeline.check_repository(generated, workers=2)
    assert pooled.findings == alone.findings
    assert summary(pooled) == summary(alone)
    assert sum(not c.valid for c in pooled.files) >= 30


def test_large_runs_use_workers_and_small_ones_do_not():
    assert pipeline.worker_count(pipeline.PARALLEL_FROM - 1) == 1
    assert pipeline.worker_count(5000, 3) == 3
    assert pipeline.worker_count(2, 8) == 2
    assert pipeline.worker_count(5000, 1) == 1


def test_named_files_checked_by_workers_see_the_whole_repository(generated):
    names = generated.incident_files()[:250]
    alone = pipeline.check_repository(generated, names, workers=1)
    pooled = pipeline.check_repository(generated, names, workers=2)
    assert pooled.findings == alone.findings
    assert len(pooled.files) == 250


def test_workers_and_the_cache_agree_with_one_process(generated, tmp_path, monkeypatch):
    monkeypatch.setenv("HINDSIGHT_CACHE_DIR", str(tmp_path))
    alone = pipeline.check_repository(generated, workers=1)
    cold = pipeline.check_repository(generated, cache=True, workers=2)
    warm = pipeline.check_repository(generated, cache=True, workers=2)
    assert cold.findings == alone.findings == warm.findings
    assert summary(warm) == summary(alone)


def test_records_from_workers_equal_records_from_one_process(generated):
    _, alone = pipeline.load_records(generated, workers=1)
    _, pooled = pipeline.load_records(generated, workers=2)
    assert [r.name for r in pooled] == [r.name for r in alone]
    assert [r.data for r in pooled] == [r.data for r in alone]
    assert [r.analysis.to_dict() for r in pooled] == [
        r.analysis.to_dict() for r in alone
    ]
    assert len(pooled) >= 250


def test_a_document_checked_by_a_worker_is_read_when_asked_for(generated):
    result = pipeline.check_repository(generated, workers=2)
    valid = next(c for c in result.files if c.valid)
    assert valid.document is not None
    assert valid.data == load_file(valid.path).data
    assert valid.incident().incident_id == valid.identity[0]
    broken = next(c for c in result.files if not c.loaded)
    assert broken.document is None


def test_display_names_are_what_the_repository_shows(tmp_path):
    root = tmp_path / "repo"
    (root / "incidents" / "2024").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plain = root / "incidents" / "2024" / "a.yaml"
    outside = elsewhere / "b.yaml"
    for path in (plain, outside):
        path.write_text("x: 1\n")
    linked_file = root / "incidents" / "2024" / "c.yaml"
    linked_file.symlink_to(outside)
    linked_folder = root / "incidents" / "2023"
    linked_folder.symlink_to(root / "incidents" / "2024")
    repo = Repository(root)
    paths = [
        plain,
        outside,
        linked_file,
        linked_folder / "a.yaml",
        root / "incidents" / ".." / "incidents" / "2024" / "a.yaml",
    ]
    assert pipeline.display_names(repo, paths) == [repo.display(p) for p in paths]


def test_a_process_running_other_threads_checks_in_process():
    import threading

    from hindsight.pipeline import PARALLEL_FROM, worker_count

    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        assert worker_count(PARALLEL_FROM * 10) == 1
        assert worker_count(PARALLEL_FROM * 10, 2) == 2  # asked for explicitly
    finally:
        stop.set()
        helper.join()

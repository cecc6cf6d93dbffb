"""The one place that wires the stages: load, validate, analyze, and on.

Commands in :mod:`hindsight.cli` parse arguments and print; everything they
run goes through here, so that ``validate``, ``build``, ``trends`` and
``diff`` see the same files with the same findings.

Many files are checked in a pool of forked worker processes, one per core,
each sent chunks of files; only what the report needs comes back (findings,
the incident id and its line, and for :func:`load_records` the data), never
the parsed node trees. A run of fewer than :data:`PARALLEL_FROM` files stays
in this process, where starting workers would cost more than it saves.
With ``cache=True`` a file whose bytes were checked before under the same
configuration is not parsed at all (see :mod:`hindsight.cache`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyze import IncidentAnalysis, analyze_incident
from .cache import Entry, ResultCache, cache_file, config_key, content_key
from .findings import ERROR, Finding, has_errors
from .load import MAX_FILE_BYTES, Document, LoadError, load_bytes, load_file
from .model import Incident
from .repository import Repository, find_incident_files
from .schema import build_schema
from .validate import Validator, check_repository_ids, scan_incident_id

log = logging.getLogger("hindsight")

PARALLEL_FROM = 200
"""Runs of fewer files than this are checked in this process."""

Identity = tuple[str, int]
"""A file's incident id and the line it is on."""


class Checked:
    """One file after loading and validation.

    ``document`` is the parsed file. A check made by worker processes or
    answered from the cache does not keep it: the file is parsed again when
    ``document`` is first asked for. ``data`` is kept where the caller
    asked for it (:func:`load_records`).
    """

    def __init__(
        self,
        path: Path,
        name: str,
        document: Document | None,
        findings: list[Finding],
        *,
        loaded: bool | None = None,
        data: dict[str, Any] | None = None,
        identity: Identity | None = None,
    ) -> None:
        self.path = path
        self.name = name
        self.findings = findings
        self.loaded = document is not None if loaded is None else loaded
        self._document = document
        self._data = data
        self._identity = identity if document is None else _identity(document)

    def __repr__(self) -> str:
        return f"Checked({self.name!r}, loaded={self.loaded}, {self.findings!r})"

    @property
    def document(self) -> Document | None:
        if self._document is None and self.loaded:
            with contextlib.suppress(LoadError):
                self._document = load_file(self.path)
        return self._document

    @property
    def identity(self) -> Identity | None:
        """The incident id and its line, when the file loaded and has one."""
        return self._identity

    @property
    def valid(self) -> bool:
        return self.loaded and not has_errors(self.findings)

    @property
    def data(self) -> dict[str, Any]:
        if self._data is not None:
            return self._data
        document = self.document
        assert document is not None
        return document.data

    def incident(self) -> Incident:
        return Incident.from_data(self.data)


@dataclass
class CheckResult:
    """Every file checked, and every finding, in file order."""

    files: list[Checked] = field(default_factory=list)
    repository_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        found = [f for checked in self.files for f in checked.findings]
        found.extend(self.repository_findings)
        return sorted(found, key=lambda f: (f.file, f.line, f.column, f.message))

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def valid_files(self) -> list[Checked]:
        return [c for c in self.files if c.valid]


@dataclass
class IncidentRecord:
    """A valid incident with its typed model and its analysis."""

    path: Path
    name: str
    data: dict[str, Any]
    incident: Incident
    analysis: IncidentAnalysis

    @property
    def incident_id(self) -> str:
        return self.incident.incident_id


def records_of(result: CheckResult, repo: Repository) -> list[IncidentRecord]:
    """The valid incidents of a check, each analyzed, newest first."""
    records = [_record(checked, repo) for checked in result.valid_files()]
    return _newest_first(records)


def _record(checked: Checked, repo: Repository) -> IncidentRecord:
    return IncidentRecord(
        path=checked.path,
        name=checked.name,
        data=checked.data,
        incident=checked.incident(),
        analysis=analyze_incident(checked.data, repo.taxonomy),
    )


def _newest_first(records: list[IncidentRecord]) -> list[IncidentRecord]:
    records.sort(key=lambda r: (r.incident.start_time, r.incident_id), reverse=True)
    return records


def load_records(
    repo: Repository,
    paths: list[Path] | None = None,
    repository_rules: bool = True,
    *,
    workers: int | None = None,
) -> tuple[CheckResult, list[IncidentRecord]]:
    """Validate the repository and analyze every valid incident.

    Incidents are analyzed here while the workers go on parsing the rest.
    """
    records: list[IncidentRecord] = []

    def analyze(checked: Checked) -> None:
        if checked.valid:
            records.append(_record(checked, repo))

    result = _check(repo, paths, repository_rules, _Run(False, workers, True), analyze)
    return result, _newest_first(records)


def check_file(path: Path, name: str, validator: Validator) -> Checked:
    """Load and validate one file; a broken file becomes a finding."""
    try:
        document = load_file(path)
    except LoadError as error:
        return Checked(path, name, None, [load_finding(name, error)])
    return Checked(path, name, document, validator.check(document, name))


def check_repository(
    repo: Repository,
    paths: list[Path] | None = None,
    repository_rules: bool = True,
    *,
    cache: bool = False,
    workers: int | None = None,
) -> CheckResult:
    """Validate ``paths`` (default: every incident file) and the unique-id rule.

    When only some files are named, the unique-id rule still looks at every
    incident file of the repository, reading just their ``incident_id`` line;
    ``repository_rules=False`` leaves it out (to analyze one file alone).
    ``cache`` reuses the results of files checked before; ``workers`` is the
    number of processes (default: one per core for large runs; 1 checks in
    this process).
    """
    return _check(repo, paths, repository_rules, _Run(cache, workers, False), None)


# Running a check -------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    cache: bool
    workers: int | None
    keep_data: bool


def _check(
    repo: Repository,
    paths: list[Path] | None,
    repository_rules: bool,
    run: _Run,
    each: Callable[[Checked], None] | None,
) -> CheckResult:
    started = time.perf_counter()
    targets = find_incident_files(paths) if paths else repo.incident_files()
    result = CheckResult()
    with _gc_paused():
        for checked in _checked_files(repo, targets, run, partial=bool(paths)):
            result.files.append(checked)
            if each is not None:
                each(checked)
    if repository_rules:
        result.repository_findings = _unique_ids(repo, result, partial=bool(paths))
    log.debug(
        "checked %d file(s) in %.2f s", len(targets), time.perf_counter() - started
    )
    return result


def _checked_files(
    repo: Repository, targets: list[Path], run: _Run, partial: bool
) -> Iterator[Checked]:
    """Each target checked, in order: from the cache, else here or by workers."""
    names = display_names(repo, targets)
    store = _open_cache(repo) if run.cache else None
    keys, known, jobs = _look_up(store, targets, names)
    outcomes = _outcomes(jobs, repo, run) if jobs else iter(())
    for index, (path, name) in enumerate(zip(targets, names, strict=True)):
        entry, data = known.get(index), None
        if entry is None:
            entry, data = next(outcomes)
            if store and keys[index]:
                store.put(keys[index], entry)
        yield _from_entry(path, name, entry, data)
    if store:
        store.save(keep_unused=partial)


def _look_up(
    store: ResultCache | None, targets: list[Path], names: list[str]
) -> tuple[list[str | None], dict[int, Entry], list[_Job]]:
    """Each file's cache key, the entries found, and the files left to check."""
    keys: list[str | None] = []
    known: dict[int, Entry] = {}
    jobs: list[_Job] = []
    for index, (path, name) in enumerate(zip(targets, names, strict=True)):
        raw, key = _read_for_cache(path) if store else (None, None)
        entry = store.get(key) if store and key else None
        keys.append(key)
        if entry is None:
            jobs.append((os.fspath(path), name, raw))
        else:
            known[index] = entry
    if store:
        log.debug("cache: %d of %d file(s) known", len(known), len(targets))
    return keys, known, jobs


def _open_cache(repo: Repository) -> ResultCache:
    extra = ""
    with contextlib.suppress(OSError):
        extra = repo.schema_path.read_text("utf-8", errors="replace")
    config = config_key(build_schema(repo.taxonomy), repo.taxonomy.digest_source, extra)
    return ResultCache(cache_file(repo.root), config)


def _read_for_cache(path: Path) -> tuple[bytes | None, str | None]:
    """The bytes and cache key of a file; (None, None) leaves it to the loader."""
    text = os.fspath(path)
    try:
        fd = os.open(text, os.O_RDONLY)
    except OSError:
        return None, None
    try:
        raw = _read_at_most(fd, MAX_FILE_BYTES + 1)
    except OSError:
        return None, None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        return None, None
    return raw, content_key(raw, text)


def _read_at_most(fd: int, limit: int) -> bytes:
    parts = []
    while limit > 0 and (part := os.read(fd, limit)):
        parts.append(part)
        limit -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _from_entry(
    path: Path, name: str, entry: Entry, data: dict[str, Any] | None
) -> Checked:
    findings = [Finding(name, *fields) for fields in entry.findings]
    identity = None
    if entry.incident_id is not None:
        identity = (entry.incident_id, entry.id_line)
    return Checked(
        path, name, None, findings, loaded=entry.loaded, data=data, identity=identity
    )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while results pile up.

    Thousands of documents kept alive make every collection walk them all;
    what the check leaves as cyclic garbage is collected afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Checking files, here or in workers ------------------------------------------

_Job = tuple[str, str, bytes | None]
"""A file to check: its path, its display name, and its bytes if read."""

_Outcome = tuple[Entry, dict[str, Any] | None]
"""What checking one file gives: its entry, and its data if asked for."""

_WORKER: tuple[Validator, bool] | None = None
"""The validator and the keep-data flag of this worker process."""


def _outcomes(jobs: list[_Job], repo: Repository, run: _Run) -> Iterator[_Outcome]:
    """The outcome of each job, in order."""
    validator = Validator(repo.taxonomy)
    count = worker_count(len(jobs), run.workers)
    if count <= 1:
        for job in jobs:
            yield _check_job(job, validator, run.keep_data)
        return
    context = multiprocessing.get_context("fork")
    gc.freeze()  # the workers inherit the parent's objects; leave them untouched
    try:
        pool = context.Pool(count, _start_worker, (validator, run.keep_data))
    finally:
        gc.unfreeze()
    with pool:
        for outcomes in pool.imap(_check_chunk, _chunks(jobs, count)):
            yield from outcomes


def worker_count(files: int, workers: int | None = None) -> int:
    """How many processes check ``files`` files (1: this process alone)."""
    if not sys.platform.startswith("linux"):
        return 1  # forking is only safe on Linux; elsewhere stay in-process
    if workers is None:
        if files < PARALLEL_FROM or threading.active_count() > 1:
            # Forking a process that runs other threads (the preview server,
            # say) can copy a lock one of them holds; stay in-process then.
            return 1
        workers = _cores()
    return max(1, min(workers, files))


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _chunks(jobs: list[_Job], workers: int) -> Iterator[list[_Job]]:
    size = max(8, min(100, len(jobs) // (workers * 16)))
    for start in range(0, len(jobs), size):
        yield jobs[start : start + size]


def _start_worker(validator: Validator, keep_data: bool) -> None:
    global _WORKER
    _WORKER = (validator, keep_data)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent only


def _check_chunk(jobs: list[_Job]) -> list[_Outcome]:
    assert _WORKER is not None, "the pool's initializer sets the validator"
    validator, keep_data = _WORKER
    with _gc_paused():
        outcomes = [_check_job(job, validator, keep_data) for job in jobs]
    return outcomes


def _check_job(job: _Job, validator: Validator, keep_data: bool) -> _Outcome:
    path_text, name, raw = job
    path = Path(path_text)
    try:
        document = load_file(path) if raw is None else load_bytes(raw, path)
    except LoadError as error:
        finding = load_finding(name, error)
        return Entry(False, (_fields(finding),), None, 0), None
    findings = tuple(_fields(f) for f in validator.check(document, name))
    ident, line = _identity(document) or (None, 0)
    return Entry(True, findings, ident, line), document.data if keep_data else None


def _fields(finding: Finding) -> tuple[int, int, str, str, str, str]:
    return (
        finding.line,
        finding.column,
        finding.severity,
        finding.message,
        finding.path,
        finding.rule,
    )


def load_finding(name: str, error: LoadError) -> Finding:
    """The finding of a file that cannot be loaded, at its line (1 at least)."""
    return Finding(
        name,
        max(error.line, 1),
        max(error.column, 1),
        ERROR,
        error.message,
        "$",
        "load",
    )


def _identity(document: Document) -> Identity | None:
    ident = document.data.get("incident_id")
    if not isinstance(ident, str):
        return None
    return ident, document.position(("incident_id",))[0]


# Repository-wide rules -------------------------------------------------------


def _unique_ids(repo: Repository, result: CheckResult, partial: bool) -> list[Finding]:
    """Findings of ids used twice; a partial run reads the other files' ids."""
    ids: list[tuple[str, str, int]] = []
    checked = {c.name for c in result.files}
    for item in result.files:
        if item.identity is not None:
            ids.append((item.identity[0], item.name, item.identity[1]))
    others = repo.incident_files() if partial else []
    for path, name in zip(others, display_names(repo, others), strict=True):
        if name in checked:
            continue
        try:
            found = scan_incident_id(path.read_text("utf-8", errors="replace"))
        except OSError:
            continue
        if found:
            ids.append((found[0], name, found[1]))
    return check_repository_ids(ids, checked)


def display_names(repo: Repository, paths: Sequence[Path]) -> list[str]:
    """``repo.display(path)`` of each path, resolving each folder only once."""
    root = os.path.realpath(repo.root)
    prefix = root if root.endswith(os.sep) else root + os.sep
    folders: dict[str, str] = {}
    names = []
    for path in paths:
        text = os.fspath(path)
        if os.path.islink(text):
            names.append(repo.display(path))
            continue
        folder, base = os.path.split(text)
        real = folders.get(folder)
        if real is None:
            real = folders[folder] = os.path.realpath(folder or ".")
        resolved = os.path.join(real, base)
        names.append(
            resolved[len(prefix) :] if resolved.startswith(prefix) else str(path)
        )
    return names

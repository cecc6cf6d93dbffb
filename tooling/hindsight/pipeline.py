"""The one place that wires the stages: load, validate, analyze, and on.

Commands in :mod:`hindsight.cli` parse arguments and print; everything they
run goes through here, so that ``validate``, ``build``, ``trends`` and
``diff`` see the same files with the same findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyze import IncidentAnalysis, analyze_incident
from .findings import ERROR, Finding, has_errors
from .load import Document, LoadError, load_file
from .model import Incident
from .repository import Repository, find_incident_files
from .validate import Validator, check_repository_ids, scan_incident_id


@dataclass
class Checked:
    """One file after loading and validation."""

    path: Path
    name: str
    document: Document | None
    findings: list[Finding]

    @property
    def valid(self) -> bool:
        return self.document is not None and not has_errors(self.findings)

    @property
    def data(self) -> dict[str, Any]:
        assert self.document is not None
        return self.document.data

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
    records = []
    for checked in result.valid_files():
        records.append(
            IncidentRecord(
                path=checked.path,
                name=checked.name,
                data=checked.data,
                incident=checked.incident(),
                analysis=analyze_incident(checked.data, repo.taxonomy),
            )
        )
    records.sort(key=lambda r: (r.incident.start_time, r.incident_id), reverse=True)
    return records


def load_records(
    repo: Repository, paths: list[Path] | None = None, repository_rules: bool = True
) -> tuple[CheckResult, list[IncidentRecord]]:
    """Validate the repository and analyze every valid incident."""
    result = check_repository(repo, paths, repository_rules)
    return result, records_of(result, repo)


def check_file(path: Path, name: str, validator: Validator) -> Checked:
    """Load and validate one file; a broken file becomes a finding."""
    try:
        document = load_file(path)
    except LoadError as error:
        finding = Finding(name, max(error.line, 1), max(error.column, 1), ERROR,
                          error.message, "$", "load")
        return Checked(path, name, None, [finding])
    return Checked(path, name, document, validator.check(document, name))


def check_repository(
    repo: Repository, paths: list[Path] | None = None, repository_rules: bool = True
) -> CheckResult:
    """Validate ``paths`` (default: every incident file) and the unique-id rule.

    When only some files are named, the unique-id rule still looks at every
    incident file of the repository, reading just their ``incident_id`` line;
    ``repository_rules=False`` leaves it out (to analyze one file alone).
    """
    validator = Validator(repo.taxonomy)
    targets = find_incident_files(paths) if paths else repo.incident_files()
    result = CheckResult()
    for path in targets:
        result.files.append(check_file(path, repo.display(path), validator))
    if repository_rules:
        result.repository_findings = _unique_ids(repo, result)
    return result


def _unique_ids(repo: Repository, result: CheckResult) -> list[Finding]:
    ids: list[tuple[str, str, int]] = []
    checked = {c.name for c in result.files}
    for item in result.files:
        if item.document is None:
            continue
        ident = item.document.data.get("incident_id")
        if isinstance(ident, str):
            line, _col = item.document.position(("incident_id",))
            ids.append((ident, item.name, line))
    for path in repo.incident_files():
        name = repo.display(path)
        if name in checked:
            continue
        try:
            found = scan_incident_id(path.read_text("utf-8", errors="replace"))
        except OSError:
            continue
        if found:
            ids.append((found[0], name, found[1]))
    return check_repository_ids(ids, checked)

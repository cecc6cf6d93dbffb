"""What a change does to the incidents: the reviewer's summary of a diff.

Two revisions of a repository (git revisions, or the working tree) are
read file by file; incidents are matched by ``incident_id`` so that a
renamed file is a change, not a removal and an addition. For each changed
incident the summary lists the fields that moved, the root causes and
action items added, removed or with a new status, the validation and
readiness findings of its new version, and how the trend report's headline
figures over the whole history move with the change.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from typing import Any

from . import mdtext
from .analyze import analyze_incident
from .findings import Finding
from .load import Document, LoadError, load_bytes
from .model import TIMESTAMP_RE, Incident, parse_timestamp
from .pipeline import IncidentRecord, load_finding
from .repository import INCIDENT_SUFFIXES, Repository
from .taxonomy import Taxonomy
from .trends_figures import Period, figures, headline, number_text
from .trends_text import HEADLINE_LABELS
from .validate import Validator

WORKTREE = None
"""The revision that stands for the files on disk."""

TRACKED_FIELDS = (
    "title",
    "severity",
    "status",
    "kind",
    "start_time",
    "detected_time",
    "acknowledged_time",
    "mitigated_time",
    "end_time",
    "duration_minutes",
    "services_affected",
)


class DiffError(Exception):
    """A revision that git cannot read."""


@dataclass
class Version:
    """One incident file at one revision."""

    path: str
    document: Document | None
    findings: list[Finding]

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data if self.document else {}

    @property
    def incident_id(self) -> str:
        ident = self.data.get("incident_id")
        return ident if isinstance(ident, str) else f"file:{self.path}"


@dataclass
class IncidentChange:
    """How one incident differs between the two revisions."""

    incident_id: str
    kind: str  # added, removed, changed
    before: Version | None
    after: Version | None
    fields: list[dict[str, Any]] = field(default_factory=list)
    root_causes: dict[str, list[str]] = field(default_factory=dict)
    action_items: dict[str, list[Any]] = field(default_factory=dict)
    readiness: dict[str, Any] | None = None

    @property
    def findings(self) -> list[Finding]:
        return self.after.findings if self.after else []

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "change": self.kind,
            "path": (self.after or self.before).path,  # type: ignore[union-attr]
            "previous_path": self.before.path if self.before else None,
            "title": (self.after or self.before).data.get("title"),  # type: ignore
            "fields": self.fields,
            "root_causes": self.root_causes,
            "action_items": self.action_items,
            "readiness": self.readiness,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class DiffReport:
    base: str
    head: str
    changes: list[IncidentChange]
    figures: dict[str, dict[str, Any]]

    @property
    def has_errors(self) -> bool:
        return any(change.errors for change in self.changes)

    def to_dict(self) -> dict[str, Any]:
        count = {
            k: sum(c.kind == k for c in self.changes)
            for k in ("added", "changed", "removed")
        }
        return {
            "base": self.base,
            "head": self.head,
            "summary": count,
            "incidents": [c.to_dict() for c in self.changes],
            "figures": self.figures,
        }


# Reading revisions -----------------------------------------------------------


def _git(repo: Repository, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo.root), *args], capture_output=True, check=True
        )
    except FileNotFoundError:
        raise DiffError("git is not installed") from None
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffError(message[-1] if message else "git failed") from None
    return done.stdout


def _is_incident(path: str) -> bool:
    return path.startswith("incidents/") and path.endswith(INCIDENT_SUFFIXES)


def read_revision(repo: Repository, revision: str | None) -> dict[str, bytes]:
    """The bytes of every incident file at ``revision`` (None: the work tree)."""
    if revision is WORKTREE:
        return {repo.display(p): p.read_bytes() for p in repo.incident_files()}
    _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    listing = _git(
        repo, "ls-tree", "-r", "-z", "--name-only", revision, "--", "incidents"
    )
    files = {}
    for name in listing.decode("utf-8", "surrogateescape").split("\0"):
        if name and _is_incident(name):
            files[name] = _git(repo, "show", f"{revision}:{name}")
    return files


def _versions(files: dict[str, bytes], validator: Validator | None) -> list[Version]:
    versions = []
    for name, raw in sorted(files.items()):
        try:
            document = load_bytes(raw, Path(name))
        except LoadError as error:
            versions.append(Version(name, None, [load_finding(name, error)]))
            continue
        findings = validator.check(document, name) if validator else []
        versions.append(Version(name, document, findings))
    return versions


# Comparing -------------------------------------------------------------------


def _by_id(items: Any) -> dict[str, dict[str, Any]]:
    return {
        entry["id"]: entry
        for entry in (items if isinstance(items, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    }


def _compare(before: Version, after: Version) -> IncidentChange:
    change = IncidentChange(after.incident_id, "changed", before, after)
    old, new = before.data, after.data
    for key in TRACKED_FIELDS:
        if old.get(key) != new.get(key):
            change.fields.append(
                {"field": key, "before": old.get(key), "after": new.get(key)}
            )
    causes_old, causes_new = (
        _by_id(old.get("root_causes")),
        _by_id(new.get("root_causes")),
    )
    change.root_causes = {
        "added": sorted(set(causes_new) - set(causes_old)),
        "removed": sorted(set(causes_old) - set(causes_new)),
    }
    items_old, items_new = (
        _by_id(old.get("action_items")),
        _by_id(new.get("action_items")),
    )
    moved = [
        {
            "id": ident,
            "before": items_old[ident].get("status"),
            "after": items_new[ident].get("status"),
        }
        for ident in sorted(set(items_old) & set(items_new))
        if items_old[ident].get("status") != items_new[ident].get("status")
    ]
    change.action_items = {
        "added": sorted(set(items_new) - set(items_old)),
        "removed": sorted(set(items_old) - set(items_new)),
        "status_changed": moved,
    }
    return change


def _unchanged(before: Version, after: Version) -> bool:
    return (
        before.data == after.data
        and before.path == after.path
        and bool(before.document)
    )


def compare(before: list[Version], after: list[Version]) -> list[IncidentChange]:
    """The incidents added, removed or changed from ``before`` to ``after``."""
    old = {v.incident_id: v for v in before}
    new = {v.incident_id: v for v in after}
    changes = []
    for ident in sorted(set(old) | set(new)):
        if ident not in old:
            changes.append(IncidentChange(ident, "added", None, new[ident]))
        elif ident not in new:
            changes.append(IncidentChange(ident, "removed", old[ident], None))
        elif not _unchanged(old[ident], new[ident]):
            changes.append(_compare(old[ident], new[ident]))
    return changes


# Figures ---------------------------------------------------------------------


def headline_figures(
    versions: list[Version], taxonomy: Taxonomy, period: Period
) -> dict[str, Any]:
    """The trend report's headline figures over the valid incidents."""
    records = [
        IncidentRecord(
            Path(v.path),
            v.path,
            v.data,
            Incident.from_data(v.data),
            analyze_incident(v.data, taxonomy),
        )
        for v in versions
        if v.document and _counts(v)
    ]
    return headline(figures(records, period, taxonomy.severities))


def _counts(version: Version) -> bool:
    """Whether an incident counts in the figures: well-formed data.

    A file whose status asks for more than it has (a readiness error) is
    still a well-formed incident, and the figures count it; any other error
    leaves it out.
    """
    return not any(
        f.severity == "error" and f.rule != "readiness" for f in version.findings
    )


def whole_history(versions: list[Version], as_of: date) -> Period:
    """A period from the earliest incident of ``versions`` to the latest day."""
    days = [as_of]
    for version in versions:
        start = version.data.get("start_time")
        if isinstance(start, str) and TIMESTAMP_RE.match(start.strip()):
            days.append(parse_timestamp(start).astimezone(UTC).date())
    return Period(min(days), max(days), as_of)


def diff_revisions(
    repo: Repository, base: str, head: str | None, as_of: date
) -> DiffReport:
    """Compare two revisions of ``repo``; ``head`` None is the work tree."""
    validator = Validator(repo.taxonomy)
    before = _versions(read_revision(repo, base), validator)
    after = _versions(read_revision(repo, head), validator)
    changes = compare(before, after)
    for change in changes:
        if change.after and change.after.document and not change.errors:
            readiness = analyze_incident(change.after.data, repo.taxonomy).readiness
            change.readiness = readiness.to_dict()
    period = whole_history(before + after, as_of)
    old = headline_figures(before, repo.taxonomy, period)
    new = headline_figures(after, repo.taxonomy, period)
    figures = {
        name: {"before": old[name], "after": new[name]}
        for name in old
        if old[name] != new[name]
    }
    return DiffReport(base, head or "working tree", changes, figures)


# Markdown for a pull-request comment -----------------------------------------


def _where(path: str, line: int, link_base: str | None) -> str:
    label = f"{path}:{line}"
    if link_base:
        return mdtext.link(label, f"{link_base.rstrip('/')}/{path}#L{line}")
    return f"`{label}`"


def _figure(name: str, value: Any) -> str:
    if name == "completion_rate" and value is not None:
        return f"{value:.0%}"
    return number_text(value)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(mdtext.cell(v) for v in value) or "—"
    return "—" if value is None else mdtext.cell(value)


def diff_markdown(report: DiffReport, link_base: str | None = None) -> str:
    """The summary as Markdown: short first, details in collapsible sections."""
    counts = report.to_dict()["summary"]
    errors = sum(len(c.errors) for c in report.changes)
    lines = ["## hindsight: incidents in this change", ""]
    if not report.changes:
        lines.append("No incident file changes.")
    else:
        lead = (
            f"**{counts['added']} new, {counts['changed']} changed, "
            f"{counts['removed']} removed**"
        )
        state = f"{errors} error(s) to fix" if errors else "all changed files valid"
        lines += [
            f"{lead} · {state}",
            "",
            "| | Incident | Title | Status | Findings |",
            "|---|---|---|---|---|",
        ]
        marks = {"added": "🆕", "changed": "✏️", "removed": "🗑️"}
        for change in report.changes:
            version = change.after or change.before
            assert version is not None
            status = version.data.get("status", "—")
            found = (
                f"{len(change.errors)} error(s)"
                if change.errors
                else f"{len(change.findings)} warning(s)"
                if change.findings
                else "—"
            )
            ident = mdtext.cell(change.incident_id)
            title = mdtext.cell(version.data.get("title", ""))
            lines.append(
                f"| {marks[change.kind]} {change.kind} | {ident} | {title} "
                f"| {_value(status)} | {found} |"
            )
    if report.figures:
        lines += [
            "",
            "Trend figures over the whole history that this change moves:",
            "",
            "| Figure | Before | After |",
            "|---|---|---|",
        ]
        for name, moved in report.figures.items():
            before, after = (
                _figure(name, moved["before"]),
                _figure(name, moved["after"]),
            )
            label = HEADLINE_LABELS[name].capitalize()
            lines.append(f"| {label} | {before} | {after} |")
    for change in report.changes:
        lines += ["", *_details(change, link_base)]
    return "\n".join(lines) + "\n"


def _details(change: IncidentChange, link_base: str | None) -> list[str]:
    version = change.after or change.before
    assert version is not None
    title = mdtext.text(version.data.get("title", version.path))
    lines = [
        "<details>",
        f"<summary>{mdtext.text(change.incident_id)}: {title} ({change.kind})"
        "</summary>",
        "",
        f"File: {_where(version.path, 1, link_base)}",
        "",
    ]
    if change.fields:
        lines += ["| Field | Before | After |", "|---|---|---|"]
        lines += [
            f"| `{f['field']}` | {_value(f['before'])} | {_value(f['after'])} |"
            for f in change.fields
        ]
        lines.append("")
    for noun, moved in (
        ("Root causes", change.root_causes),
        ("Action items", change.action_items),
    ):
        for verb in ("added", "removed"):
            if moved.get(verb):
                ids = ", ".join(mdtext.text(i) for i in moved[verb])
                lines.append(f"- {noun} {verb}: {ids}")
        for item in moved.get("status_changed", []):
            lines.append(
                f"- Action item {mdtext.text(item['id'])}: "
                f"{_value(item['before'])} → {_value(item['after'])}"
            )
    if change.findings:
        lines += ["", "Findings:", ""]
        for finding in change.findings:
            lines.append(
                f"- **{finding.severity}** "
                f"{_where(finding.file, finding.line, link_base)}: "
                f"{mdtext.message(finding.message)}"
            )
    readiness = change.readiness
    if readiness and readiness.get("next_status"):
        todo = readiness["missing_for_next"]
        lines += [
            "",
            f"To move to `{readiness['next_status']}`: "
            + ("; ".join(mdtext.message(m) for m in todo) or "nothing more needed"),
        ]
    lines += ["", "</details>"]
    return lines

"""Validate incident files: the schema, every rule of the format, readiness.

:meth:`Validator.check` returns every finding of one parsed file: its
schema errors (put into words by :mod:`hindsight.schema_errors`) and every
rule of the format beyond the schema: time order, duration, ids and the
references between them, the service catalogue, the five whys, the fault
tree's structure and the readiness of the file's status.
:func:`check_repository_ids` adds the repository-wide rule that incident
ids are unique.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import fastjsonschema
import jsonschema

from . import readiness
from .faulttree import check_structure
from .findings import ERROR, WARNING, Finding, json_path
from .load import Document, JsonPath
from .model import (
    TIMESTAMP_RE,
    minutes_between,
    parse_timestamp,
)
from .repository import scan_incident_id  # noqa: F401  (used by importers)
from .schema import build_schema
from .schema_errors import did_you_mean, translate
from .taxonomy import Taxonomy

TIME_ORDER = (
    "start_time",
    "detected_time",
    "acknowledged_time",
    "mitigated_time",
    "end_time",
)


class Validator:
    """Checks documents against one taxonomy and the schema built from it."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.schema = build_schema(taxonomy)
        self._fast = fastjsonschema.compile(_for_fastjsonschema(self.schema))
        self._full = jsonschema.Draft202012Validator(self.schema)

    def check(self, document: Document, name: str) -> list[Finding]:
        """Every finding of one document; ``name`` is how the file is shown."""
        report = _Report(document, name)
        data = document.data
        if not self._schema_ok(data):
            for error in self._full.iter_errors(data):
                translate(error, report, self.taxonomy)
        _check_rules(data, report, self.taxonomy)
        return sorted(set(report.findings), key=lambda f: (f.line, f.column, f.message))

    def _schema_ok(self, data: dict[str, Any]) -> bool:
        try:
            self._fast(data)
        except fastjsonschema.JsonSchemaException:
            return False
        return True


def _for_fastjsonschema(schema: dict[str, Any]) -> dict[str, Any]:
    """fastjsonschema knows drafts up to 7; the keywords used are the same."""
    copy = dict(schema)
    copy["$schema"] = "http://json-schema.org/draft-07/schema#"
    copy["definitions"] = copy.pop("$defs")
    text = json.dumps(copy).replace('"#/$defs/', '"#/definitions/')
    return json.loads(text)


class _Report:
    def __init__(self, document: Document, name: str) -> None:
        self.document = document
        self.name = name
        self.findings: list[Finding] = []

    def add(
        self,
        path: JsonPath,
        message: str,
        rule: str,
        severity: str = ERROR,
        at_key: bool = False,
    ) -> None:
        if at_key and path:
            line, column = self.document.key_position(path)
        else:
            line, column = self.document.position(path)
        self.findings.append(
            Finding(self.name, line, column, severity, message, json_path(path), rule)
        )


# Rules beyond the schema -----------------------------------------------------


def _check_rules(data: dict[str, Any], report: _Report, taxonomy: Taxonomy) -> None:
    times = _parsed_times(data)
    _time_order(times, report)
    _duration(data, times, report)
    root_cause_ids = _unique_ids(data, "root_causes", "root cause", report)
    _unique_ids(data, "action_items", "action item", report)
    _related_root_causes(data, root_cause_ids, report)
    _completed_dates(data, report)
    _services(data, report, taxonomy)
    _five_whys(data, report, taxonomy)
    _fault_tree(data, report)
    _readiness(data, report, taxonomy)
    _file_name(data, report)


def _parsed_times(data: dict[str, Any]) -> dict[str, Any]:
    times = {}
    for key in TIME_ORDER:
        value = data.get(key)
        if isinstance(value, str) and TIMESTAMP_RE.match(value.strip()):
            try:
                times[key] = parse_timestamp(value)
            except ValueError:
                continue
    return times


def _time_order(times: dict[str, Any], report: _Report) -> None:
    present = [key for key in TIME_ORDER if key in times]
    for earlier, later in zip(present, present[1:], strict=False):
        if times[later] < times[earlier]:
            report.add(
                (later,),
                f"`{later}` ({times[later].isoformat()}) is before `{earlier}` "
                f"({times[earlier].isoformat()}); times must run start <= detected "
                "<= acknowledged <= mitigated <= end",
                "time-order",
            )


def _duration(data: dict[str, Any], times: dict[str, Any], report: _Report) -> None:
    given = data.get("duration_minutes")
    if not isinstance(given, int) or isinstance(given, bool):
        return
    if "start_time" not in times or "end_time" not in times:
        return
    actual = minutes_between(times["start_time"], times["end_time"])
    if given != actual:
        report.add(
            ("duration_minutes",),
            f"`duration_minutes` is {given} but start_time to end_time is {actual} "
            f"whole minutes; write {actual} or remove the field",
            "duration",
        )


def _unique_ids(data: dict[str, Any], key: str, noun: str, report: _Report) -> set[str]:
    seen: dict[str, int] = {}
    entries = data.get(key)
    if not isinstance(entries, list):
        return set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        ident = entry["id"]
        if ident in seen:
            report.add(
                (key, index, "id"),
                f"{noun} id `{ident}` is used twice (first at entry "
                f"{seen[ident] + 1}); ids are unique within an incident",
                "duplicate-id",
            )
        else:
            seen[ident] = index
    return set(seen)


def _related_root_causes(data: dict[str, Any], ids: set[str], report: _Report) -> None:
    items = data.get("action_items")
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        related = item.get("related_root_causes") if isinstance(item, dict) else None
        if not isinstance(related, list):
            continue
        for position, name in enumerate(related):
            if isinstance(name, str) and name not in ids:
                known = ", ".join(sorted(ids)) or "none are defined"
                report.add(
                    ("action_items", index, "related_root_causes", position),
                    f"action item {item.get('id', index + 1)} names root cause "
                    f"`{name}`, which this incident does not have (root causes: "
                    f"{known}){did_you_mean(name, ids)}",
                    "unknown-root-cause",
                )


def _completed_dates(data: dict[str, Any], report: _Report) -> None:
    items = data.get("action_items")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        done = item.get("completed_date")
        if done is not None and item.get("status") != "completed":
            report.add(
                ("action_items", index, "completed_date"),
                f"action item {item.get('id')} has a `completed_date` but its status "
                f"is {item.get('status')}",
                "completed-date",
                WARNING,
            )
        if done is None and item.get("status") == "completed":
            report.add(
                ("action_items", index, "status"),
                f"action item {item.get('id')} is completed; add `completed_date`",
                "completed-date",
                WARNING,
            )


def _services(data: dict[str, Any], report: _Report, taxonomy: Taxonomy) -> None:
    catalogue = taxonomy.services
    services = data.get("services_affected")
    if not catalogue or not isinstance(services, list):
        return
    for index, service in enumerate(services):
        if isinstance(service, str) and service not in catalogue:
            report.add(
                ("services_affected", index),
                f"service `{service}` is not in the taxonomy's service catalogue"
                + (did_you_mean(service, catalogue) or "; add it to `services:`"),
                "service",
            )


def _five_whys(data: dict[str, Any], report: _Report, taxonomy: Taxonomy) -> None:
    analysis = data.get("analysis")
    chain = analysis.get("five_whys") if isinstance(analysis, dict) else None
    if not isinstance(chain, list) or not chain:
        return
    path = ("analysis", "five_whys")
    if all(isinstance(step, str) for step in chain):
        if len(chain) % 2:
            report.add(
                (*path, len(chain) - 1),
                "the five-whys chain ends with a question that has no answer; "
                "plain strings alternate question and answer",
                "five-whys",
            )
        depth = len(chain) // 2
    else:
        depth = len(chain)
    minimum = int(taxonomy.analyzer_options("five_whys").get("min_depth", 5))
    if depth < minimum:
        report.add(
            path,
            f"the five-whys chain stops at {depth} why(s); asking until {minimum} "
            "usually reaches a cause the organisation can fix",
            "five-whys-depth",
            WARNING,
        )


def _fault_tree(data: dict[str, Any], report: _Report) -> None:
    analysis = data.get("analysis")
    if not isinstance(analysis, dict) or "fault_tree" not in analysis:
        return
    tree = analysis["fault_tree"]
    if tree is None:
        return
    for problem in check_structure(tree):
        report.add(
            ("analysis", "fault_tree", *problem.path),
            problem.message,
            "fault-tree",
            problem.severity,
        )


def _readiness(data: dict[str, Any], report: _Report, taxonomy: Taxonomy) -> None:
    status = data.get("status")
    if status not in readiness.STATUSES:
        return
    for path, message in readiness.missing_for(status, data, taxonomy):
        report.add(path, f"status `{status}` needs more: {message}", "readiness")


def _file_name(data: dict[str, Any], report: _Report) -> None:
    start = data.get("start_time")
    name = report.document.path.name
    if "incidents" not in report.document.path.parts[:-1]:
        return  # the naming rule is about files in a repository's incidents/
    if not isinstance(start, str) or not TIMESTAMP_RE.match(start.strip()):
        return
    day = start.strip()[:10]
    if not name.startswith(day):
        report.add(
            ("start_time",),
            f"the file name `{name}` should start with the start date `{day}` "
            f"(incidents/{day[:4]}/{day}-<slug>.yaml)",
            "file-name",
            WARNING,
        )


# Repository-wide rules -------------------------------------------------------


def check_repository_ids(
    ids: Sequence[tuple[str, str, int]], reported: set[str]
) -> list[Finding]:
    """Findings for incident ids used by several files.

    ``ids`` holds ``(incident_id, file, line)`` for every file of the
    repository; findings are made for the files in ``reported``.
    """
    by_id: dict[str, list[tuple[str, int]]] = {}
    for ident, file, line in ids:
        by_id.setdefault(ident, []).append((file, line))
    findings = []
    for ident, places in by_id.items():
        if len(places) < 2:
            continue
        for file, line in places:
            if file not in reported:
                continue
            others = ", ".join(f"{f}:{n}" for f, n in places if f != file)
            findings.append(
                Finding(
                    file,
                    line,
                    1,
                    ERROR,
                    f"incident id `{ident}` is also used by {others}; "
                    "ids must be unique across the repository",
                    "$.incident_id",
                    "unique-id",
                )
            )
    return findings

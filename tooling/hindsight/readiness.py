"""Review readiness: what an incident needs before it may hold a status.

Statuses are ordered (draft, in_review, reviewed, closed); each needs what
the statuses before it need, and the requirements the taxonomy's readiness
policy lists for it. Every requirement is a rule registered in
:data:`REQUIREMENTS` with its id, the check, and a docstring that the docs
show. A check reads the plain data of a document and returns the paths and
messages of what is missing, so the validator can point at a line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .model import STATUSES
from .taxonomy import Taxonomy

Missing = list[tuple[tuple[str | int, ...], str]]
Check = Callable[[dict[str, Any], Taxonomy], Missing]

REQUIREMENTS: dict[str, Check] = {}


def requirement(rule_id: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        REQUIREMENTS[rule_id] = check
        return check

    return register


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _items(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [
        (i, a) for i, a in enumerate(_list(data, "action_items")) if isinstance(a, dict)
    ]


@requirement("timeline_event")
def _timeline(data: dict[str, Any], _t: Taxonomy) -> Missing:
    """At least one timeline event."""
    if _list(data, "timeline_events"):
        return []
    return [(("timeline_events",), "add at least one entry to `timeline_events`")]


@requirement("analysis_or_root_causes")
def _analysis(data: dict[str, Any], _t: Taxonomy) -> Missing:
    """An `analysis` block or at least one root cause."""
    if data.get("analysis") or _list(data, "root_causes"):
        return []
    return [
        (
            (),
            "add an `analysis` block (five whys, fishbone or fault tree) "
            "or `root_causes`",
        )
    ]


@requirement("root_cause")
def _root_cause(data: dict[str, Any], _t: Taxonomy) -> Missing:
    """At least one root cause under `root_causes`."""
    if _list(data, "root_causes"):
        return []
    return [(("root_causes",), "add at least one entry to `root_causes`")]


@requirement("action_item_when_severe")
def _severe_item(data: dict[str, Any], taxonomy: Taxonomy) -> Missing:
    """At least one action item when the severity is one of the severe ones."""
    severe = taxonomy.readiness.get("severe_severities", [])
    if data.get("severity") not in severe or _list(data, "action_items"):
        return []
    return [
        (
            ("action_items",),
            f"a {data.get('severity')} incident needs at least one action item",
        )
    ]


@requirement("action_items_owned_and_dated")
def _owned(data: dict[str, Any], _t: Taxonomy) -> Missing:
    """Every action item has an `owner` and a `due_date`."""
    missing: Missing = []
    for index, item in _items(data):
        for key in ("owner", "due_date"):
            if not item.get(key):
                label = item.get("id", f"#{index + 1}")
                missing.append(
                    (("action_items", index), f"action item {label} needs `{key}`")
                )
    return missing


@requirement("review_date")
def _review_date(data: dict[str, Any], _t: Taxonomy) -> Missing:
    """The review's `date`."""
    review = data.get("review")
    if isinstance(review, dict) and review.get("date"):
        return []
    return [(("review",), "add `review.date`, the day of the review meeting")]


@requirement("review_attendees")
def _attendees(data: dict[str, Any], _t: Taxonomy) -> Missing:
    """The review's `attendees`."""
    review = data.get("review")
    if isinstance(review, dict) and review.get("attendees"):
        return []
    return [(("review",), "add `review.attendees`, who took part in the review")]


@requirement("lesson_learned")
def _lesson(data: dict[str, Any], _t: Taxonomy) -> Missing:
    """At least one lesson learned."""
    if _list(data, "lessons_learned"):
        return []
    return [(("lessons_learned",), "add at least one entry to `lessons_learned`")]


@requirement("action_items_done")
def _done(data: dict[str, Any], _t: Taxonomy) -> Missing:
    """Every action item `completed` or `cancelled`."""
    return [
        (
            ("action_items", index, "status"),
            f"action item {item.get('id', index + 1)} is {item.get('status')}; "
            "complete or cancel it before closing",
        )
        for index, item in _items(data)
        if item.get("status") not in ("completed", "cancelled")
    ]


@dataclass(frozen=True)
class Readiness:
    """Whether an incident meets its status, and what the next one needs."""

    status: str
    ready: bool
    missing: list[str]
    next_status: str | None
    missing_for_next: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "ready": self.ready,
            "missing": self.missing,
            "next_status": self.next_status,
            "missing_for_next": self.missing_for_next,
        }


def rules_for(status: str, taxonomy: Taxonomy) -> list[str]:
    """Every requirement of ``status``, inherited ones first."""
    statuses = taxonomy.readiness["statuses"]
    rules: list[str] = []
    for name in STATUSES:
        rules.extend(r for r in statuses.get(name) or [] if r not in rules)
        if name == status:
            break
    return rules


def missing_for(status: str, data: dict[str, Any], taxonomy: Taxonomy) -> Missing:
    """What ``data`` lacks to hold ``status``, with the path of each."""
    found: Missing = []
    for rule in rules_for(status, taxonomy):
        found.extend(REQUIREMENTS[rule](data, taxonomy))
    return found


def evaluate(data: dict[str, Any], taxonomy: Taxonomy) -> Readiness:
    """The readiness of an incident for its status and for the next one."""
    status = data.get("status") if data.get("status") in STATUSES else "draft"
    missing = [m for _p, m in missing_for(status, data, taxonomy)]
    position = STATUSES.index(status)
    next_status = STATUSES[position + 1] if position + 1 < len(STATUSES) else None
    missing_next = []
    if next_status:
        missing_next = [m for _p, m in missing_for(next_status, data, taxonomy)]
    return Readiness(status, not missing, missing, next_status, missing_next)

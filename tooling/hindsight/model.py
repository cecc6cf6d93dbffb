"""The incident model: typed records for every field of an incident file.

These dataclasses are the single description of the format. The JSON
Schema in ``schemas/incident.schema.json`` is generated from them by
:mod:`hindsight.schema`, so the two cannot drift; the other stages read
incidents through :func:`Incident.from_data` once a file has validated.
Each field's ``doc`` becomes the description editors show on hover.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal, NewType

Url = NewType("Url", str)
"""An ``http`` or ``https`` URL."""

STATUSES = ("draft", "in_review", "reviewed", "closed")
KINDS = ("incident", "near_miss")
PRIORITIES = ("high", "medium", "low")
ITEM_STATUSES = ("open", "in_progress", "completed", "cancelled")
LEVELS = ("high", "medium", "low")

Status = Literal["draft", "in_review", "reviewed", "closed"]
Kind = Literal["incident", "near_miss"]
Priority = Literal["high", "medium", "low"]
ItemStatus = Literal["open", "in_progress", "completed", "cancelled"]
Level = Literal["high", "medium", "low"]
Gate = Literal["and", "or"]

TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"[ \t]*(Z|z|[+-]\d{2}(?::?\d{2})?)$"
)
"""RFC 3339 with an offset; YAML's space separator is accepted too."""

NAIVE_TIMESTAMP_RE = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}([Tt]|[ \t]+)\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"
)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL_RE = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#.][^\s]*$")


def doc(text: str, **extra: Any) -> Any:
    """A field's description (and schema hints) for the generated schema."""
    return {"doc": text, **extra}


def parse_timestamp(text: str) -> datetime:
    """An offset-aware datetime from a timestamp string of the format."""
    match = TIMESTAMP_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a timestamp with an offset")
    body = text.strip().replace("t", "T").replace("z", "Z")
    body = re.sub(r"[ \t]+(?=[Z+-]\d|Z$)", "", body)
    body = body.replace(" ", "T", 1)
    offset = match.group(8)
    if offset not in ("Z", "z") and ":" not in offset:
        hours, minutes = offset[:3], offset[3:] or "00"
        body = body[: -len(offset)] + f"{hours}:{minutes}"
    return datetime.fromisoformat(body.replace("Z", "+00:00"))


def parse_date(text: str) -> date:
    """A date from ``YYYY-MM-DD``."""
    if not DATE_RE.match(text):
        raise ValueError(f"{text!r} is not a YYYY-MM-DD date")
    return date.fromisoformat(text)


@dataclass
class TimelineEvent:
    """Something that happened during the incident, at a moment in time."""

    timestamp: datetime = field(metadata=doc("When it happened, with an offset."))
    event: str = field(metadata=doc("What happened, in one line.", min_length=1))
    source: str | None = field(
        default=None, metadata=doc("Who or what reported it: a person, a bot.")
    )
    details: str | None = field(default=None, metadata=doc("More about the event."))
    impact: str | None = field(default=None, metadata=doc("What users saw then."))


@dataclass
class WhyStep:
    """One step of a five-whys chain."""

    question: str = field(metadata=doc("The why asked.", min_length=1))
    answer: str = field(metadata=doc("Its answer.", min_length=1))


@dataclass
class FaultTreeNode:
    """An event of a fault tree: a gate over children, or a basic event."""

    event: str = field(metadata=doc("What happens at this node.", min_length=1))
    gate: Gate | None = field(
        default=None,
        metadata=doc("`and` or `or` over the children; leaves have none."),
    )
    children: list[FaultTreeNode] | None = field(
        default=None, metadata=doc("The events under this gate.", min_items=1)
    )
    id: str | None = field(
        default=None,
        metadata=doc(
            "Names a basic event; the same id in two places is the same event.",
            min_length=1,
        ),
    )
    probability: float | None = field(
        default=None,
        metadata=doc("Probability of a basic event, in [0, 1].", minimum=0, maximum=1),
    )


@dataclass
class Analysis:
    """The root-cause analysis: five whys, fishbone and fault tree."""

    impact_level: str | None = field(
        default=None,
        metadata=doc(
            "How large the impact was, on the severity scale.", enum="severities"
        ),
    )
    five_whys: list[WhyStep] | list[str] | None = field(
        default=None,
        metadata=doc(
            "A chain of whys: {question, answer} pairs, or plain strings "
            "alternating question and answer. The final answer is the root cause.",
            min_items=1,
        ),
    )
    fishbone: dict[str, list[str]] | None = field(
        default=None,
        metadata=doc(
            "Causes by fishbone category (people, process, technology, "
            "environment by default).",
            key_enum="fishbone_categories",
        ),
    )
    fault_tree: FaultTreeNode | None = field(
        default=None, metadata=doc("The fault tree; its root is the top event.")
    )


@dataclass
class RootCause:
    """A cause that, removed, would have prevented or shortened the incident."""

    id: str = field(
        metadata=doc("Unique within the incident, e.g. RC-1.", min_length=1)
    )
    category: str = field(
        metadata=doc("One of the taxonomy's root-cause categories.", enum="categories")
    )
    description: str = field(metadata=doc("What the cause was.", min_length=1))
    contributing_factors: list[str] | None = field(
        default=None, metadata=doc("What made it possible or worse.")
    )
    evidence: list[str] | None = field(
        default=None, metadata=doc("What shows it: metrics, logs, commits.")
    )
    likelihood: Level | None = field(
        default=None, metadata=doc("How likely it is to recur: high, medium, low.")
    )
    impact: Level | None = field(
        default=None, metadata=doc("How much it contributed: high, medium, low.")
    )


@dataclass
class ActionItem:
    """Work agreed in the review to prevent recurrence or limit impact."""

    id: str = field(
        metadata=doc("Unique within the incident, e.g. AI-1.", min_length=1)
    )
    title: str = field(metadata=doc("What will be done, in one line.", min_length=1))
    priority: Priority = field(metadata=doc("high, medium or low."))
    status: ItemStatus = field(
        metadata=doc("open, in_progress, completed or cancelled.")
    )
    owner: str | None = field(
        default=None,
        metadata=doc(
            "Who is responsible: a team or a person. Required from `reviewed` on.",
            min_length=1,
        ),
    )
    due_date: date | None = field(
        default=None,
        metadata=doc("When it is due, YYYY-MM-DD. Required from `reviewed` on."),
    )
    description: str | None = field(default=None, metadata=doc("More detail."))
    estimated_effort: str | None = field(
        default=None, metadata=doc("Rough effort, e.g. `2 days`.")
    )
    success_criteria: str | None = field(
        default=None, metadata=doc("How everyone will know it worked.")
    )
    related_root_causes: list[str] | None = field(
        default=None, metadata=doc("Ids of the root causes this item addresses.")
    )
    tracking_url: Url | None = field(
        default=None, metadata=doc("The ticket or pull request that tracks it.")
    )
    completed_date: date | None = field(
        default=None, metadata=doc("When it was completed, YYYY-MM-DD.")
    )


@dataclass
class Review:
    """The post-incident review meeting."""

    date: date = field(metadata=doc("When the review took place, YYYY-MM-DD."))
    attendees: list[str] = field(metadata=doc("Who took part.", min_items=1))
    duration_minutes: int | None = field(
        default=None, metadata=doc("How long the review took.", minimum=0)
    )
    follow_up_date: date | None = field(
        default=None, metadata=doc("When to look at the action items again.")
    )


@dataclass
class Incident:
    """One incident and its review."""

    schema_version: Literal[1] = field(metadata=doc("The format version: 1."))
    incident_id: str = field(
        metadata=doc(
            "Unique across the repository, e.g. INC-2024-001.", pattern="incident_id"
        )
    )
    title: str = field(metadata=doc("A short title.", min_length=1))
    severity: str = field(
        metadata=doc("One of the taxonomy's severities.", enum="severities")
    )
    status: Status = field(
        metadata=doc("Review status: draft, in_review, reviewed or closed.")
    )
    start_time: datetime = field(metadata=doc("When impact began, with an offset."))
    end_time: datetime = field(metadata=doc("When the incident was resolved."))
    impact_description: str = field(
        metadata=doc("What users and the business saw.", min_length=1)
    )
    services_affected: list[str] = field(
        metadata=doc("The services that were affected.", min_items=1)
    )
    detected_time: datetime | None = field(
        default=None, metadata=doc("When someone or something noticed.")
    )
    acknowledged_time: datetime | None = field(
        default=None, metadata=doc("When a responder took the incident.")
    )
    mitigated_time: datetime | None = field(
        default=None, metadata=doc("When impact stopped.")
    )
    duration_minutes: int | None = field(
        default=None,
        metadata=doc(
            "Whole minutes from start_time to end_time; checked when given.",
            minimum=0,
        ),
    )
    kind: Kind = field(
        default="incident",
        metadata=doc("`incident`, or `near_miss` when customers saw no impact."),
    )
    tags: list[str] | None = field(default=None, metadata=doc("Free-form tags."))
    references: list[Url] | None = field(
        default=None, metadata=doc("http(s) links: the write-up, dashboards, chats.")
    )
    timeline_events: list[TimelineEvent] | None = field(
        default=None, metadata=doc("What happened, in order.")
    )
    analysis: Analysis | None = field(
        default=None, metadata=doc("Five whys, fishbone and fault tree.")
    )
    root_causes: list[RootCause] | None = field(
        default=None, metadata=doc("The root causes the review agreed on.")
    )
    action_items: list[ActionItem] | None = field(
        default=None, metadata=doc("The work agreed to prevent recurrence.")
    )
    lessons_learned: list[str] | None = field(
        default=None, metadata=doc("What the organisation learned.")
    )
    review: Review | None = field(default=None, metadata=doc("The review meeting."))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Incident:
        """Build the typed record from a document's validated data."""
        return _build(cls, data)

    @property
    def duration(self) -> int:
        """Whole minutes from start to end."""
        return minutes_between(self.start_time, self.end_time)

    @property
    def is_near_miss(self) -> bool:
        return self.kind == "near_miss"


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end``, rounded down."""
    return int((end - start).total_seconds() // 60)


def _build(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for item in fields(cls):
        if item.name in data:
            values[item.name] = _convert(hints[item.name], data[item.name])
    return cls(**values)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _convert(options[0], value)
        for option in options:  # list[WhyStep] | list[str]: pick by shape
            inner = typing.get_args(option)
            if inner and isinstance(value, list) and value:
                wants_map = isinstance(inner[0], type) and hasattr(
                    inner[0], "__dataclass_fields__"
                )
                if wants_map == isinstance(value[0], dict):
                    return _convert(option, value)
        return value
    if origin is list:
        return [_convert(args[0], item) for item in value]
    if origin is dict:
        return {key: _convert(args[1], item) for key, item in value.items()}
    if hint is datetime:
        return parse_timestamp(value)
    if hint is date:
        return parse_date(value)
    if isinstance(hint, type) and hasattr(hint, "__dataclass_fields__"):
        return _build(hint, value)
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, globalns=globals())
    return _HINTS[cls]


def model_hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a model class, for schema generation."""
    return _hints(cls)

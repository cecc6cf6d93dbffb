"""Evidence: what ``hindsight collect`` reads about an incident, in shared terms.

Evidence is read for the incident's *window*, ``start_time - margin`` to
``end_time + margin``. What a source finds that belongs in the timeline is
a :class:`CollectedEvent`: a timeline event with the key that identifies it
(the alarm, its new state and the time; or the log group and the pattern).
Written into the file, the event's ``details`` end with a *marker*,
``[collect <12 hex digits>]``, a digest of that key, by which a later run
knows the event as its own.

Every time collect writes is UTC, to the second: ``2024-01-15T14:34:00Z``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .model import parse_timestamp

ALARM_SOURCE = "cloudwatch-alarm"
LOGS_SOURCE = "cloudwatch-logs"
_MARKER = re.compile(r"\[collect ([0-9a-f]{12})\]\s*$")


class CollectError(Exception):
    """Collecting cannot go on; the message is one line for the user."""


@dataclass(frozen=True)
class Window:
    """The stretch of time read from every source."""

    start: datetime
    end: datetime

    def to_dict(self) -> dict[str, str]:
        return {"start": iso(self.start), "end": iso(self.end)}


@dataclass(frozen=True)
class CollectedEvent:
    """A timeline event found in a source, with the key that identifies it."""

    key: tuple[str, ...]
    timestamp: datetime
    event: str
    source: str
    text: str

    @property
    def marker(self) -> str:
        """The digest of the event's key, written at the end of ``details``."""
        return digest(*self.key)

    def fields(self) -> dict[str, Any]:
        """The event as written into the timeline."""
        return {
            "timestamp": self.timestamp,
            "event": self.event,
            "source": self.source,
            "details": f"{self.text} [collect {self.marker}]",
        }


def marker_of(details: Any) -> str | None:
    """The marker at the end of a timeline event's ``details``, if any."""
    found = _MARKER.search(details) if isinstance(details, str) else None
    return found.group(1) if found else None


def digest(*parts: str) -> str:
    """Twelve hex digits that stand for ``parts``, the same on every run."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:12]


def utc(moment: datetime) -> datetime:
    """An AWS timestamp in UTC, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """``2024-01-15T14:34:00Z``: how collect writes every time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def when(value: Any) -> datetime | None:
    """A timestamp as read from YAML (datetime or text) with its offset."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None


def metrics_path_for(path: Path) -> Path:
    """Where the collected data of the incident file ``path`` is stored."""
    return path.with_name(f"{path.stem}.metrics.json")

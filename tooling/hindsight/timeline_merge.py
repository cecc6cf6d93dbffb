"""Merging collected evidence into an incident's timeline and detected_time.

A timeline event whose ``details`` end with collect's marker is collect's
own (:mod:`hindsight.evidence`): a later run updates it and never adds it
twice. Every other event is left exactly as written, and an event is not
added when one with the same timestamp, source and text is already there
(a copy a person took over by deleting the marker). New events go before
the first later event, so an ordered timeline stays ordered; an own event
whose time moved past a neighbour is taken out and put in again at its new
place. Own events are never deleted, even when their source no longer
reports them.

``detected_time`` is proposed from the first alarm that went to ALARM: set
when missing and the time order allows it, never changed when present.

All edits go through :class:`~hindsight.edit.Editor`, so only the lines of
the events that change are written.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from .edit import Editor
from .evidence import CollectedEvent, iso, marker_of, when
from .model import Incident

TIMELINE = "timeline_events"
# Top-level keys that come before `timeline_events` in the model's order.
_FIELDS = [item.name for item in dataclass_fields(Incident)]
_BEFORE_TIMELINE = tuple(_FIELDS[: _FIELDS.index(TIMELINE)])
_AFTER_DETECTED = ("acknowledged_time", "mitigated_time", "end_time")


def merge_timeline(editor: Editor, events: list[CollectedEvent]) -> tuple[int, int]:
    """Add or update collected events in the editor's text.

    Returns how many events were added and how many of collect's own were
    updated.
    """
    added = updated = 0
    for event in sorted(events, key=lambda e: (e.timestamp, e.event)):
        items = _timeline(editor)
        index = _own_index(items, event.marker)
        if index is not None:
            updated += _update(editor, index, event)
        elif not _already_there(items, event):
            _insert(editor, event)
            added += 1
    return added, updated


def _timeline(editor: Editor) -> list[Any]:
    items = editor.get((TIMELINE,), None)
    return items if isinstance(items, list) else []


def _own_index(items: list[Any], marker: str) -> int | None:
    for index, item in enumerate(items):
        details = item.get("details") if isinstance(item, dict) else None
        if marker_of(details) == marker:
            return index
    return None


def _already_there(items: list[Any], event: CollectedEvent) -> bool:
    return any(
        isinstance(item, dict)
        and when(item.get("timestamp")) == event.timestamp
        and item.get("source") == event.source
        and item.get("event") == event.event
        for item in items
    )


def _update(editor: Editor, index: int, event: CollectedEvent) -> bool:
    """Bring own event ``index`` up to date; True when its text changed."""
    current = _timeline(editor)[index]
    if when(current.get("timestamp")) != event.timestamp:
        if not _fits_at(_timeline(editor), index, event.timestamp):
            editor.remove((TIMELINE, index))
            _insert(editor, event)
            return True
    changed = False
    for key, value in event.fields().items():
        old = current.get(key)
        same = when(old) == value if key == "timestamp" else old == value
        if not same:
            editor.set((TIMELINE, index, key), value)
            changed = True
    return changed


def _fits_at(items: list[Any], index: int, timestamp: datetime) -> bool:
    """Whether ``timestamp`` keeps the order of the events around ``index``."""
    before = [when(i.get("timestamp")) for i in items[:index] if isinstance(i, dict)]
    after = [
        when(i.get("timestamp")) for i in items[index + 1 :] if isinstance(i, dict)
    ]
    earlier = [t for t in before if t is not None]
    later = [t for t in after if t is not None]
    return (not earlier or earlier[-1] <= timestamp) and (
        not later or timestamp <= later[0]
    )


def _insert(editor: Editor, event: CollectedEvent) -> None:
    """Add ``event`` before the first later event, else at the end."""
    items = editor.get((TIMELINE,), None)
    if not isinstance(items, list):
        _start_timeline(editor, event)
        return
    position = len(items)
    for index, item in enumerate(items):
        moment = when(item.get("timestamp")) if isinstance(item, dict) else None
        if moment is not None and moment > event.timestamp:
            position = index
            break
    editor.insert((TIMELINE,), position, event.fields())


def _start_timeline(editor: Editor, event: CollectedEvent) -> None:
    """Write the first event of a missing or null timeline.

    A missing timeline goes after the last key the model puts before it.
    """
    data = editor.get(())
    if TIMELINE in data:
        editor.set((TIMELINE,), [event.fields()])
        return
    after = [key for key in _BEFORE_TIMELINE if key in data][-1]
    editor.set((TIMELINE,), [event.fields()], after=after)


def propose_detected(
    editor: Editor, first_alarm: datetime | None, notes: list[str]
) -> datetime | None:
    """Set ``detected_time`` to ``first_alarm`` when missing and in order.

    Returns the time set, or None; why nothing was set goes into ``notes``.
    """
    if first_alarm is None:
        return None
    data = editor.get(())
    shown = iso(first_alarm)
    if data.get("detected_time") is not None:
        present = when(data["detected_time"])
        if present != first_alarm:
            notes.append(
                f"detected_time stays {iso(present) if present else '?'}; "
                f"the first alarm went to ALARM at {shown}"
            )
        return None
    start = when(data.get("start_time"))
    later = [when(data.get(k)) for k in _AFTER_DETECTED if data.get(k) is not None]
    if (start and first_alarm < start) or any(t and first_alarm > t for t in later):
        notes.append(
            f"detected_time not set: the first alarm at {shown} is "
            "outside start_time..acknowledged/mitigated/end_time"
        )
        return None
    editor.set(("detected_time",), first_alarm, after="start_time")
    return first_alarm

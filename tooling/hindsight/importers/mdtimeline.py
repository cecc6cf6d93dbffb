"""The timeline of a Markdown postmortem: a table, headed entries, or a list.

Three shapes are read: a pipe table whose first time-like column holds the
moment (``| 2019-11-30 08:24 | Event |``), entries headed ``### hh:mm`` with
the text below, and list items that start with a time (``- 10:21 alert``).
An entry without a date takes the date of the entry before (or the
postmortem's date from the file name, title or text); a time more than
:data:`ROLLOVER_HOURS` earlier than the one before is read as the next day.
Entries whose time cannot be read (``??``, ``2X:XX``) are kept as text.

Markers that some teams write, ``**Detection:**`` or ``**Recovery:**``,
tell the importer which entry is the detection or the recovery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from . import Draft
from .dates import Moment, parse_moment
from .mdparse import (
    Part,
    Section,
    block_text,
    headline,
    items,
    links,
    plain,
    tables,
)
from .timezones import (
    UTC_ZONE,
    Zone,
    parse_zone,
    stamp,
    zone_in_header,
    zone_statement,
)

ROLLOVER_HOURS = 3
EVENT_LIMIT = 200
MARKERS = {
    "start": "start",
    "impact start": "start",
    "incident start": "start",
    "detection": "detected",
    "detected": "detected",
    "discovery": "detected",
    "discovered": "detected",
    "mitigation": "mitigated",
    "mitigated": "mitigated",
    "recovery": "end",
    "recovered": "end",
    "resolution": "end",
    "resolved": "end",
}
_MARKER = re.compile(
    r"^\s*\*\*(?P<name>"
    + "|".join(sorted(MARKERS, key=len, reverse=True))
    + r")\s*:?\s*\*\*\s*:?\s*",
    re.I,
)


@dataclass
class Entry:
    """A timeline entry with its moment placed in time."""

    at: datetime  # aware
    event: str
    details: str | None = None
    marker: str | None = None  # start, detected, mitigated or end
    date_only: bool = False
    source: str | None = None
    impact: str | None = None

    def as_event(self) -> dict[str, str]:
        """The entry as a ``timeline_events`` item."""
        event = {"timestamp": stamp(self.at), "event": self.event}
        for key in ("source", "details", "impact"):
            if getattr(self, key):
                event[key] = getattr(self, key)
        return event


@dataclass
class Timeline:
    """The placed entries, and the text of the section that is not an entry."""

    entries: list[Entry] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


@dataclass
class _Raw:
    moment: Moment
    written: str  # the moment as written
    body: str
    source: str | None = None
    impact: str | None = None


class _Placer:
    """Places moments in time: carries the date and zone from entry to entry."""

    def __init__(self, day: date | None, zone: Zone, draft: Draft) -> None:
        self.day = day
        self.zone = zone
        self.draft = draft
        self.last: datetime | None = None

    def place(self, moment: Moment) -> tuple[datetime, bool] | None:
        if moment.zone:
            self.zone = parse_zone(moment.zone) or self.zone
        if not moment.usable:
            return None
        if moment.day is not None:
            self.day, self.last = moment.day, None
        if self.day is None:
            return None
        clock = moment.clock or time(0, 0)
        local = datetime.combine(self.day, clock)
        if moment.clock and moment.day is None and self.last is not None:
            if local < self.last - timedelta(hours=ROLLOVER_HOURS):
                local += timedelta(days=1)
                self.day = local.date()
                self.draft.guess(
                    "timeline_events",
                    f"{clock:%H:%M} after {self.last:%H:%M} is read as the next day",
                )
        if moment.clock:
            self.last = local
        offset, note = self.zone.offset_at(local)
        if note:
            self.draft.guess("time_zone", note)
        for text in moment.notes:
            self.draft.guess("timeline_events", text)
        return local.replace(tzinfo=timezone(offset)), moment.clock is None


def read_timeline(
    section: Section | None,
    extra: list[Part],
    day: date | None,
    year: int | None,
    draft: Draft,
) -> Timeline:
    """The entries of a timeline section (and of parts moved into it).

    ``day`` dates the entries before the first that has a date; ``year``
    completes dates written without one.
    """
    timeline = Timeline()
    if section is None:
        return timeline
    zone = _stated_zone(section.lines)
    raws: list[_Raw] = []
    rest = _table_entries(section.lines, year, raws, timeline)
    _list_entries(rest, year, raws, timeline)
    for part in [*section.parts, *extra]:
        _part_entry(part, year, raws, timeline)
    if zone is None:
        zone = UTC_ZONE
        if raws and not any(r.moment.zone for r in raws):
            draft.guess("time_zone", "the timeline states no time zone; UTC is assumed")
    placer = _Placer(day, zone, draft)
    for raw in raws:
        placed = placer.place(raw.moment)
        if placed is None:
            timeline.unplaced.append(f"{raw.written} | {raw.body}".strip(" |"))
            continue
        timeline.entries.append(_entry(raw, *placed))
    return timeline


def _stated_zone(lines: list[str]) -> Zone | None:
    """The zone of an "All times in ..." line, else of a table header."""
    for line in lines:
        zone = zone_statement(line)
        if zone is not None:
            return zone
    for table in tables(lines):
        for cell in table.header:
            zone = zone_in_header(cell)
            if zone is not None:
                return zone
    return None


def _table_entries(
    lines: list[str], year: int | None, raws: list[_Raw], timeline: Timeline
) -> list[str]:
    """Entries from the rows of pipe tables; returns the other lines."""
    skip: set[int] = set()
    for table in tables(lines):
        skip.update(range(table.first_line, table.last_line + 1))
        when, what, others = _columns(table.header)
        if when is None:
            timeline.text.append(
                "\n".join(lines[table.first_line : table.last_line + 1])
            )
            continue
        for row in table.rows:
            cells = row + [""] * (len(table.header) - len(row))
            moment = parse_moment(cells[when], year) or Moment(date_unknown=True)
            if moment.rest:  # more than a time in the cell: keep it as written
                moment.approximate, moment.rest = True, ""
            body = cells[what] if what is not None else ""
            raw = _Raw(moment, cells[when], body)
            _table_extras(
                raw,
                [
                    (table.header[i], cells[i])
                    for i in others
                    if i < len(cells) and cells[i]
                ],
            )
            raws.append(raw)
    return [line for number, line in enumerate(lines) if number not in skip]


def _columns(header: list[str]) -> tuple[int | None, int | None, list[int]]:
    names = [cell.lower() for cell in header]
    when = next(
        (i for i, n in enumerate(names) if re.search(r"time|date|when", n)), None
    )
    what = next(
        (
            i
            for i, n in enumerate(names)
            if i != when and re.search(r"event|what|description|action|detail", n)
        ),
        None,
    )
    if what is None and when is not None:
        what = next((i for i in range(len(names)) if i != when), None)
    others = [i for i in range(len(names)) if i not in (when, what)]
    return when, what, others


def _table_extras(raw: _Raw, extra: list[tuple[str, str]]) -> None:
    kept = []
    for name, value in extra:
        if re.search(r"source|who|\bby\b|owner", name, re.I) and raw.source is None:
            raw.source = value
        elif re.search(r"impact", name, re.I) and raw.impact is None:
            raw.impact = value
        else:
            kept.append(f"{name}: {value}")
    if kept:
        raw.body = "\n".join([raw.body, *kept]).strip()


def _list_entries(
    lines: list[str], year: int | None, raws: list[_Raw], timeline: Timeline
) -> None:
    """Entries from list items and paragraphs that start with a moment."""
    for item in items(lines):
        if zone_statement(item.text):
            continue
        text = re.sub(r"^\*\*([^*]+)\*\*", r"\1", item.text)
        moment = parse_moment(text, year)
        if moment is None:
            timeline.text.append(item.full_text())
            continue
        written = text[: len(text) - len(moment.rest)].strip(" -:|")
        body = "\n".join([moment.rest, *item.children]).strip()
        moment.rest = ""
        raws.append(_Raw(moment, written, body))


def _part_entry(
    part: Part, year: int | None, raws: list[_Raw], timeline: Timeline
) -> None:
    """An entry from a heading such as ``### 13:35`` or ``### 21:00 - Alerted``."""
    moment = parse_moment(part.heading, year)
    body = block_text(part.lines)
    if moment is None:
        timeline.text.append(f"{'#' * part.level} {part.heading}\n{body}".strip())
        return
    written = part.heading
    if moment.rest and not moment.rest.startswith("("):
        written = part.heading[: len(part.heading) - len(moment.rest)].strip(" -:")
    else:
        moment.rest = ""  # "(maybe earlier?)" belongs to the time as written
    raws.append(_Raw(moment, written, body))


def _entry(raw: _Raw, at: datetime, date_only: bool) -> Entry:
    body = raw.body.strip()
    match = _MARKER.match(body) or _MARKER.match(raw.moment.rest)
    marker = MARKERS[match.group("name").lower()] if match else None
    if raw.moment.rest:
        title, details = plain(raw.moment.rest), body or None
    else:
        title = headline(body, EVENT_LIMIT)
        single = "\n" not in body and not links(body) and plain(body) == title
        details = None if single or not body else body
    if raw.moment.approximate or raw.moment.notes or date_only:
        note = f"Time as written: {raw.written}."
        if date_only:
            note = f"Time as written: {raw.written} (no time of day)."
        details = f"{note}\n\n{details}" if details else note
    return Entry(
        at,
        title or "Timeline entry",
        details,
        marker,
        date_only,
        raw.source,
        raw.impact,
    )

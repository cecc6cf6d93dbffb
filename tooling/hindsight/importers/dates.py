"""Dates, times and durations as people write them in postmortems.

A *moment* is the date and time that opens a timeline entry: ``2019-11-30
08:24``, ``Sep 27 2017 13:06``, ``19. April, 11:00``, ``16:59 PST``, ``ca.
18:30``, ``8:20 - 8:24``, ``07:30am - First report``. Parts may be missing
(a time without a date) or placeholders (``HH:mm``, ``--:--``, ``??``,
``2X:XX``); :func:`parse_moment` says which, so that the importer can take
the date from the entries before, and keep entries without a usable time
as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"

_APPROX = re.compile(
    r"^(?:ca\.?|circa|approx\.?|approximately|around|about|~)\s*", re.I
)
_ISO_DATE = re.compile(
    r"(?P<y>\d{4,5}(?:/\d{2})?|\d{2}xx|yyyy)[-/.]"
    r"(?P<m>\d{1,2}|\?\?|mm|xx)[-/.](?P<d>\d{1,2}|\?\?|dd|xx)(?![\d])",
    re.I,
)
_NAMED_DATE = re.compile(
    rf"(?:(?P<mon1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<mon2>{_MONTH})\.?)"
    rf"(?:,?\s+(?P<y>\d{{4}}))?(?![\w])",
    re.I,
)
_PLACEHOLDER = r"(?:\?\?|--|xx|hh|mm|\dx)"
_TIME = re.compile(
    rf"(?P<h>\d{{1,2}}|{_PLACEHOLDER}):(?P<mi>\d{{2}}|{_PLACEHOLDER})"
    r"(?::(?P<s>\d{2}))?(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?",
    re.I,
)
_RANGE_END = re.compile(
    rf"\s*(?:-|\u2013|\u2014|to)\s*(?:\d{{1,2}}|{_PLACEHOLDER}):"
    rf"(?:\d{{2}}|{_PLACEHOLDER})(?:\s*[ap]\.?m\.?)?",
    re.I,
)
_ZONE_AFTER = re.compile(
    r"\s*\(?(?P<zone>(?:UTC|GMT)\s*[+\-\u2212]\s*\d{1,2}(?::?\d{2})?|Z(?![\w])"
    r"|[A-Z]{2,5}(?:\s*\((?:UTC|GMT)\s*[+\-\u2212]\s*\d{1,2}\))?)\)?(?![\w])"
)
_LEAD = re.compile(r"^\s*(?:[-\u2013\u2014:|,.]\s*)?")


@dataclass
class Moment:
    """A date and time as written, with what is missing or unreadable."""

    day: date | None = None
    clock: time | None = None
    date_written: bool = False  # some date, maybe unreadable, was written
    date_unknown: bool = False  # a date placeholder such as 2022-05-??
    time_unknown: bool = False  # a time placeholder such as HH:mm or ??:??
    approximate: bool = False
    zone: str | None = None  # a zone written right after the time
    rest: str = ""  # the text after the moment
    notes: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when the moment has a time of day or at least a date."""
        return not self.date_unknown and (
            self.clock is not None or self.day is not None
        )


def parse_moment(text: str, year: int | None = None) -> Moment | None:
    """The moment at the start of ``text``; None when it starts with none.

    ``year`` completes dates written without one ("Feb 21").
    """
    moment = Moment()
    rest = text.strip()
    approx = _APPROX.match(rest)
    if approx:
        moment.approximate = True
        rest = rest[approx.end() :]
    rest = _take_date(rest, moment, year)
    rest = _take_time(rest, moment)
    if not moment.date_written and moment.clock is None and not moment.time_unknown:
        return None
    moment.rest = rest[_LEAD.match(rest).end() :].strip()
    return moment


def _take_date(text: str, moment: Moment, year: int | None) -> str:
    match = _ISO_DATE.match(text)
    if match:
        moment.date_written = True
        moment.day = _iso_day(match, moment)
        moment.date_unknown = moment.day is None
        return text[match.end() :]
    match = _NAMED_DATE.match(text)
    if match:
        moment.date_written = True
        month = MONTHS[(match.group("mon1") or match.group("mon2")).lower()]
        day = int(match.group("d1") or match.group("d2"))
        written_year = int(match.group("y")) if match.group("y") else year
        moment.day = _safe_date(written_year, month, day)
        moment.date_unknown = moment.day is None
        return text[match.end() :].lstrip(" ,")
    return text


def _iso_day(match: re.Match[str], moment: Moment) -> date | None:
    raw_year, raw_month, raw_day = match.group("y", "m", "d")
    if not (raw_year.isdigit() and raw_month.isdigit() and raw_day.isdigit()):
        return None
    year = int(raw_year)
    if len(raw_year) == 5:
        fixed = int(raw_year[:4])
        if not 1970 <= fixed <= 2100:
            return None
        moment.notes.append(f"the five-digit year {raw_year} is read as {fixed}")
        year = fixed
    return _safe_date(year, int(raw_month), int(raw_day))


def _safe_date(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _take_time(text: str, moment: Moment) -> str:
    text_after = text.lstrip(" T,")
    approx = _APPROX.match(text_after)
    if approx and _TIME.match(text_after[approx.end() :]):
        moment.approximate = True
        text_after = text_after[approx.end() :]
    match = _TIME.match(text_after)
    if not match:
        return text
    text = text_after[match.end() :]
    moment.clock = _clock(match)
    moment.time_unknown = moment.clock is None
    end = _RANGE_END.match(text)
    if end:
        moment.notes.append(
            f"a range is written ({match.group(0)}{end.group(0)}); its start is used"
        )
        text = text[end.end() :]
    zone = _ZONE_AFTER.match(text)
    if zone and _looks_like_zone(zone.group("zone")):
        moment.zone = zone.group("zone")
        text = text[zone.end() :]
    if text.startswith(("~", "?")):  # "10:45~": about then
        moment.approximate = True
        text = text.lstrip("~?")
    return text


def _clock(match: re.Match[str]) -> time | None:
    hour, minute = match.group("h"), match.group("mi")
    if not (hour.isdigit() and minute.isdigit()):
        return None
    h, m, s = int(hour), int(minute), int(match.group("s") or 0)
    ampm = (match.group("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and h < 12:
        h += 12
    elif ampm == "am" and h == 12:
        h = 0
    if h > 23 or m > 59 or s > 59:
        return None
    return time(h, m, s)


def _looks_like_zone(text: str) -> bool:
    from .timezones import parse_zone

    return parse_zone(text) is not None


# Dates in running text ---------------------------------------------------------

_TEXT_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
_TEXT_NAMED = re.compile(
    rf"(?<![\w])(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<mon1>{_MONTH})"
    rf"|(?P<mon2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?),?\s+(?P<y>\d{{4}})"
    r"(?![\d])",
    re.I,
)


def dates_in(text: str) -> list[date]:
    """Every full date (with a year) written in ``text``, in order."""
    found: list[tuple[int, date]] = []
    for match in _TEXT_ISO.finditer(text):
        day = _safe_date(*(int(g) for g in match.groups()))
        if day:
            found.append((match.start(), day))
    for match in _TEXT_NAMED.finditer(text):
        month = MONTHS[(match.group("mon1") or match.group("mon2")).lower()]
        number = int(match.group("d1") or match.group("d2"))
        day = _safe_date(int(match.group("y")), month, number)
        if day:
            found.append((match.start(), day))
    return [day for _, day in sorted(found, key=lambda pair: pair[0])]


# Durations ---------------------------------------------------------------------

_UNKNOWN = {
    "",
    "?",
    "??",
    "-",
    "--",
    "n/a",
    "na",
    "none",
    "unknown",
    "tbd",
    "tba",
    "not known",
    "not applicable",
}
_UNITS = {
    "w": 7 * 24 * 60,
    "week": 7 * 24 * 60,
    "d": 24 * 60,
    "day": 24 * 60,
    "h": 60,
    "hr": 60,
    "hour": 60,
    "m": 1,
    "min": 1,
    "minute": 1,
    "s": 1 / 60,
    "sec": 1 / 60,
    "second": 1 / 60,
}
_PAIR = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|"
    r"seconds?|secs?|s)(?![a-z])",
    re.I,
)
_FILLER = re.compile(
    r"\b(?:and|about|approx\.?|approximately|around|ca\.?)\b|[~,+]", re.I
)


def parse_duration(text: str) -> tuple[int | None, bool]:
    """Minutes of a written duration ("11 Days", "19 hours 43 minutes").

    Returns ``(minutes, understood)``: ``(None, True)`` for an explicit
    unknown ("?", "N/A"), ``(None, False)`` for text that is not a duration.
    """
    clean = re.sub(r"\[\^[^\]]*\]", "", text).strip().rstrip(".").strip()
    if clean.lower() in _UNKNOWN:
        return None, True
    total = 0.0
    consumed = _FILLER.sub(" ", clean)
    pairs = list(_PAIR.finditer(consumed))
    if not pairs or _PAIR.sub(" ", consumed).strip():
        return None, False
    for match in pairs:
        unit = match.group(2).lower().rstrip("s") or "s"
        unit = {"hrs": "hr", "min": "min"}.get(unit, unit)
        total += float(match.group(1).replace(",", ".")) * _UNITS[unit]
    return round(total), True

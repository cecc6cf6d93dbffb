"""Time zones as people write them in postmortems, turned into UTC offsets.

A *zone label* is what a report says about its times: ``UTC``, ``CET``,
``PST (UTC-7)``, ``GMT+2``, ``UTC+1 (Zurich time)``, ``Central European
Time (CET)``, ``US/Pacific``. :func:`parse_zone` reads one into a
:class:`Zone`; :meth:`Zone.offset_at` gives the offset for a local date and
time, with a note whenever the label had to be interpreted:

- An explicit offset (``UTC-7``, ``GMT+2``, ``+02:00``) wins over any
  abbreviation or place next to it; when they disagree, a note says so.
- A standard-time abbreviation (``PST``, ``CET``) on a date when its region
  kept daylight saving time, or a daylight one (``PDT``, ``CEST``) in
  winter, is read as the region's local time, because people write "PST"
  for Pacific time all year round. A note says so.
- A place (``Pacific``, ``Zurich time``, ``Europe/Berlin``) gives the local
  time of its region from the IANA time-zone database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Abbreviation: (offset in minutes, region whose local time it names or None,
# True when it names the region's daylight-saving time).
ABBREVIATIONS: dict[str, tuple[int, str | None, bool]] = {
    "Z": (0, None, False),
    "UTC": (0, None, False),
    "UT": (0, None, False),
    "GMT": (0, None, False),
    "WET": (0, "Europe/Lisbon", False),
    "WEST": (60, "Europe/Lisbon", True),
    "BST": (60, "Europe/London", True),
    "CET": (60, "Europe/Berlin", False),
    "MET": (60, "Europe/Berlin", False),
    "MEZ": (60, "Europe/Berlin", False),
    "CEST": (120, "Europe/Berlin", True),
    "MEST": (120, "Europe/Berlin", True),
    "MESZ": (120, "Europe/Berlin", True),
    "EET": (120, "Europe/Helsinki", False),
    "EEST": (180, "Europe/Helsinki", True),
    "MSK": (180, None, False),
    "IST": (330, None, False),  # India; Irish and Israel Standard Time differ
    "SGT": (480, None, False),
    "HKT": (480, None, False),
    "JST": (540, None, False),
    "KST": (540, None, False),
    "AEST": (600, "Australia/Sydney", False),
    "AEDT": (660, "Australia/Sydney", True),
    "NZST": (720, "Pacific/Auckland", False),
    "NZDT": (780, "Pacific/Auckland", True),
    "AST": (-240, None, False),
    "EST": (-300, "America/New_York", False),
    "EDT": (-240, "America/New_York", True),
    "CST": (-360, "America/Chicago", False),  # North America, not China
    "CDT": (-300, "America/Chicago", True),
    "MST": (-420, "America/Denver", False),
    "MDT": (-360, "America/Denver", True),
    "PST": (-480, "America/Los_Angeles", False),
    "PDT": (-420, "America/Los_Angeles", True),
    "AKST": (-540, "America/Anchorage", False),
    "AKDT": (-480, "America/Anchorage", True),
    "HST": (-600, None, False),
}

# Generic names of a region's local time, summer or winter.
GENERIC: dict[str, str] = {
    "PT": "America/Los_Angeles",
    "MT": "America/Denver",
    "CT": "America/Chicago",
    "ET": "America/New_York",
}

# Places and long names, matched as whole words, lower case.
PLACES: dict[str, str] = {
    "pacific": "America/Los_Angeles",
    "california": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "mountain": "America/Denver",
    "eastern": "America/New_York",
    "new york": "America/New_York",
    "chicago": "America/Chicago",
    "london": "Europe/London",
    "lisbon": "Europe/Lisbon",
    "zurich": "Europe/Zurich",
    "berlin": "Europe/Berlin",
    "paris": "Europe/Paris",
    "amsterdam": "Europe/Amsterdam",
    "copenhagen": "Europe/Copenhagen",
    "stockholm": "Europe/Stockholm",
    "oslo": "Europe/Oslo",
    "helsinki": "Europe/Helsinki",
    "central european": "Europe/Berlin",
    "eastern european": "Europe/Helsinki",
    "western european": "Europe/Lisbon",
    "sydney": "Australia/Sydney",
    "tokyo": "Asia/Tokyo",
}

_EXPLICIT = re.compile(
    r"\b(?:UTC|GMT|UT)\s*([+\-\u2212\u2013])\s*(\d{1,2})(?::?(\d{2}))?(?!\d)", re.I
)
_BARE_OFFSET = re.compile(r"^\(?([+\-\u2212])(\d{2}):?(\d{2})\)?$")
_IANA = re.compile(r"\b([A-Z][A-Za-z_]+/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?)\b")
_WORD = re.compile(r"\b[A-Z]{1,5}\b")
_PLACE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, PLACES), key=len, reverse=True)) + r")\b"
)


@dataclass(frozen=True)
class Zone:
    """A zone label, read: an explicit offset, an abbreviation, a region."""

    label: str
    explicit: timedelta | None = None
    abbreviation: str | None = None
    region: str | None = None

    def offset_at(self, local: datetime) -> tuple[timedelta, str | None]:
        """The UTC offset of ``local`` (a naive local time), and a note.

        The note is None when the label said exactly what was used.
        """
        if self.explicit is not None:
            return self.explicit, self._contradiction(local)
        if self.abbreviation is not None:
            minutes, region, _daylight = ABBREVIATIONS[self.abbreviation]
            written = timedelta(minutes=minutes)
            actual = _region_offset(region, local) if region else None
            if actual is None or actual == written:
                return written, None
            return actual, (
                f"{self.abbreviation} (UTC{format_offset(written, utc='+00:00')}) "
                f"is written for {local:%Y-%m-%d}, when that region was on "
                f"UTC{format_offset(actual, utc='+00:00')}; read as local time"
            )
        actual = _region_offset(self.region, local) if self.region else None
        if actual is None:
            return timedelta(0), f"time zone {self.label!r} not known; UTC assumed"
        return actual, None

    def _contradiction(self, local: datetime) -> str | None:
        assert self.explicit is not None
        if self.abbreviation is not None:
            meant = timedelta(minutes=ABBREVIATIONS[self.abbreviation][0])
            name = self.abbreviation
        elif self.region is not None:
            meant = _region_offset(self.region, local)
            name = self.region
        else:
            return None
        if meant is None or meant == self.explicit:
            return None
        return (
            f"{name} means UTC{format_offset(meant, utc='+00:00')} on "
            f"{local:%Y-%m-%d} but UTC{format_offset(self.explicit, utc='+00:00')} "
            "is written; the explicit offset is used"
        )


UTC_ZONE = Zone("UTC", explicit=timedelta(0), abbreviation="UTC")


def parse_zone(text: str) -> Zone | None:
    """Read a zone label; None when it names no zone this module knows."""
    label = " ".join(text.split()).strip(" .;,")
    if not label:
        return None
    explicit = _explicit_offset(label)
    rest = _EXPLICIT.sub(" ", label)
    abbreviation = _abbreviation(rest)
    region = _region(rest)
    if abbreviation is not None and ABBREVIATIONS[abbreviation][1] is None:
        if explicit is None:
            explicit = timedelta(minutes=ABBREVIATIONS[abbreviation][0])
        if abbreviation in ("UTC", "UT", "GMT", "Z") and explicit != timedelta(0):
            abbreviation = None  # "UTC+1" is an offset, not a contradiction
    if explicit is None and abbreviation is None and region is None:
        return None
    return Zone(label, explicit, abbreviation, region)


def _explicit_offset(label: str) -> timedelta | None:
    match = _EXPLICIT.search(label) or _BARE_OFFSET.match(label)
    if not match:
        return None
    sign = -1 if match.group(1) in "-\u2212\u2013" else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    return sign * timedelta(hours=hours, minutes=minutes)


def _abbreviation(text: str) -> str | None:
    for word in _WORD.findall(text):
        if word in ABBREVIATIONS and (word != "Z" or text.strip() == "Z"):
            return word
    return None


def _region(text: str) -> str | None:
    for name in _IANA.findall(text):
        if _known_region(name):
            return name
    for word in _WORD.findall(text):
        if word in GENERIC:
            return GENERIC[word]
    match = _PLACE.search(text.lower())
    return PLACES[match.group(1)] if match else None


def _known_region(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _region_offset(region: str | None, local: datetime) -> timedelta | None:
    if region is None:
        return None
    try:
        offset = local.replace(tzinfo=ZoneInfo(region)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return offset


def stamp(value: datetime) -> str:
    """An aware datetime as written in incident files: seconds and offset."""
    offset = value.utcoffset() or timedelta(0)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + format_offset(offset)


def format_offset(offset: timedelta, utc: str = "Z") -> str:
    """``Z`` (or ``utc``) for UTC, else ``+HH:MM`` / ``-HH:MM``."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return utc
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


_STATEMENT = re.compile(
    r"^\W*(?:all\s+)?(?:dates?\s+and\s+)?times?\s+(?:are\s+)?(?:given\s+)?"
    r"(?:in|as)\s+(?:the\s+)?(?P<zone>.+?)\W*$",
    re.I,
)
_ZONE_KEY = re.compile(r"^\W*time\s*zone\s*[:=-]\s*(?P<zone>.+?)\W*$", re.I)


def zone_statement(line: str) -> Zone | None:
    """The zone of a line like "All times in CET." or "Time zone: UTC"."""
    match = _STATEMENT.match(line.strip()) or _ZONE_KEY.match(line.strip())
    if not match:
        return None
    return parse_zone(match.group("zone").strip("*_ "))


def zone_in_header(cell: str) -> Zone | None:
    """The zone named in a timeline table's header ("Date and Time in CET")."""
    match = re.search(r"\b(?:in|\()\s*([^()]+?)\)?\s*$", cell.strip())
    return parse_zone(match.group(1)) if match else None

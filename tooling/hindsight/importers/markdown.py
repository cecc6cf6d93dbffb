"""Read postmortems written in Markdown from the common templates.

How the sections map (headings are matched case-insensitively, without
numbering or a parenthetical such as "(findings)"):

| section                                   | incident file                     |
|-------------------------------------------|-----------------------------------|
| the first ``#`` heading                   | `title` (a leading date is dropped) |
| Summary, Overview; Impact                 | `impact_description`              |
| Timeline (table, ``### hh:mm`` or list)   | `timeline_events`; the times      |
| Root cause(s), Contributing factors       | `root_causes`, by keyword category |
| Action items, Follow-ups, Remediation     | `action_items` (open unless ``[x]``) |
| Lessons learned/learnt, What went well... | `lessons_learned`                 |
| Stats: time to detection, to recovery     | `detected_time`, `end_time`       |
| Stats: category                           | `services_affected` when no other |

Everything else (Conclusion, Attendees, notes under the timeline, entries
without a usable time, Stats lines not understood) is appended to the
impact description verbatim, so that nothing of the source is lost. The
source's identity is its file name, kept as the tag ``markdown:<name>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..model import minutes_between
from ..scaffold import slugify
from . import (
    NOT_INCIDENT,
    UNREADABLE,
    Draft,
    ReadOptions,
    Rejected,
    describe_error,
    fallback_services,
    fallback_severity,
    mdfields,
    read_text,
)
from .dates import dates_in, parse_moment
from .markdown_times import incident_times
from .mdparse import Outline, Part, Section, block_text, parse_outline
from .mdtimeline import Timeline, read_timeline
from .timezones import stamp

SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
# Section kinds and the headings that name them, "|"-separated.
_HEADINGS = {
    "summary": "summary|overview|executive summary|incident summary|tl;dr|tldr"
    "|what happened|description",
    "impact": "impact|user impact|customer impact|business impact",
    "timeline": "timeline|time line|chronology|sequence of events|incident timeline"
    "|detailed timeline",
    "root_causes": "root cause|root causes|root cause analysis|causes"
    "|contributing factors|contributing factor|contributing causes"
    "|root causes and contributing factors",
    "action_items": "action items|action item|actions|follow up|follow ups|followups"
    "|follow up actions|remediation|remediations|next steps|corrective actions",
    "lessons": "lessons learned|lessons learnt|lessons|learnings|what we learned"
    "|what we learnt",
    "lesson_group": "what went well|what went wrong|where we got lucky",
    "stats": "stats|statistics|metrics",
}
KINDS = {kind: tuple(names.split("|")) for kind, names in _HEADINGS.items()}
POSTMORTEM_KINDS = set(KINDS) - {"stats"}
FRONT_MATTER_USED = {"title", "date", "severity", "services", "service", "tags"}


def wanted(path: Path) -> bool:
    """Files a folder import reads: Markdown, or extension-less text with a title."""
    if path.suffix.lower() in SUFFIXES:
        return True
    if re.fullmatch(r"\.[A-Za-z0-9]{1,5}", path.suffix):
        return False  # another kind of file; a name without an extension is sniffed
    try:
        with path.open("rb") as handle:
            head = handle.read(512).decode("utf-8", errors="replace")
    except OSError:
        return False
    return head.lstrip().startswith("# ")


def read(path: Path, shown: str, options: ReadOptions) -> Iterator[Draft | Rejected]:
    """The postmortem of one Markdown file, as a draft or a rejection."""
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        yield Rejected(shown, describe_error(error), UNREADABLE)
        return
    yield postmortem_draft(text, path, shown, options)


@dataclass
class _Sections:
    kinds: dict[str, list[Section]] = field(default_factory=dict)
    timeline_parts: list[Part] = field(default_factory=list)
    others: list[Section] = field(default_factory=list)


def section_kind(heading: str) -> str | None:
    """The kind of a section heading (summary, timeline, ...), or None."""
    name = re.sub(r"\([^)]*\)", " ", heading.lower())
    name = re.sub(r"^[\d.\s]+|[*_`:.]", " ", name).replace("-", " ")
    name = " ".join(name.split())
    for kind, names in KINDS.items():
        if name in names or any(name.startswith(n + " ") for n in names):
            return kind
    return None


def _sections(outline: Outline) -> _Sections:
    grouped = _Sections()
    previous = None
    for section in outline.sections:
        kind = section_kind(section.heading)
        if kind is None and previous == "timeline" and parse_moment(section.heading):
            grouped.timeline_parts.append(Part(section.heading, 3, section.lines))
            grouped.timeline_parts.extend(section.parts)
            continue
        if kind is None or (kind == "timeline" and "timeline" in grouped.kinds):
            grouped.others.append(section)
        else:
            grouped.kinds.setdefault(kind, []).append(section)
        previous = kind
    return grouped


def postmortem_draft(
    text: str, path: Path, shown: str, options: ReadOptions
) -> Draft | Rejected:
    """One Markdown postmortem as a draft, or why it is none."""
    outline = parse_outline(text)
    front = _front_matter(outline.front_matter)
    grouped = _sections(outline)
    title = outline.title or str(front.get("title") or "")
    if _is_template(title, grouped):
        return Rejected(
            shown,
            "a template (placeholders such as {{ ... }} or "
            "20xx-MM-DD), not a postmortem",
            NOT_INCIDENT,
        )
    if not POSTMORTEM_KINDS & set(grouped.kinds):
        return Rejected(
            shown,
            "no postmortem sections (Summary, Timeline, Root "
            "causes, Action items, Lessons learned)",
            NOT_INCIDENT,
        )
    draft = Draft(shown, f"markdown:{slugify(path.stem, limit=100)}", "markdown")
    title, title_day = _title(title, path, draft)
    day, year = _date_hints(path, title_day, outline, grouped, front)
    sections = grouped.kinds
    timeline = read_timeline(
        (sections.get("timeline") or [None])[0],
        grouped.timeline_parts,
        day,
        year,
        draft,
    )
    stats = mdfields.stats(sections.get("stats", []), options.taxonomy.severities)
    times = incident_times(timeline, stats, day, draft)
    if times is None:
        return Rejected(
            shown,
            "no date in the timeline, the file name, the title "
            "or the text, so the incident cannot be placed in time",
        )
    _fill(draft, title, times, timeline, stats, grouped, outline, front, options)
    return draft


def _is_template(title: str, grouped: _Sections) -> bool:
    if "{{" in title or re.search(r"\btemplate\b", title, re.I):
        return True
    timeline = (grouped.kinds.get("timeline") or [None])[0]
    body = timeline.text() if timeline else ""
    return bool(re.search(r"\b20xx-mm-dd\b|\byyyy-mm-dd\b|\{\{", body, re.I))


def _front_matter(text: str | None) -> dict[str, Any]:
    if not text or len(text) > 20_000:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


_TITLE_DATE = re.compile(
    r"^(?:incident\s+date\s*:\s*)?(?P<day>\d{4}-\d{2}-\d{2})"
    r"(?:\s+\d{1,2}:\d{2}\s*(?:[ap]m)?(?:\s*[A-Z]{2,5})?)?\s*[,:\u2013\u2014-]?\s*",
    re.I,
)


def _title(title: str, path: Path, draft: Draft) -> tuple[str, date | None]:
    title = " ".join(title.split())
    match = _TITLE_DATE.match(title)
    day = None
    if match:
        day = _day(match.group("day"))
        if title[match.end() :].strip():
            title = title[match.end() :].strip()
    if not title:
        draft.guess("title", "the source has no title; the file name stands in")
        title = path.stem
    return title, day


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _date_hints(
    path: Path,
    title_day: date | None,
    outline: Outline,
    grouped: _Sections,
    front: dict[str, Any],
) -> tuple[date | None, int | None]:
    """The date for entries written without one, and the year for "Feb 21"."""
    named = re.search(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)", path.stem)
    text = "\n".join(
        [
            *outline.preamble,
            *(line for s in grouped.kinds.get("summary", []) for line in s.lines),
        ]
    )
    candidates = [
        _day(str(front.get("date"))[:10]) if front.get("date") else None,
        _day(named.group(1)) if named else None,
        title_day,
        next(iter(dates_in(text)), None),
    ]
    day = next((c for c in candidates if c is not None), None)
    year_match = re.search(r"(?<!\d)(19[7-9]\d|20\d\d)(?!\d)", path.stem)
    year = day.year if day else int(year_match.group(1)) if year_match else None
    return day, year


# The other fields ----------------------------------------------------------------


def _fill(
    draft: Draft,
    title: str,
    times: dict[str, datetime],
    timeline: Timeline,
    stats: mdfields.Stats,
    grouped: _Sections,
    outline: Outline,
    front: dict[str, Any],
    options: ReadOptions,
) -> None:
    data = draft.data
    sections = grouped.kinds
    kept: list[str] = []
    data["title"] = title
    data["severity"] = _severity(front, stats, options, draft)
    data["status"] = "draft"
    draft.guess(
        "status", "draft, until a reviewer has checked what the importer guessed"
    )
    for key, value in times.items():
        data[key] = stamp(value)
    data["duration_minutes"] = minutes_between(times["start_time"], times["end_time"])
    summary = _summary(sections, outline, kept, draft)
    data["services_affected"] = _services(front, stats, options, draft)
    tags = (
        [str(t) for t in front.get("tags") or [] if str(t).strip()]
        if isinstance(front.get("tags"), list)
        else []
    )
    data["tags"] = [*tags, draft.key]
    if timeline.entries:
        data["timeline_events"] = [entry.as_event() for entry in timeline.entries]
    causes, rest = mdfields.root_causes(
        sections.get("root_causes", []), options.taxonomy, draft
    )
    _keep(kept, "Root causes, not as a list", rest)
    if causes:
        data["root_causes"] = causes
    actions, rest = mdfields.action_items(sections.get("action_items", []), draft)
    _keep(kept, "Action items, notes", rest)
    if actions:
        data["action_items"] = actions
    lessons = [
        *mdfields.lessons(sections.get("lessons", []), False),
        *mdfields.lessons(sections.get("lesson_group", []), True),
    ]
    if lessons:
        data["lessons_learned"] = lessons
    _keep(kept, "Timeline notes", timeline.text)
    _keep(kept, "Timeline entries without a usable time", timeline.unplaced)
    _keep(kept, "Stats", ["\n".join(stats.rest)])
    for section in grouped.others:
        _keep(kept, section.heading, [section.text()])
    if set(front) - FRONT_MATTER_USED:
        _keep(kept, "Front matter", [outline.front_matter or ""])
    data["impact_description"] = summary + (
        "\n\nKept from the source as written:\n\n" + "\n\n".join(kept) if kept else ""
    )


def _summary(sections, outline: Outline, kept: list[str], draft: Draft) -> str:
    parts = [block_text(s.lines + _part_lines(s)) for s in sections.get("summary", [])]
    for section in sections.get("impact", []):
        parts.append(f"{section.heading}:\n{section.text()}")
    preamble = block_text(outline.preamble)
    parts = [p for p in parts if p.strip()]
    if not parts and preamble:
        parts = [preamble]
    elif preamble:
        _keep(kept, "Before the first section", [preamble])
    if not parts:
        draft.guess("impact_description", "the source has no summary")
        return "The source has no summary; see the timeline."
    return "\n\n".join(parts)


def _part_lines(section: Section) -> list[str]:
    lines = []
    for part in section.parts:
        lines.extend(["", f"{'#' * part.level} {part.heading}", *part.lines])
    return lines


def _keep(kept: list[str], label: str, texts: list[str]) -> None:
    texts = [t.strip() for t in texts if t and t.strip()]
    if texts:
        kept.append(f"{label}:\n" + "\n\n".join(texts))


def _severity(front, stats: mdfields.Stats, options: ReadOptions, draft) -> str:
    written = str(front.get("severity") or "").lower() or stats.severity
    if written in options.taxonomy.severities:
        return written
    return fallback_severity(options, draft, "the source states no severity")


def _services(front, stats: mdfields.Stats, options: ReadOptions, draft) -> list[str]:
    written = front.get("services") or front.get("service")
    if isinstance(written, str):
        written = [written]
    if isinstance(written, list) and any(str(s).strip() for s in written):
        return [slugify(str(s)) for s in written if str(s).strip()]
    if not options.services and stats.category:
        draft.guess(
            "services_affected",
            f"the Stats category {stats.category!r} is taken as the service",
        )
        return [slugify(stats.category)]
    return fallback_services(options, draft, "the source names no service")

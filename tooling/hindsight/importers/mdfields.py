"""Fields from the sections of a Markdown postmortem.

Root causes from "Root causes" or "Contributing factors", action items
from "Action items" (lists with checkboxes and issue links, paragraphs, or
tables), lessons from "Lessons learned" and its "What went well / wrong"
parts, and the hand-written figures of "Stats". Each reader returns what it
could map and the text it could not, which the importer keeps verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..analyze import categorise
from . import Draft
from .dates import parse_duration
from .mdparse import Item, Section, first_sentence, items, links, plain, tables

TITLE_LIMIT = 120
_ISSUE_URL = re.compile(
    r"/(?:issues|pull|pulls|merge_requests)/\d+|/browse/[A-Z]+-\d+"
    r"|/-/issues/\d+|atlassian\.net/|/tickets?/",
    re.I,
)
_ISSUE_LABEL = re.compile(r"\b(?:issue|pr|pull request|ticket|jira|bug)\b", re.I)
_URL_OK = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#.][^\s]*$")
_STATUS_WORDS = {
    "completed": (
        "done",
        "complete",
        "completed",
        "closed",
        "fixed",
        "resolved",
        "finished",
        "merged",
        "yes",
        "[x]",
    ),
    "in_progress": ("in progress", "in-progress", "wip", "doing", "started", "ongoing"),
    "cancelled": (
        "cancelled",
        "canceled",
        "won't do",
        "wontfix",
        "won't fix",
        "dropped",
        "rejected",
    ),
}


def _groups(section: Section) -> list[tuple[str | None, list[str], bool]]:
    """(part heading, lines, whether lone paragraphs are entries) per group."""
    groups = [(None, section.lines, not section.parts)]
    groups.extend((part.heading, part.lines, True) for part in section.parts)
    return groups


def _entries(lines: list[str], paragraphs_count: bool) -> tuple[list[Item], list[str]]:
    """The list items of ``lines``; paragraphs too when there is no list."""
    found = items(lines)
    listed = [item for item in found if not item.is_paragraph]
    if listed or not paragraphs_count:
        rest = [item.full_text() for item in found if item.is_paragraph]
        return listed, rest
    return found, []


# Root causes ---------------------------------------------------------------------


def root_causes(
    sections: list[Section], taxonomy: Any, draft: Draft
) -> tuple[list[dict[str, Any]], list[str]]:
    """Root causes, one a list item (or paragraph), categorised by keywords."""
    causes: list[dict[str, Any]] = []
    rest: list[str] = []
    unmatched = 0
    for section in sections:
        for heading, lines, _paragraphs in _groups(section):
            entries, left = _entries(lines, True)
            rest.extend(left)
            for item in entries:
                text = item.full_text()
                if heading:
                    text = f"{heading}: {text}"
                found = categorise(text, taxonomy)
                unmatched += found.guessed
                causes.append(
                    {
                        "id": f"RC-{len(causes) + 1}",
                        "category": found.category,
                        "description": text,
                    }
                )
    if causes:
        draft.guess(
            "root_causes",
            "categories come from the taxonomy's keywords; "
            f"{unmatched} of {len(causes)} matched none and got "
            f"{taxonomy.default_category}",
        )
    return causes, rest


# Lessons -------------------------------------------------------------------------


def lessons(sections: list[Section], prefix_sections: bool) -> list[str]:
    """Lessons: each list item or paragraph; a part's heading prefixes its own."""
    found = []
    for section in sections:
        for heading, lines, _paragraphs in _groups(section):
            label = heading or (section.heading if prefix_sections else None)
            for item in items(lines):
                text = item.full_text()
                found.append(f"{label}: {text}" if label else text)
    return found


# Action items --------------------------------------------------------------------


def action_items(
    sections: list[Section], draft: Draft
) -> tuple[list[dict[str, Any]], list[str]]:
    """Action items from lists, paragraphs and tables, with their links."""
    found: list[dict[str, Any]] = []
    rest: list[str] = []
    for section in sections:
        for heading, lines, paragraphs in _groups(section):
            lines = _table_items(lines, heading, found)
            entries, left = _entries(lines, paragraphs)
            rest.extend(left)
            for item in entries:
                found.append(_action(item, heading, len(found) + 1))
    if found:
        stated = sum(1 for item in found if item.pop("_priority_stated", False))
        if stated < len(found):
            draft.guess(
                "action_items",
                f"{len(found) - stated} of {len(found)} "
                "items state no priority; medium is assumed",
            )
    return found, rest


def _action(item: Item, group: str | None, number: int) -> dict[str, Any]:
    text = item.full_text()
    tracking = tracking_url(text)
    title, description = _title_and_description(text, tracking)
    action: dict[str, Any] = {"id": f"AI-{number}", "title": title}
    notes = [description] if description else []
    if group:
        notes.append(f"Listed under {group!r}.")
    if notes:
        action["description"] = "\n\n".join(notes)
    action["priority"] = "medium"
    action["status"] = "completed" if item.checked else "open"
    if tracking:
        action["tracking_url"] = tracking
    return action


def _title_and_description(text: str, tracking: str | None) -> tuple[str, str | None]:
    bold = re.match(r"^\*\*(?P<title>[^*]+?)\*\*\s*:?\s*(?P<rest>.*)$", text, re.S)
    if bold and len(plain(bold.group("title"))) <= TITLE_LIMIT:
        return plain(bold.group("title")).rstrip(":"), text
    source = text
    if tracking:
        source = re.sub(r"\[[^\]]*\]\(" + re.escape(tracking) + r"\)", "", source)
        source = re.sub(r"\(?" + re.escape(tracking) + r"\)?", "", source)
    line = plain(source).rstrip(" .,:;") or plain(text)
    if len(line) > TITLE_LIMIT:
        line = first_sentence(source, TITLE_LIMIT)
    return line, (text if text != line else None)


def tracking_url(text: str) -> str | None:
    """The first link that looks like an issue, pull request or ticket."""
    candidates = [(label, url) for label, url in links(text) if _URL_OK.match(url)]
    for _label, url in candidates:
        if _ISSUE_URL.search(url):
            return url
    for label, url in candidates:
        if _ISSUE_LABEL.search(label):
            return url
    return None


_COLUMNS = {
    "title": r"action|item|task|title|what|description|summary",
    "owner": r"owner|who|assignee|responsible|team",
    "status": r"status|state|done",
    "priority": r"priority|prio",
    "due_date": r"due|deadline|by when|target",
    "tracking_url": r"issue|ticket|link|tracking|\bpr\b|url|jira",
}


def _table_items(
    lines: list[str], group: str | None, found: list[dict[str, Any]]
) -> list[str]:
    """Action items from the rows of tables; returns the other lines."""
    skip: set[int] = set()
    for table in tables(lines):
        columns = _table_columns(table.header)
        if "title" not in columns:
            continue
        skip.update(range(table.first_line, table.last_line + 1))
        for row in table.rows:
            cells = row + [""] * (len(table.header) - len(row))
            action = _row_action(cells, columns, table.header, group, len(found) + 1)
            if action:
                found.append(action)
    return [line for number, line in enumerate(lines) if number not in skip]


def _table_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        for name, pattern in _COLUMNS.items():
            if name not in columns and re.search(pattern, cell, re.I):
                columns[name] = index
                break
    return columns


def _row_action(cells, columns, header, group, number) -> dict[str, Any] | None:
    text = cells[columns["title"]].strip()
    if not text:
        return None
    row_text = " | ".join(f"{header[i]}: {c}" for i, c in enumerate(cells) if c)
    link = cells[columns["tracking_url"]] if "tracking_url" in columns else ""
    tracking = tracking_url(link) or tracking_url(text)
    if tracking is None and _URL_OK.match(link.strip()):
        tracking = link.strip()
    title, _description = _title_and_description(text, tracking)
    action: dict[str, Any] = {
        "id": f"AI-{number}",
        "title": title,
        "description": row_text,
    }
    if group:
        action["description"] += f"\n\nListed under {group!r}."
    owner = plain(cells[columns["owner"]]) if "owner" in columns else ""
    if owner and owner.lower() not in ("?", "tbd", "n/a", "-", "none", "unassigned"):
        action["owner"] = owner
    priority = (
        plain(cells[columns["priority"]]).lower() if "priority" in columns else ""
    )
    action["priority"] = priority if priority in ("high", "medium", "low") else "medium"
    action["_priority_stated"] = priority in ("high", "medium", "low")
    due = plain(cells[columns["due_date"]]) if "due_date" in columns else ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", due):
        action["due_date"] = due
    status = plain(cells[columns["status"]]).lower() if "status" in columns else ""
    action["status"] = item_status(status)
    if tracking:
        action["tracking_url"] = tracking
    return action


def item_status(text: str) -> str:
    """An action item status from words such as "done" or "in progress"."""
    words = text.strip().lower()
    for status, names in _STATUS_WORDS.items():
        if any(words == name or words.startswith(name + " ") for name in names):
            return status
    return "open"


# Stats ---------------------------------------------------------------------------


@dataclass
class Stats:
    """The figures of a "Stats" section, and the lines not used."""

    to_detect: timedelta | None = None
    to_recover: timedelta | None = None
    category: str | None = None
    severity: str | None = None
    rest: list[str] = field(default_factory=list)


_DETECT = re.compile(r"^(?:time\s+to\s+detect(?:ion)?|ttd|detection\s+time)$", re.I)
_RECOVER = re.compile(
    r"^(?:time\s+to\s+(?:recover(?:y)?|resolve|resolution|"
    r"restore|mitigate)|ttr|mttr|recovery\s+time|duration)$",
    re.I,
)


def stats(sections: list[Section], severities: list[str]) -> Stats:
    """Time to detection and recovery, category and severity, as written."""
    found = Stats()
    for section in sections:
        for _heading, lines, _paragraphs in _groups(section):
            for item in items(lines):
                if not _stat(item.full_text(), found, severities):
                    marker = "" if item.is_paragraph else "- "
                    found.rest.append(marker + item.full_text())
    return found


def _stat(text: str, found: Stats, severities: list[str]) -> bool:
    key, colon, value = text.partition(":")
    if not colon or text.startswith("[^"):
        return False
    key, value = plain(key).strip(), value.strip()
    if _DETECT.match(key) or _RECOVER.match(key):
        minutes, _understood = parse_duration(value)
        if minutes is None:
            return False  # "?", "N/A" or free text: kept as written
        span = timedelta(minutes=minutes)
        if _DETECT.match(key):
            found.to_detect = span
        else:
            found.to_recover = span
        return True
    if key.lower() == "category" and plain(value) and found.category is None:
        found.category = plain(value)
        return True
    if key.lower() == "severity" and plain(value).lower() in severities:
        found.severity = plain(value).lower()
        return True
    return False

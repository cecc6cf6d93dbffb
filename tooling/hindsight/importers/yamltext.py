"""Incident data written as YAML text in the format's key order.

Block style throughout; text with line breaks as ``|`` blocks, long single
lines as ``>`` blocks; a plain scalar only where it reads back as the same
string (``yes``, ``null``, ``2024-01-01``, ``: x`` and ``#x`` are quoted);
timestamps and dates unquoted, as people write them. The importer loads
what this writes before writing it, so a quoting mistake here cannot reach
a file unnoticed.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import yaml

from ..model import DATE_RE, TIMESTAMP_RE

TOP_ORDER = (
    "schema_version",
    "incident_id",
    "title",
    "severity",
    "status",
    "start_time",
    "detected_time",
    "acknowledged_time",
    "mitigated_time",
    "end_time",
    "duration_minutes",
    "impact_description",
    "services_affected",
    "kind",
    "tags",
    "references",
    "timeline_events",
    "analysis",
    "root_causes",
    "action_items",
    "lessons_learned",
    "review",
)
ORDERS: dict[str, tuple[str, ...]] = {
    "timeline_events": ("timestamp", "event", "source", "details", "impact"),
    "root_causes": (
        "id",
        "category",
        "description",
        "contributing_factors",
        "evidence",
        "likelihood",
        "impact",
    ),
    "action_items": (
        "id",
        "title",
        "description",
        "owner",
        "priority",
        "due_date",
        "status",
        "completed_date",
        "estimated_effort",
        "success_criteria",
        "related_root_causes",
        "tracking_url",
    ),
    "review": ("date", "attendees", "duration_minutes", "follow_up_date"),
}
SPACED = {
    "timeline_events",
    "analysis",
    "root_causes",
    "action_items",
    "lessons_learned",
    "review",
}
TIME_KEYS = {
    "start_time",
    "detected_time",
    "acknowledged_time",
    "mitigated_time",
    "end_time",
    "timestamp",
}
DATE_KEYS = {"due_date", "completed_date", "date", "follow_up_date"}

_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_NEEDS_ESCAPE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]"
)
_NUMBERISH = re.compile(r"^[-+.]?[0-9][0-9a-zA-Z._:+-]*$")  # numbers in YAML 1.1 or 1.2
FOLD_AT = 100


def dump_incident(data: dict[str, Any]) -> str:
    """The YAML text of one incident, without comments."""
    lines: list[str] = []
    for key in _ordered(data, TOP_ORDER):
        if key in SPACED and lines:
            lines.append("")
        lines.extend(_entry(key, data[key], 0, None, ORDERS.get(key)))
    return "\n".join(lines) + "\n"


def _ordered(mapping: dict[str, Any], order: tuple[str, ...] | None) -> list[str]:
    known = [k for k in (order or ()) if k in mapping]
    return known + [k for k in mapping if k not in known]


def _entry(
    key: str, value: Any, indent: int, prefix: str | None, order: tuple[str, ...] | None
) -> list[str]:
    head = (prefix if prefix is not None else " " * indent) + f"{key}:"
    if isinstance(value, dict):
        if not value:
            return [head + " {}"]
        return [head, *_mapping(value, indent + 2, ORDERS.get(key))]
    if isinstance(value, list):
        if not value:
            return [head + " []"]
        return [head, *_sequence(value, indent + 2, order)]
    return _scalar_lines(head, value, indent, key)


def _mapping(
    mapping: dict[str, Any],
    indent: int,
    order: tuple[str, ...] | None,
    first_prefix: str | None = None,
) -> list[str]:
    lines: list[str] = []
    for position, key in enumerate(_ordered(mapping, order)):
        prefix = first_prefix if position == 0 else None
        lines.extend(_entry(key, mapping[key], indent, prefix, ORDERS.get(key)))
    return lines


def _sequence(
    items: list[Any], indent: int, order: tuple[str, ...] | None
) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item:
            lines.extend(_mapping(item, indent + 2, order, first_prefix=pad + "- "))
        elif isinstance(item, list) and item:
            lines.append(pad + "-")
            lines.extend(_sequence(item, indent + 2, None))
        else:
            lines.extend(_scalar_lines(pad + "-", item, indent, None))
    return lines


def _scalar_lines(head: str, value: Any, indent: int, key: str | None) -> list[str]:
    if isinstance(value, dict):
        return [head + " {}"]
    if isinstance(value, list):
        return [head + " []"]
    if value is None:
        return [head + " null"]
    if isinstance(value, bool):
        return [head + (" true" if value else " false")]
    if isinstance(value, (int, float)):
        return [head + f" {value!r}"]
    text = str(value)
    if key in TIME_KEYS and TIMESTAMP_RE.match(text) and text == text.strip():
        return [f"{head} {text}"]
    if key in DATE_KEYS and DATE_RE.match(text):
        return [f"{head} {text}"]
    if "\n" in text:
        block = literal_block(text, indent + 2)
        if block is not None:
            return [f"{head} {block[0]}", *block[1:]]
    elif len(text) > FOLD_AT:
        block = folded_block(text, indent + 2)
        if block is not None:
            return [f"{head} {block[0]}", *block[1:]]
    return [f"{head} {inline(text)}"]


def inline(text: str) -> str:
    """A one-line scalar: plain when that reads back as ``text``, else quoted."""
    return text if plain_ok(text) else quoted(text)


def plain_ok(text: str) -> bool:
    """True when ``text`` can be written as a plain scalar in block context."""
    if not text or text != text.strip() or not text.isprintable():
        return False
    if text[0] in _INDICATORS or text.startswith(("...", "---")):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if _NUMBERISH.match(text) or text.lower() in ("null", "true", "false", "~"):
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR


def quoted(text: str) -> str:
    """A double-quoted scalar that reads back as ``text``."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif _NEEDS_ESCAPE.match(char) or not (char.isprintable() or char == " "):
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _block_safe(text: str) -> bool:
    return (
        not _NEEDS_ESCAPE.search(text)
        and "\r" not in text
        and all(char.isprintable() or char in " \t\n" for char in text)
    )


def literal_block(text: str, indent: int) -> list[str] | None:
    """``|`` block lines for multi-line ``text``; None when one cannot hold it."""
    if not _block_safe(text) or not text.strip():
        return None
    lines = text.split("\n")
    trailing = len(text) - len(text.rstrip("\n"))
    if trailing > 1:
        return None  # kept blank lines would swallow the blank line after a block
    chomp = "-" if trailing == 0 else ""
    body = lines[:-1] if trailing else lines
    if any(line != line.rstrip(" \t") and not line.strip() for line in body):
        return None  # whitespace-only lines do not survive a block
    first = next(line for line in body if line.strip())
    if first[0] == "\t":
        return None
    indicator = "2" if first[0] == " " else ""  # content sits 2 in from its key
    pad = " " * indent
    rendered = [pad + line if line else "" for line in body]
    head = "|" + indicator + chomp
    return [head, *rendered]


def folded_block(text: str, indent: int) -> list[str] | None:
    """``>`` block lines for one long line of ``text``; None if it cannot."""
    if "  " in text or "\t" in text or text != text.strip() or not _block_safe(text):
        return None
    width = max(40, 80 - indent)
    lines = textwrap.wrap(
        text, width=width, break_long_words=False, break_on_hyphens=False
    )
    if " ".join(lines) != text or len(lines) < 2:
        return None
    return [">-", *(" " * indent + line for line in lines)]


def comment_lines(text: str, width: int = 86) -> list[str]:
    """``text`` as ``#`` comment lines, wrapped, without control characters."""
    clean = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text)
    wrapped = textwrap.wrap(
        clean, width=width - 2, break_long_words=False, break_on_hyphens=False
    ) or [""]
    return ["# " + line if line else "#" for line in wrapped]

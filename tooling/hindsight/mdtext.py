"""Put untrusted text into Markdown so that it shows as text, never as markup.

Incident files come from anyone who can open a pull request. MkDocs and
Python-Markdown pass raw HTML through, and a Markdown link or image runs
whatever URL it names, so every value taken from an incident file enters a
page through :func:`text` (running text), :func:`cell` (a table cell) or
:func:`link` (a link whose target must be http or https).
"""

from __future__ import annotations

import re

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()!|])")
"""Characters that are markup anywhere in a line; a backslash escapes them."""
_LINE_START = re.compile(r"^(\s*)([#+\-=]|\d+(?=\.(?:\s|$)))", re.MULTILINE)
"""Headings, list items and setext underlines are markup only at a line start."""
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)


def text(value: object) -> str:
    """Escape a value for running Markdown text (one paragraph or less).

    HTML special characters become entities; Markdown punctuation is
    backslash-escaped; line breaks are kept as Markdown line breaks.
    """
    escaped = _LINE_START.sub(
        _escape_line_start, _escape("" if value is None else str(value))
    )
    lines = [line.strip() for line in escaped.splitlines()]
    return (
        "  \n".join(line for line in lines if line)
        if len(lines) > 1
        else (lines[0] if lines else "")
    )


def _escape(raw: str) -> str:
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    raw = raw.replace('"', "&quot;")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", raw)


def _escape_line_start(match: re.Match[str]) -> str:
    lead, mark = match.group(1), match.group(2)
    if mark[0].isdigit():
        return f"{lead}{mark}\\"  # "1." starts a list: escape the dot
    return f"{lead}\\{mark}"


def cell(value: object) -> str:
    """Escape a value for one cell of a Markdown table: no line breaks."""
    return " ".join(text(value).split("  \n")).replace("\n", " ")


def safe_url(value: object) -> str | None:
    """The URL when it is plain http(s), else None."""
    url = "" if value is None else str(value).strip()
    return url if _SAFE_URL.match(url) else None


def link(label: object, url: object) -> str:
    """A Markdown link when ``url`` is http(s); the escaped text otherwise."""
    target = safe_url(url)
    shown = text(label)
    if target is None:
        return shown
    target = target.replace("(", "%28").replace(")", "%29")
    return f"[{shown}](<{target}>)" if " " in target else f"[{shown}]({target})"


def message(value: str) -> str:
    """A message of this toolkit, whose `backticked` parts become code spans.

    Messages quote values from incident files between backticks; the quoted
    parts become code spans (which never render as markup) and the rest is
    escaped as running text.
    """
    parts = value.split("`")
    if len(parts) % 2 == 0:  # an unbalanced backtick: the last one is text
        parts[-2] = parts[-2] + "`" + parts.pop()
    shown = []
    for index, part in enumerate(parts):
        if index % 2 and part and "\n" not in part:
            shown.append(f"`{part}`")
        else:
            shown.append(_escape(" ".join(part.replace("`", "'").splitlines())))
    return "".join(shown)

"""The structure of a Markdown postmortem: title, sections, lists, tables.

A *section* is a heading of the outline's top level after the title (``##``
in most templates; a stray ``# Stats`` counts too) with the text up to the
next one; headings below that level are the section's *parts*. Headings
inside fenced code blocks are text. Nothing here interprets what a section
means: :mod:`hindsight.importers.markdown` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_MYST_LABEL = re.compile(r"^\([\w.:-]+\)=\s*$")
_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,3}[.)])[ \t]+(?P<text>.*)$")
_CHECK = re.compile(r"^\[(?P<mark>[ xX])\][ \t]+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINK = re.compile(r"\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")


@dataclass
class Part:
    """A heading below the section level and the lines under it."""

    heading: str
    level: int
    lines: list[str]


@dataclass
class Section:
    """A top-level heading, its own lines, and its parts."""

    heading: str
    level: int
    lines: list[str] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)

    def text(self) -> str:
        """The section's body as written, without its heading."""
        chunks = ["\n".join(self.lines)]
        for part in self.parts:
            chunks.append(
                f"{'#' * part.level} {part.heading}\n" + "\n".join(part.lines)
            )
        return "\n\n".join(c.strip("\n") for c in chunks if c.strip())


@dataclass
class Outline:
    """A document: its title, the text before the first section, sections."""

    title: str | None
    preamble: list[str]
    sections: list[Section]
    front_matter: str | None = None


def parse_outline(text: str) -> Outline:
    """Split Markdown text into title, preamble and sections."""
    front, body = _front_matter(text)
    headings = _headings(body)
    title, title_index = None, None
    if headings and headings[0][1] == 1:
        title, title_index = headings[0][2], 0
    lines = body.splitlines()
    after = headings[title_index + 1 :] if title_index is not None else headings
    top = max(2, min((level for _l, level, _h in after), default=2))
    sections: list[Section] = []
    start = headings[title_index][0] + 1 if title_index is not None else 0
    preamble_end = after[0][0] if after else len(lines)
    preamble = lines[start:preamble_end]
    for position, (line, level, heading) in enumerate(after):
        end = after[position + 1][0] if position + 1 < len(after) else len(lines)
        chunk = lines[line + 1 : end]
        if level <= top or not sections:
            sections.append(Section(heading, level, chunk))
        else:
            sections[-1].parts.append(Part(heading, level, chunk))
    return Outline(title, preamble, sections, front)


def _front_matter(text: str) -> tuple[str | None, str]:
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for index in range(1, min(len(lines), 200)):
            if lines[index].strip() in ("---", "..."):
                rest = [""] * (index + 1) + lines[index + 1 :]
                return "\n".join(lines[1:index]), "\n".join(rest)
    return None, text


def _headings(text: str) -> list[tuple[int, int, str]]:
    found = []
    fenced = False
    for number, line in enumerate(text.splitlines()):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        match = _HEADING.match(line)
        if match and match.group(2):
            found.append((number, len(match.group(1)), match.group(2).strip()))
    return found


def clean_lines(lines: list[str]) -> list[str]:
    """Lines without MyST labels and HTML comments, right-stripped."""
    kept = []
    for line in lines:
        if _MYST_LABEL.match(line):
            continue
        kept.append(re.sub(r"<!--.*?-->", "", line).rstrip())
    return kept


def block_text(lines: list[str]) -> str:
    """Lines joined, with outer blank lines and trailing spaces removed."""
    return "\n".join(clean_lines(lines)).strip("\n")


# Lists and paragraphs ------------------------------------------------------------


@dataclass
class Item:
    """A list item (with its nested lines) or a paragraph."""

    text: str
    checked: bool | None = None  # None: no checkbox
    is_paragraph: bool = False
    children: list[str] = field(default_factory=list)

    def full_text(self) -> str:
        """The item's text and its nested lines, as written."""
        return "\n".join([self.text, *self.children]).strip()


def items(lines: list[str]) -> list[Item]:
    """The list items and paragraphs of a body, in order.

    Lines indented under an item are its children (nested lists, wrapped
    lines, code); a paragraph that follows a list without indentation is an
    item of its own.
    """
    found: list[Item] = []
    current: Item | None = None
    indent = 0
    fenced = False
    for raw in clean_lines(lines):
        if _FENCE.match(raw):
            fenced = not fenced
        if current is not None and (fenced or _FENCE.match(raw)):
            current.children.append(raw)
            continue
        match = _ITEM.match(raw)
        if match and (
            current is None
            or len(match.group("indent")) <= indent
            or current.is_paragraph
        ):
            current, indent = _new_item(match), len(match.group("indent"))
            found.append(current)
        elif not raw.strip():
            if current is not None and current.is_paragraph:
                current = None
            elif current is not None:
                current.children.append("")
        elif current is None:
            current = Item(raw.strip(), is_paragraph=True)
            found.append(current)
        elif current.is_paragraph:
            current.text += "\n" + raw.strip()
        elif raw.startswith((" ", "\t")) or match:
            current.children.append(raw)
        elif current.children and current.children[-1] == "":
            current = Item(raw.strip(), is_paragraph=True)
            found.append(current)
        else:
            current.text += "\n" + raw.strip()
    for item in found:
        while item.children and not item.children[-1].strip():
            item.children.pop()
    return found


def _new_item(match: re.Match[str]) -> Item:
    text = match.group("text")
    check = _CHECK.match(text)
    if check:
        return Item(text[check.end() :].strip(), checked=check.group("mark") != " ")
    return Item(text.strip())


# Tables ------------------------------------------------------------------------


@dataclass
class Table:
    """A pipe table: header cells, rows of cells, and where it was."""

    header: list[str]
    rows: list[list[str]]
    first_line: int
    last_line: int


def tables(lines: list[str]) -> list[Table]:
    """The pipe tables in ``lines`` (a header row, a rule row, then rows)."""
    found = []
    index = 0
    while index + 1 < len(lines):
        if "|" in lines[index] and _TABLE_RULE.match(lines[index + 1]):
            header = split_row(lines[index])
            rows = []
            end = index + 2
            while end < len(lines) and "|" in lines[end] and lines[end].strip():
                rows.append(split_row(lines[end]))
                end += 1
            found.append(Table(header, rows, index, end - 1))
            index = end
        else:
            index += 1
    return found


def split_row(line: str) -> list[str]:
    """The cells of a table row; ``\\|`` stays in the cell."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [cell.strip().replace("\\|", "|") for cell in cells]


# Inline text -----------------------------------------------------------------


def links(text: str) -> list[tuple[str, str]]:
    """``(label, url)`` of every Markdown link and bare URL, in order."""
    found: list[tuple[int, str, str]] = []
    spans = []
    for match in _LINK.finditer(text):
        found.append((match.start(), match.group("label"), match.group("url")))
        spans.append(match.span())
    for match in _BARE_URL.finditer(text):
        if not any(a <= match.start() < b for a, b in spans):
            found.append((match.start(), "", match.group(0)))
    return [(label, url) for _, label, url in sorted(found)]


def plain(text: str) -> str:
    """One line of text without link syntax and emphasis markers."""
    text = _LINK.sub(lambda m: m.group("label") or m.group("url"), text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"<[^>\n]+>", "", text) if "<" in text else text
    return " ".join(text.replace("\\", "").split())


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of ``text`` as one plain line, cut at ``limit``."""
    line = plain(text)
    match = re.match(r"^(.+?[.!?])(?=\s+[A-Z\"'(\[]|\s*$)", line)
    sentence = match.group(1) if match else line
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "\u2026"


def headline(text: str, limit: int = 160) -> str:
    """A one-line title for a block of text: its first sentence.

    Only the first paragraph counts, without list markers and before any
    code block.
    """
    lines = []
    for line in text.strip().splitlines():
        if not line.strip() or _FENCE.match(line):
            if lines:
                break
            continue
        lines.append(re.sub(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+", "", line))
    return first_sentence(" ".join(lines), limit)

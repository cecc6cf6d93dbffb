"""Importers: incident files from what other tools and people wrote.

An importer reads a *source* (a status page's JSON, a Markdown
postmortem) into a :class:`Draft`: the incident's fields, the source's
identity, and every value the importer had to guess or derive. A source
that cannot become an incident is a :class:`Rejected` with the reason.
:mod:`hindsight.importers.writer` turns drafts into validated files.

Importers invent no facts: where the source lacks a required field, the
draft takes the best value available and says so in a guess, and its status
stays ``draft``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Kinds of rejection; the first two make the import exit with code 1.
UNREADABLE = "unreadable"  # the file cannot be read or parsed
INVALID = "invalid"  # read, but no valid incident can be made from it
NOT_INCIDENT = "not_an_incident"  # a template, an index page, a license
ERROR_KINDS = (UNREADABLE, INVALID)


@dataclass
class Guess:
    """A field the importer filled in without the source saying it."""

    field: str
    text: str


@dataclass
class Draft:
    """An incident read from a source, before it gets an id and a file."""

    source: str  # the source as shown to users: a path, ``path#3`` for an entry
    key: str  # the source's identity, kept as a tag: ``statuspage:<id>``
    command: str  # the import command that read it: statuspage, markdown
    data: dict[str, Any] = field(default_factory=dict)
    guesses: list[Guess] = field(default_factory=list)

    def guess(self, name: str, text: str) -> None:
        """Record that ``name`` was guessed or derived, and how."""
        if not any(g.field == name and g.text == text for g in self.guesses):
            self.guesses.append(Guess(name, text))


@dataclass
class Rejected:
    """A source that did not become an incident, and why."""

    source: str
    reason: str
    kind: str = INVALID


@dataclass
class ReadOptions:
    """What every reader may use: the taxonomy and the user's defaults."""

    taxonomy: Any  # hindsight.taxonomy.Taxonomy
    severity: str | None = None  # --severity: when the source states none
    services: list[str] = field(default_factory=list)  # --service: likewise


Reader = Callable[[Path, str, ReadOptions], Iterator["Draft | Rejected"]]


def source_files(
    paths: list[Path], wanted: Callable[[Path], bool], what: str
) -> Iterator[tuple[Path, Rejected | None]]:
    """The files named by ``paths``; folders are searched recursively.

    A named file is always tried. In a folder, files that ``wanted``
    refuses are reported as not incidents (``what`` says what was
    expected), so that every file of a folder is accounted for.
    """
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if not child.is_file() or any(p.startswith(".") for p in relative):
                    continue
                if wanted(child):
                    yield child, None
                else:
                    yield child, Rejected(str(child), f"not {what}", NOT_INCIDENT)
        elif path.is_file():
            yield path, None
        else:
            yield path, Rejected(str(path), "no such file or folder", UNREADABLE)


def read_text(path: Path, limit: int = 20_000_000) -> str:
    """The UTF-8 text of a file (a byte-order mark is dropped).

    Raises OSError or UnicodeDecodeError, or ValueError for a file over
    ``limit`` bytes, for the caller to turn into a rejection.
    """
    size = path.stat().st_size
    if size > limit:
        raise ValueError(f"file is {size:,} bytes, over the limit of {limit:,}")
    return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")


def describe_error(error: Exception) -> str:
    """A one-line reason for a file that could not be read."""
    if isinstance(error, UnicodeDecodeError):
        return (
            f"not UTF-8 text (byte 0x{error.object[error.start]:02x} at "
            f"offset {error.start})"
        )
    if isinstance(error, OSError):
        return f"cannot read the file: {error.strerror or error}"
    return str(error)


def fallback_severity(options: ReadOptions, draft: Draft, why: str) -> str:
    """The severity for a source that states none: ``--severity`` or the middle one.

    The taxonomy lists severities most severe first; without ``--severity``
    the importer takes ``medium`` when the taxonomy has it, else the middle
    of the list, and records the guess.
    """
    if options.severity:
        draft.guess("severity", f"{why}; --severity {options.severity} is used")
        return options.severity
    severities = list(options.taxonomy.severities)
    chosen = "medium" if "medium" in severities else severities[len(severities) // 2]
    draft.guess("severity", f"{why}; {chosen} is assumed")
    return chosen


def fallback_services(options: ReadOptions, draft: Draft, why: str) -> list[str]:
    """The services for a source that names none: ``--service`` or a placeholder."""
    if options.services:
        draft.guess("services_affected", f"{why}; --service is used")
        return list(options.services)
    draft.guess("services_affected", f"{why}; `unknown-service` stands in")
    return ["unknown-service"]

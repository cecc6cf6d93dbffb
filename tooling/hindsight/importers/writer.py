"""Turn drafts into incident files: ids, paths, validation, no overwrites.

A :class:`Writer` scans the repository once for the incident ids in use and
for the sources imported before (their ``statuspage:<id>`` or
``markdown:<name>`` tag), then, per draft:

1. skips a source imported before, unless ``force`` (then the file is
   rewritten with the id it had) or seen earlier in the same run;
2. allocates the next free id of the start year from the taxonomy's
   ``incident_id_template``;
3. names the file ``incidents/<year>/<YYYY-MM-DD>-<slug>.yaml``; a file of
   another incident is never overwritten, the new one gets ``-2``, ``-3``;
4. writes the YAML with a comment block of what was guessed, loads and
   validates that text, and writes it only when it has no errors and reads
   back as the data meant.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..findings import ERROR
from ..load import LoadError, load_bytes
from ..repository import Repository
from ..scaffold import slugify
from ..validate import Validator, scan_incident_id
from . import ERROR_KINDS, INVALID, Draft, Rejected
from .yamltext import comment_lines, dump_incident

ALREADY_IMPORTED = "already_imported"
DUPLICATE = "duplicate"
NOT_WRITTEN = "not_written"

_KEY = r"(?:statuspage|markdown):[A-Za-z0-9][A-Za-z0-9._/-]*"
_BLOCK_TAG = re.compile(rf"^[ \t]*-[ \t]+[\"']?({_KEY})[\"']?[ \t]*$", re.M)
_FLOW_TAGS = re.compile(r"^tags:[ \t]*\[(.*)\][ \t]*$", re.M)


@dataclass
class Outcome:
    """What became of one source."""

    source: str
    action: str  # created, updated or skipped
    path: str | None = None
    incident_id: str | None = None
    kind: str | None = None  # why it was skipped
    reason: str | None = None
    guessed: list[str] = field(default_factory=list)


@dataclass
class _Known:
    path: Path
    incident_id: str | None


class Writer:
    """Writes drafts into one repository; collects an outcome per source."""

    def __init__(
        self, repo: Repository, *, force: bool = False, dry_run: bool = False
    ) -> None:
        self.repo = repo
        self.force = force
        self.dry_run = dry_run
        self.validator = Validator(repo.taxonomy)
        self.outcomes: list[Outcome] = []
        self._ids: set[str] = set()
        self._sources: dict[str, _Known] = {}
        self._paths: set[Path] = set()
        self._seen: dict[str, str] = {}
        self._highest: dict[str, int] = {}
        self._scan()

    def _scan(self) -> None:
        for path in self.repo.incident_files():
            self._paths.add(path)
            try:
                text = path.read_text("utf-8", errors="replace")
            except OSError:
                continue
            found = scan_incident_id(text)
            ident = found[0] if found else None
            if ident:
                self._ids.add(ident)
            for key in source_keys(text):
                self._sources.setdefault(key, _Known(path, ident))

    def add(self, item: Draft | Rejected) -> Outcome:
        """Import one draft, or record one rejection."""
        if isinstance(item, Rejected):
            outcome = Outcome(
                item.source, "skipped", kind=item.kind, reason=item.reason
            )
        else:
            outcome = self._draft(item)
        self.outcomes.append(outcome)
        return outcome

    def _draft(self, draft: Draft) -> Outcome:
        if draft.key in self._seen:
            return Outcome(
                draft.source,
                "skipped",
                kind=DUPLICATE,
                reason=f"the same incident as {self._seen[draft.key]}",
            )
        known = self._sources.get(draft.key)
        if known is not None and not self.force:
            return Outcome(
                draft.source,
                "skipped",
                path=self.repo.display(known.path),
                incident_id=known.incident_id,
                kind=ALREADY_IMPORTED,
                reason=f"imported before as {self.repo.display(known.path)}; "
                "--force updates it",
            )
        data = self._complete(draft, known)
        path = self._path_for(data, known)
        text = render(draft, data, path, self.repo)
        problem = self._check(text, data, path)
        if problem:
            return Outcome(draft.source, "skipped", kind=INVALID, reason=problem)
        if not self.dry_run:
            try:
                _write(path, text, replace=known is not None and path == known.path)
                if known is not None and path != known.path and known.path.exists():
                    known.path.unlink()
            except OSError as error:
                return Outcome(
                    draft.source,
                    "skipped",
                    kind=NOT_WRITTEN,
                    reason=f"cannot write {self.repo.display(path)}: "
                    f"{error.strerror or error}",
                )
        self._register(draft.key, data["incident_id"], path, draft.source)
        return Outcome(
            draft.source,
            "updated" if known else "created",
            path=self.repo.display(path),
            incident_id=data["incident_id"],
            guessed=sorted({g.field for g in draft.guesses}),
        )

    def _complete(self, draft: Draft, known: _Known | None) -> dict[str, Any]:
        year = int(str(draft.data["start_time"])[:4])
        ident = (
            known.incident_id if known and known.incident_id else self._next_id(year)
        )
        data: dict[str, Any] = {"schema_version": 1, "incident_id": ident}
        data.update(draft.data)
        tags = list(data.get("tags") or [])
        if draft.key not in tags:
            tags.append(draft.key)
        data["tags"] = tags
        return data

    def _next_id(self, year: int) -> str:
        template = self.repo.taxonomy.incident_id_template
        prefix = template.partition("{number")[0].format(year=year)
        if prefix not in self._highest:
            numbers = [
                int(m.group())
                for ident in self._ids
                if ident.startswith(prefix)
                for m in [re.match(r"\d+", ident[len(prefix) :])]
                if m
            ]
            self._highest[prefix] = max(numbers, default=0)
        number = self._highest[prefix] + 1
        while template.format(year=year, number=number) in self._ids:
            number += 1
        self._highest[prefix] = number
        return template.format(year=year, number=number)

    def _path_for(self, data: dict[str, Any], known: _Known | None) -> Path:
        day = str(data["start_time"])[:10]
        folder = self.repo.incidents_dir / day[:4]
        stem = f"{day}-{slugify(str(data['title']))}"
        candidate = folder / f"{stem}.yaml"
        number = 1
        own = known.path if known else None
        while candidate != own and (candidate in self._paths or candidate.exists()):
            number += 1
            candidate = folder / f"{stem}-{number}.yaml"
        return candidate

    def _check(self, text: str, data: dict[str, Any], path: Path) -> str | None:
        name = self.repo.display(path)
        try:
            document = load_bytes(text.encode("utf-8"), path)
        except LoadError as error:
            return f"the YAML written does not load: {error.message}"
        errors = [
            f for f in self.validator.check(document, name) if f.severity == ERROR
        ]
        if errors:
            shown = "; ".join(f"{f.path}: {f.message}" for f in errors[:3])
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            return f"the incident would not validate: {shown}{more}"
        if document.data != data:
            return "the YAML written does not read back as the data meant"
        return None

    def _register(self, key: str, ident: str, path: Path, source: str) -> None:
        self._ids.add(ident)
        self._paths.add(path)
        self._seen[key] = source
        self._sources[key] = _Known(path, ident)

    @property
    def failed(self) -> bool:
        """True when a source could not be read or made into an incident."""
        return any(o.kind in (*ERROR_KINDS, NOT_WRITTEN) for o in self.outcomes)

    def summary(self) -> dict[str, Any]:
        """Counts and outcomes, as ``--format json`` prints them."""
        actions = Counter(o.action for o in self.outcomes)
        kinds = Counter(o.kind for o in self.outcomes if o.action == "skipped")
        guessed = Counter(name for o in self.outcomes for name in o.guessed)
        return {
            "dry_run": self.dry_run,
            "imported": actions["created"] + actions["updated"],
            "created": actions["created"],
            "updated": actions["updated"],
            "skipped": actions["skipped"],
            "skipped_by_kind": dict(sorted(kinds.items())),
            "guessed_fields": dict(sorted(guessed.items())),
            "results": [asdict(o) for o in self.outcomes],
        }


def source_keys(text: str) -> list[str]:
    """The import source tags of an incident file's text."""
    keys = _BLOCK_TAG.findall(text)
    for match in _FLOW_TAGS.finditer(text):
        keys.extend(re.findall(_KEY, match.group(1)))
    return keys


def render(draft: Draft, data: dict[str, Any], path: Path, repo: Repository) -> str:
    """The file's text: the modeline, what was guessed, then the YAML."""
    schema = Path(os.path.relpath(repo.schema_path, path.parent)).as_posix()
    lines = [f"# yaml-language-server: $schema={schema}"]
    lines.extend(
        comment_lines(
            f"Imported by `hindsight import {draft.command}` from "
            f"{draft.source} (source id {draft.key}, kept in "
            "`tags` so that a re-import is recognised)."
        )
    )
    if draft.guesses:
        lines.append("# Guessed or derived by the importer; check before the review:")
        for guess in draft.guesses:
            wrapped = comment_lines(f"{guess.field}: {guess.text}", width=84)
            lines.append("# - " + wrapped[0][2:])
            lines.extend("#   " + line[2:] for line in wrapped[1:])
    return "\n".join(lines) + "\n" + dump_incident(data)


def _write(path: Path, text: str, *, replace: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not replace:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
        return
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)

"""The validation cache: results of files whose bytes were seen before.

An *entry* is what checking one file produced, without the file's name:
whether it loaded, its findings as ``(line, column, severity, message,
path, rule)``, and its incident id with the id's line (so the unique-id rule
can see every file without parsing it). Entries are keyed by the sha256 of
the file's bytes and by the file's base name, because one rule reads the
name (it must start with the incident's start date); the same content
under two folders shares an entry, and the file name is added back when
the entry is read.

The cache of a repository is one JSON file in ``$HINDSIGHT_CACHE_DIR``, else
``$XDG_CACHE_HOME/hindsight/``, else ``~/.cache/hindsight/``, named by a
hash of the repository's resolved root. It holds the *configuration key*:
a hash of the toolkit's version and checking code, PyYAML's version, the
schema and the taxonomy's text. Another key means every entry is stale. A cache
file that is missing, corrupt or unreadable counts as empty and is never an
error; it is replaced atomically, so a run that is interrupted leaves the
old file or the new one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import yaml

from . import __version__

FORMAT = 1
"""The layout of the cache file; another layout is read as an empty cache."""

FindingFields = tuple[int, int, str, str, str, str]
"""A finding without its file: line, column, severity, message, path, rule."""


class Entry(NamedTuple):
    """What checking one file's bytes produced."""

    loaded: bool
    findings: tuple[FindingFields, ...]
    incident_id: str | None
    id_line: int


def content_key(raw: bytes, path: str) -> str:
    """The key of a file's entry: its bytes and the name the rules read."""
    digest = hashlib.sha256(raw).hexdigest()
    folders = path.split(os.sep)
    name = folders.pop()
    return f"{digest}:{name}:{int('incidents' in folders)}"


def config_key(schema: dict[str, Any], taxonomy_text: str, extra: str = "") -> str:
    """A hash of everything besides a file's bytes that its findings depend on."""
    parts = [
        f"hindsight {__version__}",
        f"pyyaml {yaml.__version__}",
        _source_digest(),
        json.dumps(schema, sort_keys=True),
        taxonomy_text,
        extra,
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@functools.cache
def _source_digest() -> str:
    """A hash of the checking code, so an edited checkout never reuses results.

    A release changes the version too; the code matters for a checkout
    installed in editable mode, where it changes under one version.
    """
    digest = hashlib.sha256()
    for module in checking_modules():
        with contextlib.suppress(OSError, TypeError):
            digest.update(module.__name__.encode() + b"\0")
            digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def checking_modules() -> list[ModuleType]:
    """The toolkit's modules whose code decides a file's findings.

    That is the loader, the validator and every module of the package they
    take a name from, followed to the end, plus this module and the
    pipeline, which turn a check into an entry.
    """
    from . import load, pipeline, validate

    found: dict[str, ModuleType] = {}
    todo = [load, validate]
    while todo:
        module = todo.pop()
        if module.__name__ in found:
            continue
        found[module.__name__] = module
        for value in vars(module).values():
            name = (
                value.__name__
                if isinstance(value, ModuleType)
                else getattr(value, "__module__", None)
            )
            if isinstance(name, str) and name.startswith("hindsight."):
                if name not in found and name in sys.modules:
                    todo.append(sys.modules[name])
    found[__name__] = sys.modules[__name__]
    found[pipeline.__name__] = pipeline
    return [found[name] for name in sorted(found)]


def cache_dir() -> Path:
    """Where cache files live (``HINDSIGHT_CACHE_DIR`` overrides)."""
    chosen = os.environ.get("HINDSIGHT_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "hindsight"


def cache_file(root: Path) -> Path:
    """The cache file of the repository at ``root``."""
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
    return cache_dir() / f"{name}.json"


class ResultCache:
    """The entries of one repository under one configuration key."""

    def __init__(self, path: Path, config: str) -> None:
        self.path = path
        self.config = config
        self.hits = 0
        self.misses = 0
        self._old = _read(path, config)
        self._new: dict[str, list] = {}
        self._changed = False

    def get(self, key: str) -> Entry | None:
        """The entry of ``key``, or None; a malformed entry is a miss."""
        entry = _entry(self._old.get(key))
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._new[key] = self._old[key]
        return entry

    def put(self, key: str, entry: Entry) -> None:
        """Remember ``entry`` for ``key``."""
        self._new[key] = [
            entry.loaded,
            [list(f) for f in entry.findings],
            entry.incident_id,
            entry.id_line,
        ]
        self._changed = True

    def save(self, keep_unused: bool = False) -> None:
        """Write the entries used (and with ``keep_unused`` the others too).

        A full run drops entries of files that are gone or changed, which
        bounds the file by the repository's size. Failing to write is not
        an error: the next run checks again.
        """
        entries = {**self._old, **self._new} if keep_unused else self._new
        if not self._changed and entries.keys() == self._old.keys():
            return
        body = json.dumps(
            {"format": FORMAT, "config": self.config, "entries": entries},
            separators=(",", ":"),
        )
        try:
            _write_atomically(self.path, body)
            _prune(self.path.parent, keep=MAX_REPOSITORIES)
        except OSError:
            return


MAX_REPOSITORIES = 100
"""Cache files kept in the folder; the ones written longest ago go first."""


def _prune(folder: Path, keep: int) -> None:
    """Remove the oldest cache files beyond ``keep`` (only files named as ours)."""
    ours = [p for p in folder.glob("*.json") if _OURS.fullmatch(p.name)]
    if len(ours) <= keep:
        return
    ours.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for path in ours[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()


_OURS = re.compile(r"[0-9a-f]{32}\.json")


def _read(path: Path, config: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return {}
    entries = document.get("entries")
    if document.get("config") != config or not isinstance(entries, dict):
        return {}
    return entries


def _entry(value: Any) -> Entry | None:
    """An entry read back from JSON, checked field by field."""
    if not isinstance(value, list) or len(value) != 4:
        return None
    loaded, findings, ident, line = value
    if not isinstance(loaded, bool) or not isinstance(findings, list):
        return None
    if not (ident is None or isinstance(ident, str)) or type(line) is not int:
        return None
    fields = []
    for item in findings:
        if not (
            isinstance(item, list)
            and len(item) == 6
            and all(type(v) is int for v in item[:2])
            and all(isinstance(v, str) for v in item[2:])
        ):
            return None
        fields.append(tuple(item))
    return Entry(loaded, tuple(fields), ident, line)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

"""Where things are in a postmortem repository, and its configuration.

A repository has ``incidents/`` and may have ``schemas/taxonomy.yaml``,
``schemas/incident.schema.json``, ``mkdocs.yml`` and ``site/``; what it
lacks, the packaged defaults provide. Generated files go under ``build/``,
which git ignores.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .taxonomy import Taxonomy, load_taxonomy

INCIDENT_SUFFIXES = (".yaml", ".yml")

_ID_LINE = re.compile(r"^incident_id:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)


def scan_incident_id(text: str) -> tuple[str, int] | None:
    """The incident id of a file's text and its line, without parsing YAML."""
    match = _ID_LINE.search(text)
    if not match:
        return None
    return match.group(1), text.count("\n", 0, match.start()) + 1


class IncidentNotFound(LookupError):
    """No file, or several files, hold the incident asked for."""


@dataclass
class Repository:
    """A postmortem repository rooted at ``root``."""

    root: Path

    @property
    def incidents_dir(self) -> Path:
        return self.root / "incidents"

    @property
    def taxonomy_path(self) -> Path:
        return self.root / "schemas" / "taxonomy.yaml"

    @property
    def schema_path(self) -> Path:
        return self.root / "schemas" / "incident.schema.json"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def site_dir(self) -> Path:
        """The default output folder of ``hindsight build``."""
        return self.build_dir / "site"

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return load_taxonomy(self.taxonomy_path)

    def incident_files(self) -> list[Path]:
        """Every incident file under ``incidents/``, sorted."""
        if not self.incidents_dir.is_dir():
            return []
        return find_incident_files([self.incidents_dir])

    def incident_ids(self) -> dict[str, list[Path]]:
        """Every incident id of the repository and the files that use it.

        Ids are read from each file's ``incident_id:`` line, without parsing.
        """
        found: dict[str, list[Path]] = {}
        for path in self.incident_files():
            try:
                scanned = scan_incident_id(path.read_text("utf-8", errors="replace"))
            except OSError:
                continue
            if scanned:
                found.setdefault(scanned[0], []).append(path)
        return found

    def find_incident(self, target: str) -> Path:
        """The file of an incident named by its path or by its id."""
        given = Path(target)
        if given.suffix in INCIDENT_SUFFIXES and given.is_file():
            return given
        ids = self.incident_ids()
        paths = ids.get(target, [])
        if len(paths) > 1:
            names = ", ".join(self.display(p) for p in paths)
            raise IncidentNotFound(f"incident `{target}` is in several files: {names}")
        if not paths:
            close = difflib.get_close_matches(target, list(ids), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise IncidentNotFound(f"no incident `{target}` under incidents/{hint}")
        return paths[0]

    def display(self, path: Path) -> str:
        """A path as shown to users: relative to the repository root."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def find_incident_files(paths: list[Path]) -> list[Path]:
    """Files named by ``paths``; folders are searched for YAML files.

    Hidden files and folders (a leading dot) are skipped; the files of a
    folder come sorted by path.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(Path(name) for name in sorted(_yaml_files(str(path))))
        else:
            found.append(path)
    return found


def _yaml_files(top: str) -> list[str]:
    names = []
    for folder, subfolders, files in os.walk(top):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        names.extend(
            os.path.join(folder, name)
            for name in files
            if name.endswith(INCIDENT_SUFFIXES) and not name.startswith(".")
        )
    return names

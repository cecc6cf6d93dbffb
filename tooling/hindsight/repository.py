"""Where things are in a postmortem repository, and its configuration.

A repository has ``incidents/`` and may have ``schemas/taxonomy.yaml``,
``schemas/incident.schema.json``, ``mkdocs.yml`` and ``site/``; what it
lacks, the packaged defaults provide. Generated files go under ``build/``,
which git ignores.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .taxonomy import Taxonomy, load_taxonomy

INCIDENT_SUFFIXES = (".yaml", ".yml")


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

    def display(self, path: Path) -> str:
        """A path as shown to users: relative to the repository root."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def find_incident_files(paths: list[Path]) -> list[Path]:
    """Files named by ``paths``; folders are searched for YAML files."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.suffix in INCIDENT_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found

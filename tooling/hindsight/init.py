"""Scaffold a new postmortem repository that passes its own checks at once.

``hindsight init DIR`` writes the schema and the taxonomy, ``mkdocs.yml``
and the hand-written pages of ``site/``, the GitHub workflows (pull-request
checks, the reviewer comment, publishing), a ``.gitignore`` and one example
incident. Existing files are never overwritten: they are reported and kept.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from . import __version__
from .schema import schema_text
from .taxonomy import default_text, load_taxonomy

INSTALL_PLACEHOLDER = "@HINDSIGHT_INSTALL@"
GITIGNORE = "/build/\n/.hindsight/\n__pycache__/\n"


def _data() -> Traversable:
    return resources.files("hindsight").joinpath("data")


def _tree(folder: Traversable, prefix: str) -> dict[str, str]:
    files: dict[str, str] = {}
    if not folder.is_dir():
        return files
    for entry in folder.iterdir():
        name = f"{prefix}/{entry.name}"
        if entry.is_dir():
            files.update(_tree(entry, name))
        else:
            files[name] = entry.read_text("utf-8")
    return files


def scaffold_files(install_spec: str | None = None) -> dict[str, str]:
    """Every file of a new repository, by path, with its text."""
    data = _data()
    spec = install_spec or f"hindsight=={__version__}"
    files = {
        "schemas/incident.schema.json": schema_text(load_taxonomy(None)),
        "schemas/taxonomy.yaml": default_text(),
        ".gitignore": GITIGNORE,
        "README.md": _readme(),
    }
    example = data.joinpath("init/example-incident.yaml").read_text("utf-8")
    files["incidents/2024/2024-01-15-database-connection-pool-exhaustion.yaml"] = (
        example
    )
    for name, text in _tree(
        data.joinpath("init/workflows"), ".github/workflows"
    ).items():
        files[name] = text.replace(INSTALL_PLACEHOLDER, spec)
    mkdocs = data.joinpath("mkdocs.yml")
    if mkdocs.is_file():
        files["mkdocs.yml"] = mkdocs.read_text("utf-8")
    files.update(_tree(data.joinpath("site"), "site"))
    return files


def _readme() -> str:
    return (
        "# Post-incident reviews\n\n"
        "One YAML file per incident under `incidents/`, checked by hindsight.\n\n"
        "```sh\n"
        "python -m pip install hindsight\n"
        'hindsight new "What went wrong" --severity high --services api\n'
        "hindsight validate && hindsight build\n"
        "```\n"
    )


def init_repository(
    target: Path, install_spec: str | None = None
) -> tuple[list[Path], list[Path]]:
    """Write the scaffold into ``target``; returns (written, kept) paths."""
    written, kept = [], []
    for name, text in sorted(scaffold_files(install_spec).items()):
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            kept.append(path)
            continue
        written.append(path)
    return written, kept

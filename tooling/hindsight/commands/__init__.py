"""The commands of the command line, one module per group.

Each module registers its commands with :func:`hindsight.cli.command`; every
module of this package is imported when the parser is built. A command
parses its options, calls the pipeline, and prints: results to stdout,
progress and logs to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from ..cli import InputError, UsageError
from ..model import parse_date
from ..repository import IncidentNotFound, Repository
from ..taxonomy import TaxonomyError


def repository(args: argparse.Namespace) -> Repository:
    """The repository of ``--repo``, with its taxonomy loaded and checked."""
    root = args.repo
    if not root.is_dir():
        raise UsageError(f"--repo {root}: no such folder")
    repo = Repository(root)
    try:
        repo.taxonomy  # noqa: B018 - load now, so its errors surface here
    except TaxonomyError as error:
        where = f"{repo.display(error.path)}:{error.line}:{error.column}"
        raise InputError(f"{where}: error: {error.message}") from None
    return repo


def incident_path(repo: Repository, target: str) -> Path:
    """The file of the incident named by ``target`` (a path or an id)."""
    try:
        return repo.find_incident(target)
    except IncidentNotFound as error:
        raise UsageError(str(error)) from None


def day(value: str) -> date:
    """An option's value as a ``YYYY-MM-DD`` date (an argparse type)."""
    try:
        return parse_date(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a YYYY-MM-DD date"
        ) from None


def today() -> date:
    """Today in UTC: the default as-of day of every command."""
    return datetime.now(UTC).date()


def out(text: str) -> None:
    """Print a result to stdout with exactly one final newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def load(module: str) -> None:
    """Import one command module, so that it registers its commands."""
    importlib.import_module(f"{__name__}.{module}")


def load_all() -> None:
    """Import every command module, so that each registers its commands."""
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")

"""Scaffolding: a new draft incident from the template.

``hindsight new`` picks the next free id of the year, derives the path from
the date and a slug of the title, and never overwrites a file.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from jinja2 import Environment

from .cli import UsageError
from .repository import Repository


def slugify(title: str, limit: int = 60) -> str:
    """A file-name slug: lowercase ASCII words joined by hyphens."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "incident"


def next_incident_id(repo: Repository, year: int) -> str:
    """The next free id of ``year`` after every id the repository uses."""
    template = repo.taxonomy.incident_id_template
    head, _, _tail = template.partition("{number")
    prefix = head.format(year=year)
    used = 0
    for ident in repo.incident_ids():
        if ident.startswith(prefix):
            digits = re.match(r"\d+", ident[len(prefix) :])
            if digits:
                used = max(used, int(digits.group()))
    return template.format(year=year, number=used + 1)


def _parse_day(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date {text!r} is not a YYYY-MM-DD date") from None


def new_incident(
    repo: Repository,
    *,
    title: str,
    severity: str,
    services: list[str],
    day: str | None,
) -> Path:
    """Write a draft incident and return its path."""
    taxonomy = repo.taxonomy
    if not title.strip():
        raise UsageError("the title must not be empty")
    if severity not in taxonomy.severities:
        raise UsageError(
            f"--severity {severity!r} is not one of {', '.join(taxonomy.severities)}"
        )
    catalogue = taxonomy.services
    unknown = [s for s in services if catalogue and s not in catalogue]
    if unknown:
        raise UsageError(f"--services: {', '.join(unknown)} not in the catalogue")
    if not services and catalogue:
        raise UsageError("--services is required: the taxonomy has a service catalogue")
    start = _parse_day(day)
    path = (
        repo.incidents_dir
        / f"{start.year}"
        / f"{start.isoformat()}-{slugify(title)}.yaml"
    )
    schema = Path("../../schemas/incident.schema.json")
    text = _render_template(
        incident_id=next_incident_id(repo, start.year),
        title=title.strip(),
        severity=severity,
        day=start.isoformat(),
        services=services or ["unknown-service"],
        schema=schema.as_posix(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(
            f"{repo.display(path)} exists already; choose another title or date"
        ) from None
    return path


def _render_template(**values: object) -> str:
    source = resources.files("hindsight").joinpath("data/new-incident.yaml.j2")
    env = Environment(keep_trailing_newline=True, autoescape=False)
    env.filters["yaml_str"] = _yaml_str
    return env.from_string(source.read_text("utf-8")).render(**values)


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar that reads back as ``value``."""
    return json.dumps(value, ensure_ascii=False)

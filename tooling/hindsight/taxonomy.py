"""The taxonomy: an organisation's vocabularies and policies.

A repository keeps it in ``schemas/taxonomy.yaml``; keys it leaves out keep
the packaged defaults (``hindsight/data/taxonomy.yaml``). It names the
severities, the root-cause categories with their keyword rules, the
fishbone map, an optional service catalogue, the incident id pattern, the
readiness policy, and the options of analyzers, trends and importers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .load import LoadError, load_bytes

DEFAULT_PATH = "data/taxonomy.yaml"

READINESS_RULES = (
    "timeline_event",
    "analysis_or_root_causes",
    "root_cause",
    "action_item_when_severe",
    "action_items_owned_and_dated",
    "review_date",
    "review_attendees",
    "lesson_learned",
    "action_items_done",
)
"""The requirement names a readiness policy may use."""


SETTINGS_SECTIONS = ("readiness", "analyzers", "trends")
"""Sections whose keys merge one by one over the defaults.

Every other top-level key (severities, categories, the fishbone map, the
service catalogue) replaces its default as a whole.
"""


class TaxonomyError(LoadError):
    """A taxonomy file that cannot be used; names the file and line."""

    def __init__(self, path: Path, message: str, line: int = 0, col: int = 0):
        super().__init__(message, line, col)
        self.path = path


@dataclass
class Taxonomy:
    """The merged taxonomy, with typed access to what the stages use."""

    data: dict[str, Any]
    path: Path | None = None
    digest_source: str = field(default="", repr=False)

    @property
    def severities(self) -> list[str]:
        return list(self.data["severities"])

    @property
    def categories(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["root_cause_categories"])

    @property
    def default_category(self) -> str:
        return str(self.data["default_category"])

    @property
    def fishbone_categories(self) -> dict[str, str]:
        return dict(self.data["fishbone_categories"])

    @property
    def services(self) -> list[str]:
        return list(self.data.get("services") or [])

    @property
    def incident_id_pattern(self) -> str:
        return str(self.data["incident_id_pattern"])

    @property
    def incident_id_template(self) -> str:
        return str(self.data["incident_id_template"])

    @property
    def readiness(self) -> dict[str, Any]:
        return dict(self.data["readiness"])

    def analyzer_options(self, analyzer_id: str) -> dict[str, Any]:
        return dict((self.data.get("analyzers") or {}).get(analyzer_id) or {})

    def section(self, name: str) -> Any:
        return self.data.get(name)


def default_text() -> str:
    """The packaged default taxonomy, comments included."""
    return resources.files("hindsight").joinpath(DEFAULT_PATH).read_text("utf-8")


def load_taxonomy(path: Path | None) -> Taxonomy:
    """The taxonomy at ``path`` merged over the defaults (or the defaults)."""
    defaults_text = default_text()
    defaults = load_bytes(defaults_text.encode(), Path(DEFAULT_PATH)).data
    if path is None or not path.exists():
        return _checked(Taxonomy(defaults, None, defaults_text), None)
    try:
        document = load_bytes(path.read_bytes(), path)
    except LoadError as error:
        raise TaxonomyError(path, error.message, error.line, error.column) from None
    merged = {**defaults, **document.data}
    for key in SETTINGS_SECTIONS:  # settings merge key by key; vocabularies replace
        if isinstance(defaults.get(key), dict) and isinstance(
            document.data.get(key), dict
        ):
            merged[key] = {**defaults[key], **document.data[key]}
    taxonomy = Taxonomy(merged, path, defaults_text + path.read_text("utf-8"))
    return _checked(taxonomy, document)


def _checked(taxonomy: Taxonomy, document: Any) -> Taxonomy:
    def fail(key: str, message: str) -> None:
        line, col = document.position((key,)) if document else (0, 0)
        raise TaxonomyError(taxonomy.path or Path(DEFAULT_PATH), message, line, col)

    data = taxonomy.data
    if not _str_list(data.get("severities")) or not data["severities"]:
        fail("severities", "`severities` must be a non-empty list of names")
    categories = data.get("root_cause_categories")
    if not isinstance(categories, dict) or not categories:
        fail("root_cause_categories", "`root_cause_categories` must be a mapping")
    for name, spec in categories.items():
        if not isinstance(spec, dict) or not _str_list(spec.get("keywords", [])):
            fail(
                "root_cause_categories",
                f"category `{name}` needs `keywords:` as a list of words",
            )
    if data.get("default_category") not in categories:
        fail("default_category", "`default_category` must name a category")
    fishbone = data.get("fishbone_categories")
    if not isinstance(fishbone, dict) or not fishbone:
        fail("fishbone_categories", "`fishbone_categories` must be a mapping")
    for name, target in fishbone.items():
        if target not in categories:
            fail(
                "fishbone_categories",
                f"fishbone category `{name}` maps to unknown category `{target}`",
            )
    if not _str_list(data.get("services") or []):
        fail("services", "`services` must be a list of service names")
    try:
        re.compile(str(data.get("incident_id_pattern")))
    except re.error as error:
        fail("incident_id_pattern", f"`incident_id_pattern` is not a regex: {error}")
    _check_readiness(data.get("readiness"), fail)
    return taxonomy


def _check_readiness(readiness: Any, fail: Any) -> None:
    from .model import STATUSES

    if not isinstance(readiness, dict) or not isinstance(
        readiness.get("statuses"), dict
    ):
        fail("readiness", "`readiness` needs `statuses:` mapping each status")
    statuses = readiness["statuses"]
    if list(statuses) != list(STATUSES):
        fail("readiness", f"`readiness.statuses` must list {', '.join(STATUSES)}")
    for status, rules in statuses.items():
        for rule in rules or []:
            if rule not in READINESS_RULES:
                fail(
                    "readiness",
                    f"unknown readiness requirement `{rule}` under `{status}`; "
                    f"known: {', '.join(READINESS_RULES)}",
                )
    if not _str_list(readiness.get("severe_severities", [])):
        fail("readiness", "`readiness.severe_severities` must be a list")


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)

"""What the generated pages are made from: the site and its incident views.

A :class:`Site` holds the incident records of a build, the taxonomy and
the as-of day (by which action items are overdue); an :class:`IncidentView`
is one record as the pages show it, with the path of its page in the docs
folder. An incident's page is ``incidents/<slug>.md`` (URL
``incidents/<slug>/``, see :func:`incident_page_path`), where the slug is
the incident id itself when the id is a plain file name. Services, tags and
root-cause categories get slugs of their own for their group pages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from . import trends
from .analyze import IncidentAnalysis
from .model import ActionItem, Incident
from .pipeline import IncidentRecord
from .report import incident_metrics
from .taxonomy import Taxonomy

# Slugs -------------------------------------------------------------------------

_PLAIN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def incident_slug(incident_id: str) -> str:
    """The file name of an incident's page: the id when it is a plain name."""
    if _PLAIN_ID.match(incident_id) and incident_id.lower() != "index":
        return incident_id
    digest = hashlib.sha256(incident_id.encode()).hexdigest()[:10]
    return f"{slug(incident_id)[:60]}-{digest}"


def incident_page_path(incident_id: str) -> str:
    """The page of an incident relative to the site root: ``incidents/<slug>/``."""
    return f"incidents/{incident_slug(incident_id)}/"


def machine_tag(tag: str) -> bool:
    """Whether a tag is a ``name:value`` pair written by a tool."""
    return bool(_MACHINE_TAG.match(tag))


_MACHINE_TAG = re.compile(r"^[a-z][a-z0-9_-]*:\S+$")


def slug(value: str) -> str:
    """A lower-case file name for a service, tag or category (60 chars at most)."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower())[:60].strip("-") or "x"


def slugs(values: Iterable[str]) -> dict[str, str]:
    """Unique slugs for distinct values; a clash gets a number, in sorted order."""
    taken: set[str] = {"index"}
    found: dict[str, str] = {}
    for value in sorted(set(values)):
        base = slug(value)
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base}-{number}", number + 1
        taken.add(candidate)
        found[value] = candidate
    return found


# Views -------------------------------------------------------------------------


@dataclass
class ItemView:
    """An action item with its overdue mark."""

    item: ActionItem
    overdue: bool


@dataclass
class IncidentView:
    """What pages show of one incident record."""

    record: IncidentRecord
    doc: str
    rank: int

    @property
    def incident(self) -> Incident:
        return self.record.incident

    @property
    def analysis(self) -> IncidentAnalysis:
        return self.record.analysis

    @property
    def metrics(self) -> dict[str, int | None]:
        """Duration and the times to detect, acknowledge and mitigate."""
        return incident_metrics(self.incident)

    def items(self, as_of: date) -> list[ItemView]:
        """The incident's action items, each marked overdue or not on ``as_of``."""
        return [
            ItemView(item, trends.is_overdue(item, as_of))
            for item in self.incident.action_items or []
        ]


@dataclass
class Site:
    """Everything the generated pages are made from."""

    records: list[IncidentRecord]
    taxonomy: Taxonomy
    as_of: date
    source_url: Callable[[str], str | None] = lambda _path: None
    intro: str = "# Postmortems\n"  # the top of the home page
    warnings: list[str] = field(default_factory=list)
    """What the pages had to leave out, and why; the build reports them."""

    @cached_property
    def views(self) -> list[IncidentView]:
        """One view per record, newest first, ranked by severity."""
        ranks = {name: i for i, name in enumerate(self.taxonomy.severities)}
        return [
            IncidentView(
                r,
                f"incidents/{incident_slug(r.incident_id)}.md",
                ranks.get(r.incident.severity, len(ranks)),
            )
            for r in self.records
        ]

    @cached_property
    def pages(self) -> dict[str, str]:
        """The docs path of each incident's page, by incident id."""
        return {v.record.incident_id: v.doc for v in self.views}

    @cached_property
    def services(self) -> dict[str, str]:
        """Slugs of the taxonomy's services and of those incidents name."""
        names = set(self.taxonomy.services)
        names.update(s for v in self.views for s in v.incident.services_affected)
        return slugs(names)

    @cached_property
    def tags(self) -> dict[str, str]:
        """Slugs of the tags written on incidents that get a tag page.

        Machine tags (``name:value``, such as the ``statuspage:<id>`` an
        importer leaves to recognise its source) name one incident each:
        they show on the incident's page as text, without a page of their own.
        """
        return slugs(
            t for v in self.views for t in v.incident.tags or [] if not machine_tag(t)
        )

    @cached_property
    def categories(self) -> dict[str, str]:
        """Slugs of the taxonomy's root-cause categories and of those found."""
        names = set(self.taxonomy.categories)
        names.update(c.category for v in self.views for c in v.analysis.root_causes)
        return slugs(names)

    def context(self) -> dict[str, Any]:
        """What every template may use."""
        return {
            "site": self,
            "as_of": self.as_of,
            "services": self.services,
            "tags": self.tags,
            "categories": self.categories,
        }

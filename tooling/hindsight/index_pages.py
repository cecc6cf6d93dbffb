"""The pages that list incidents: all incidents, the groups, home, the ledger.

Groups are the incidents by service, by root-cause category and by tag,
each with an index page. The home page puts the repository's own intro
above the headline figures, the recent incidents and the open action
items; the action-item ledger (:mod:`hindsight.actions`) links each
incident to its page.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from datetime import UTC, date, timedelta
from typing import Any

from . import actions
from .reference_pages import reference_files
from .site_view import IncidentView, ItemView, Site
from .templates import fragment, markdown_page, relative_link, render
from .trend_pages import TREND_DAYS

RECENT = 10  # incidents on the home page
LEDGER = "actions.md"


def index_files(site: Site) -> dict[str, str]:
    """The pages that list incidents, the home page and the reference pages."""
    files = {
        "incidents/index.md": render(
            "incidents.md.j2", "incidents/index.md", rows=site.views, **site.context()
        ),
        "index.md": home_page(site, site.intro),
        LEDGER: ledger_page(site),
    }
    files.update(reference_files(site))
    files.update(group_pages(site))
    return files


def ledger_page(site: Site) -> str:
    """Every action item of every incident, each incident linked to its page."""

    def page_url(incident_id: str) -> str | None:
        doc = site.pages.get(incident_id)
        return relative_link(LEDGER, doc) if doc else None

    book = actions.ledger(site.records, site.as_of)
    body = actions.ledger_markdown(book, page_url=page_url)
    return markdown_page("actions.md.j2", LEDGER, body)


def group_pages(site: Site) -> dict[str, str]:
    """The pages by service, by root-cause category and by tag, with indexes."""
    groups = {
        "services": _by(site, lambda v: v.incident.services_affected, site.services),
        "categories": _by(
            site,
            lambda v: [c.category for c in v.analysis.counted_causes()],
            site.categories,
        ),
        "tags": _by(site, lambda v: v.incident.tags or [], site.tags),
    }
    files: dict[str, str] = {}
    for kind, members in groups.items():
        common = {"kind": kind, "slugs": groups_slug(site, kind), **site.context()}
        here = f"{kind}/index.md"
        files[here] = render("group_index.md.j2", here, members=members, **common)
        for name, rows in members.items():
            here = f"{kind}/{common['slugs'][name]}.md"
            files[here] = render(
                "group.md.j2",
                here,
                name=name,
                rows=rows,
                causes=_causes_of(rows, name) if kind == "categories" else [],
                median=_median_duration(rows),
                **common,
            )
    return files


def groups_slug(site: Site, kind: str) -> dict[str, str]:
    """The slugs of the services, categories or tags, by name."""
    return {
        "services": site.services,
        "categories": site.categories,
        "tags": site.tags,
    }[kind]


def _by(
    site: Site, keys: Callable[[IncidentView], Iterable[str]], names: dict[str, str]
) -> dict[str, list[IncidentView]]:
    members: dict[str, list[IncidentView]] = {name: [] for name in names}
    for view in site.views:
        for key in dict.fromkeys(keys(view)):
            if key in members:  # machine tags have no page
                members[key].append(view)
    return dict(sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _causes_of(
    rows: list[IncidentView], category: str
) -> list[tuple[IncidentView, Any]]:
    return [
        (view, cause)
        for view in rows
        for cause in view.analysis.counted_causes()
        if cause.category == category
    ]


def _median_duration(rows: list[IncidentView]) -> int | None:
    durations = [v.incident.duration for v in rows if not v.incident.is_near_miss]
    return int(statistics.median(durations)) if durations else None


def open_items(site: Site) -> list[tuple[IncidentView, ItemView]]:
    """Open and in-progress action items, overdue first, then by due date."""
    found = [
        (view, entry)
        for view in site.views
        for entry in view.items(site.as_of)
        if entry.item.status in ("open", "in_progress")
    ]
    return sorted(
        found,
        key=lambda pair: (
            not pair[1].overdue,
            pair[1].item.due_date or date.max,
            pair[0].record.incident_id,
            pair[1].item.id,
        ),
    )


def headline(site: Site, days: int = TREND_DAYS) -> dict[str, Any]:
    """The figures at the top of the home page."""
    since = site.as_of - timedelta(days=days)
    incidents = [v for v in site.views if not v.incident.is_near_miss]
    pending = open_items(site)
    return {
        "total": len(incidents),
        "near_misses": len(site.views) - len(incidents),
        "days": days,
        "recent": sum(
            v.incident.start_time.astimezone(UTC).date() > since for v in incidents
        ),
        "open": len(pending),
        "overdue": sum(entry.overdue for _v, entry in pending),
        "median_duration": _median_duration(site.views),
        "median_mitigate": _median(
            [v.metrics["time_to_mitigate_minutes"] for v in incidents]
        ),
    }


def _median(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return int(statistics.median(present)) if present else None


def home_page(site: Site, intro: str) -> str:
    """The home page: the repository's intro, then figures, recent incidents
    and the action items that are still open."""
    pending = open_items(site)
    if not intro.startswith("---"):  # no front matter of its own: hide the toc
        intro = "---\nhide:\n  - toc\n---\n\n" + intro
    return render(
        "home.md.j2",
        "index.md",
        intro=fragment(intro),
        figures=headline(site),
        recent=site.views[:RECENT],
        pending=pending[:RECENT],
        open_count=len(pending),
        **site.context(),
    )

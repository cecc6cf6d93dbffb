"""The generated pages of the site: Markdown rendered from incident records.

:func:`site_files` returns every generated file of the docs folder, keyed
by its path there: the Markdown pages, the SVG diagrams and the charts.
The pages are made by one module each:

- :mod:`hindsight.incident_page`: an incident's page, its diagrams and its
  metric charts (:mod:`hindsight.evidence_charts`);
- :mod:`hindsight.index_pages`: all incidents, the groups by service,
  root-cause category and tag, the home page and the action-item ledger;
- :mod:`hindsight.trend_pages`: the trend dashboards;
- :mod:`hindsight.reference_pages`: the analyzers and the readiness policy.

They share the :class:`~hindsight.site_view.Site` they are made from and
the templates of :mod:`hindsight.templates`, whose filters escape every
value from an incident file.
"""

from __future__ import annotations

from .incident_page import incident_files
from .index_pages import index_files
from .site_view import Site, incident_page_path, incident_slug, slug, slugs
from .templates import FILTERS, UnsafeOutput, environment
from .trend_pages import TREND_DAYS, trend_files

__all__ = [
    "FILTERS",
    "TREND_DAYS",
    "Site",
    "UnsafeOutput",
    "environment",
    "incident_files",
    "incident_page_path",
    "incident_slug",
    "index_files",
    "site_files",
    "slug",
    "slugs",
    "trend_files",
]


def site_files(site: Site) -> dict[str, str]:
    """Every generated file of the docs folder, by its path there."""
    files: dict[str, str] = {}
    for view in site.views:
        files.update(incident_files(site, view))
    files.update(index_files(site))
    files.update(trend_files(site))
    return files

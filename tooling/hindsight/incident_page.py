"""An incident's page and the files drawn for it.

The page (``incidents/<slug>.md``) shows the incident's figures, timeline,
metric charts, analysis (five whys, fishbone, fault tree), root causes,
action items, lessons, review and readiness. Its diagrams and charts are
kept in the page's own folder (``incidents/<slug>/``), which MkDocs serves
beside the page, so every image link is relative.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import diagrams
from .evidence_charts import ChartError, MetricCharts, metric_charts
from .site_view import IncidentView, Site
from .templates import render

LISTED = 50  # cut sets and importance rows shown in full on an incident page
DRAWN = 300  # fault-tree nodes up to which the tree is drawn; larger ones get text


def incident_files(site: Site, view: IncidentView) -> dict[str, str]:
    """An incident's page, its diagrams and its metric charts.

    A metrics file that cannot be shown adds a warning to ``site`` and
    leaves the charts out; the page is built all the same.
    """
    base = view.doc[: -len(".md")]
    files: dict[str, str] = {}
    fishbone = view.analysis.methods["fishbone"].detail.get("categories") or {}
    tree = (view.record.data.get("analysis") or {}).get("fault_tree")
    diagrams_made: dict[str, str | None] = {"fishbone": None, "fault_tree": None}
    if any(fishbone.values()):
        files[f"{base}/fishbone.svg"] = diagrams.fishbone_svg(
            view.incident.title, fishbone
        )
        diagrams_made["fishbone"] = f"{base}/fishbone.svg"
    outline = (
        list(_outline(tree, 0)) if view.analysis.fault_tree.get("top_event") else []
    )
    if 0 < len(outline) <= DRAWN:
        files[f"{base}/fault-tree.svg"] = diagrams.fault_tree_svg(tree)
        diagrams_made["fault_tree"] = f"{base}/fault-tree.svg"
    charts = _charts(site, view, base)
    if charts:
        files.update(charts.files)
    source = view.record.name
    files[view.doc] = render(
        "incident.md.j2",
        view.doc,
        v=view,
        i=view.incident,
        a=view.analysis,
        items=view.items(site.as_of),
        fault_tree=view.analysis.fault_tree,
        five_whys=view.analysis.methods["five_whys"].detail,
        fishbone=fishbone,
        tree_rows=outline,
        diagrams=diagrams_made,
        charts=charts,
        explicit=_explicit_causes(view),
        derived=[c for c in view.analysis.root_causes if c.source != "explicit"],
        source=source,
        source_url=site.source_url(source),
        listed=LISTED,
        **site.context(),
    )
    return files


def _charts(site: Site, view: IncidentView, base: str) -> MetricCharts | None:
    """The incident's metric charts, if it has a metrics file that can be shown."""
    try:
        charts = metric_charts(view.record, base)
    except ChartError as error:
        site.warnings.append(f"{error}; the page shows no metric charts")
        return None
    return charts if charts and charts.charts else None


def _outline(node: dict[str, Any], depth: int) -> Iterable[tuple[int, dict]]:
    """The fault tree depth first, each node with its depth."""
    yield depth, node
    for child in node.get("children") or []:
        yield from _outline(child, depth + 1)


def _explicit_causes(view: IncidentView) -> list[dict[str, Any]]:
    """Explicit root causes with their likelihood and impact."""
    written = {c.id: c for c in view.incident.root_causes or []}
    return [
        {"cause": cause, "written": written.get(cause.id)}
        for cause in view.analysis.root_causes
        if cause.source == "explicit"
    ]

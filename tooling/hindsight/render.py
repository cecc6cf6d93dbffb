"""The generated pages of the site: Markdown rendered from incident records.

Templates live in ``data/templates/``. The Jinja2 environment has
autoescaping off, because its output is Markdown, not HTML; instead every
value from an incident file (or the taxonomy) goes through the filters
``text``, ``cell`` and ``link`` of :mod:`hindsight.mdtext`. The rule is
enforced, not hoped for: the environment's ``finalize`` refuses to print a
string that no escaping filter produced, so a template that forgets a
filter fails the build instead of publishing raw input. Templates render
values; no template is ever made from a value.

:func:`site_files` returns every generated file of the docs folder, keyed
by its path there: the Markdown pages and the SVG diagrams. An incident's
page is ``incidents/<slug>.md`` (URL ``incidents/<slug>/``, see
:func:`incident_page_path`), where the slug is the incident id itself when
the id is a plain file name.
"""

from __future__ import annotations

import hashlib
import inspect
import posixpath
import re
import statistics
import tempfile
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import jinja2

from . import actions, charts, diagrams, mdtext, trends
from .analyze import ANALYZERS
from .model import STATUSES, ActionItem, minutes_between
from .pipeline import IncidentRecord
from .readiness import REQUIREMENTS, rules_for
from .report import incident_metrics
from .taxonomy import Taxonomy

TEMPLATES = "hindsight", "data/templates"
RECENT = 10  # incidents on the home page
TREND_DAYS = trends.DEFAULT_DAYS
LISTED = 50  # cut sets and importance rows shown in full on an incident page
DRAWN = 300  # fault-tree nodes up to which the tree is drawn; larger ones get text


class Escaped(str):
    """Markdown that is safe to print: made by an escaping filter."""


class UnsafeOutput(TypeError):
    """A template printed a value that no escaping filter made safe."""


def _finalize(value: Any) -> Any:
    if isinstance(value, Escaped):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise UnsafeOutput(
        f"a template printed {type(value).__name__} {str(value)[:60]!r} "
        "without an escaping filter (text, cell or link)"
    )


# Filters -----------------------------------------------------------------------

_TARGET = re.compile(r"^(?!/)(?!.*//)[A-Za-z0-9._/-]+(#[A-Za-z0-9_.-]+)?$")


def _text(value: object) -> Escaped:
    return Escaped(mdtext.text(value))


def _cell(value: object) -> Escaped:
    return Escaped(mdtext.cell(value))


def _link(label: object, url: object) -> Escaped:
    return Escaped(mdtext.link(label, url))


@jinja2.pass_context
def _to(context: Any, doc: str) -> Escaped:
    """The relative link from the page being rendered to the page ``doc``."""
    here = posixpath.dirname(context["here"])
    path, _sep, anchor = doc.partition("#")
    target = posixpath.relpath(path, here or ".") + (f"#{anchor}" if anchor else "")
    if not _TARGET.match(target):
        raise UnsafeOutput(f"not a plain relative link: {target!r}")
    return Escaped(target)


def _minutes(value: int | None) -> Escaped:
    """Minutes as ``2 h 15 min``; an empty figure as a dash."""
    if value is None:
        return Escaped("\u2014")
    if not isinstance(value, int) or isinstance(value, bool):
        raise UnsafeOutput(f"minutes must be an int, not {type(value).__name__}")
    sign, value = ("\u2212", -value) if value < 0 else ("", value)
    hours, minutes = divmod(value, 60)
    days, hours = divmod(hours, 24)
    if days:
        return Escaped(f"{sign}{days} d {hours} h {minutes} min")
    return Escaped(
        f"{sign}{hours} h {minutes} min" if hours else f"{sign}{minutes} min"
    )


def _number(value: float | None, digits: int = 4) -> Escaped:
    if value is None:
        return Escaped("\u2014")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise UnsafeOutput(f"number expected, not {type(value).__name__}")
    return Escaped(f"{value:.{digits}g}")


def _when(value: datetime | date | None) -> Escaped:
    """A timestamp in UTC (``2024-01-15 14:30``) or a date."""
    if value is None:
        return Escaped("\u2014")
    if isinstance(value, datetime):
        return Escaped(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return Escaped(value.isoformat())
    raise UnsafeOutput(f"a date or time expected, not {type(value).__name__}")


def _day(value: datetime) -> Escaped:
    """The UTC date of a timestamp."""
    if not isinstance(value, datetime):
        raise UnsafeOutput(f"a time expected, not {type(value).__name__}")
    return Escaped(value.astimezone(UTC).date().isoformat())


def _since(value: datetime, start: datetime) -> Escaped:
    """How long after ``start`` a timestamp is, as ``+1 h 5 min``."""
    minutes = minutes_between(start, value)
    shown = _minutes(minutes)
    return Escaped(shown if minutes < 0 else f"+{shown}")


def _weblink(url: object, width: int = 60) -> Escaped:
    """A link to an http(s) URL labelled with the URL without its scheme;
    a label longer than ``width`` keeps its end (``…/issues/812``). A URL
    that is not http(s) is no link: it shows in full, as text."""
    if mdtext.safe_url(url) is None:
        return _text(url)
    label = re.sub(r"^https?://", "", str(url), flags=re.IGNORECASE)
    if len(label) > width:
        tail = label[-(width - 1) :]
        cut = tail.find("/", 1)
        label = "\u2026" + (tail[cut:] if cut > 0 else tail)
    return Escaped(mdtext.link(label, url))


def _badge(value: object, rank: int) -> Escaped:
    """A severity as a coloured badge; the class comes from its rank only."""
    return Escaped(
        f'<span class="hs-sev hs-sev-{int(rank)}">{mdtext.cell(value)}</span>'
    )


FILTERS: dict[str, Callable[..., Escaped]] = {
    "text": _text,
    "cell": _cell,
    "link": _link,
    "to": _to,
    "minutes": _minutes,
    "number": _number,
    "when": _when,
    "day": _day,
    "since": _since,
    "weblink": _weblink,
    "badge": _badge,
}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment: Markdown output, every value filtered."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(*TEMPLATES),
        autoescape=False,  # Markdown, not HTML: the filters escape instead
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def render(template: str, here: str, **context: Any) -> str:
    """Render a template into the Markdown of the page at docs path ``here``."""
    return environment().get_template(template).render(here=here, **context)


def fragment(markdown: str) -> Escaped:
    """Markdown made elsewhere that escapes its own values (trend report,
    action-item ledger) or that the repository wrote (hand-written intro)."""
    return Escaped(markdown)


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


# The view of one incident --------------------------------------------------------


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
    def incident(self):
        return self.record.incident

    @property
    def analysis(self):
        return self.record.analysis

    @property
    def metrics(self) -> dict[str, int | None]:
        return incident_metrics(self.incident)

    def items(self, as_of: date) -> list[ItemView]:
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

    @cached_property
    def views(self) -> list[IncidentView]:
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
    def services(self) -> dict[str, str]:
        names = set(self.taxonomy.services)
        names.update(s for v in self.views for s in v.incident.services_affected)
        return slugs(names)

    @cached_property
    def tags(self) -> dict[str, str]:
        return slugs(t for v in self.views for t in v.incident.tags or [])

    @cached_property
    def categories(self) -> dict[str, str]:
        names = set(self.taxonomy.categories)
        names.update(c.category for v in self.views for c in v.analysis.root_causes)
        return slugs(names)

    def context(self) -> dict[str, Any]:
        return {
            "site": self,
            "as_of": self.as_of,
            "services": self.services,
            "tags": self.tags,
            "categories": self.categories,
        }


# Pages ---------------------------------------------------------------------------


def site_files(site: Site) -> dict[str, str]:
    """Every generated file of the docs folder, by its path there."""
    files: dict[str, str] = {}
    for view in site.views:
        files.update(incident_files(site, view))
    files.update(index_files(site))
    files.update(trend_files(site))
    return files


def index_files(site: Site) -> dict[str, str]:
    """The pages that list incidents, the home page and the reference pages."""
    files = {
        "incidents/index.md": render(
            "incidents.md.j2", "incidents/index.md", rows=site.views, **site.context()
        ),
        "index.md": home_page(site, site.intro),
        "actions.md": markdown_page(
            "actions.md.j2",
            "actions.md",
            actions.ledger_markdown(actions.ledger(site.records, site.as_of)),
        ),
        "reference/analyzers.md": render(
            "analyzers.md.j2", "reference/analyzers.md", analyzers=analyzer_docs(site)
        ),
        "reference/readiness.md": render(
            "readiness.md.j2", "reference/readiness.md", **readiness_docs(site)
        ),
    }
    files.update(group_pages(site))
    return files


def trend_files(site: Site) -> dict[str, str]:
    """The trend dashboards (the last days, all time) and their charts."""
    first = min(
        (v.incident.start_time.astimezone(UTC).date() for v in site.views),
        default=site.as_of,
    )
    periods = {
        "index": (
            f"Trends: the last {TREND_DAYS} days",
            trends.period_for(as_of=site.as_of, days=TREND_DAYS),
        ),
        "all-time": (
            "Trends: all time",
            trends.period_for(as_of=site.as_of, start=min(first, site.as_of)),
        ),
    }
    files: dict[str, str] = {}
    for stem, (title, period) in periods.items():
        report = trends.trend_report(site.records, site.taxonomy, period, site.as_of)
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            # Long names make matplotlib warn that it cannot fit the margins.
            warnings.simplefilter("ignore", UserWarning)
            written = charts.write_charts(site.records, report, Path(tmp))
            for path in written.values():
                files[f"trends/{stem}/{path.name}"] = path.read_text("utf-8")
            paths = {name: f"{stem}/{path.name}" for name, path in written.items()}
        other = "all-time" if stem == "index" else "index"
        files[f"trends/{stem}.md"] = markdown_page(
            "trends.md.j2",
            f"trends/{stem}.md",
            trends.trends_markdown(report, paths),
            title=title,
            other={"title": periods[other][0], "doc": f"trends/{other}.md"},
        )
    return files


def incident_files(site: Site, view: IncidentView) -> dict[str, str]:
    """An incident's page and its diagrams."""
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
        explicit=_explicit_causes(view),
        derived=[c for c in view.analysis.root_causes if c.source != "explicit"],
        source=source,
        source_url=site.source_url(source),
        listed=LISTED,
        **site.context(),
    )
    return files


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
        here = f"{kind}/index.md"
        files[here] = render(
            "group_index.md.j2",
            here,
            kind=kind,
            members=members,
            slugs=groups_slug(site, kind),
            **site.context(),
        )
        for name, rows in members.items():
            here = f"{kind}/{groups_slug(site, kind)[name]}.md"
            files[here] = render(
                "group.md.j2",
                here,
                kind=kind,
                name=name,
                rows=rows,
                slugs=groups_slug(site, kind),
                causes=_causes_of(rows, name) if kind == "categories" else [],
                median=_median_duration(rows),
                **site.context(),
            )
    return files


def groups_slug(site: Site, kind: str) -> dict[str, str]:
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


def markdown_page(template: str, here: str, body: str, **context: Any) -> str:
    """A page around Markdown made by another module (trends, the ledger)."""
    return render(template, here, body=fragment(body), **context)


# Reference pages -----------------------------------------------------------------


def _doc(text: str | None) -> Escaped:
    """A docstring of this package, as the Markdown it is written in."""
    return fragment(inspect.cleandoc(text or ""))


def analyzer_docs(site: Site) -> list[dict[str, Any]]:
    return [
        {
            "id": spec.id,
            "doc": _doc(spec.run.__doc__),
            "options": [
                (
                    name,
                    default,
                    site.taxonomy.analyzer_options(spec.id).get(name, default),
                )
                for name, default in spec.options.items()
            ],
        }
        for spec in ANALYZERS.values()
    ]


def readiness_docs(site: Site) -> dict[str, Any]:
    statuses = site.taxonomy.readiness["statuses"]
    return {
        "statuses": [
            (status, list(statuses.get(status) or []), rules_for(status, site.taxonomy))
            for status in STATUSES
        ],
        "requirements": [
            (
                rule,
                _doc(check.__doc__),
                [s for s in STATUSES if rule in (statuses.get(s) or [])],
            )
            for rule, check in REQUIREMENTS.items()
        ],
        "severe": list(site.taxonomy.readiness.get("severe_severities") or []),
    }

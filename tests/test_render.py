"""The generated Markdown pages and diagrams, rendered without MkDocs.

The hostile fixture holds HTML, script, Jinja syntax and unsafe links in
every string field; its pages are converted with Python-Markdown (the
extensions the site uses) and checked as HTML.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import markdown
import pytest

from conftest import FORMAT_EXAMPLE, add_incident
from hindsight import diagrams, incident_page, pipeline, render
from hindsight.build import REQUIRED_EXTENSIONS, check_html
from hindsight.load import load_file
from hindsight.repository import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "site"
HOSTILE = FIXTURES / "hostile"
EXTENSIONS = list(REQUIRED_EXTENSIONS)


def site_of(root: Path, as_of: date = date(2024, 6, 1)) -> render.Site:
    repo = Repository(root)
    result, records = pipeline.load_records(repo)
    assert result.ok, result.findings
    return render.Site(records, repo.taxonomy, as_of)


@pytest.fixture
def example(repo: Path) -> Path:
    add_incident(repo, FORMAT_EXAMPLE)
    return repo


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "hostile"
    shutil.copytree(HOSTILE, root)
    return root


def page_of(site: render.Site, incident_id: str) -> str:
    view = next(v for v in site.views if v.incident.incident_id == incident_id)
    return render.incident_files(site, view)[view.doc]


class _Text(HTMLParser):
    """The text a browser shows, and every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def to_html(page: str) -> str:
    """The page as MkDocs would convert it, front matter left out."""
    body = re.sub(r"\A---\n.*?\n---\n", "", page, flags=re.S)
    return markdown.markdown(body, extensions=EXTENSIONS)


def html_of(page: str) -> _Text:
    parsed = _Text()
    parsed.feed(to_html(page))
    return parsed


def hostile_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value] if "<" in value else []
    if isinstance(value, dict):
        return [s for v in [*value.keys(), *value.values()] for s in hostile_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in hostile_strings(v)]
    return []


# The hostile incident --------------------------------------------------------


def test_hostile_incident_page_has_no_markup_from_its_text(hostile):
    site = site_of(hostile)
    view = next(v for v in site.views if "INC-2024-666" in v.incident.incident_id)
    page = render.incident_files(site, view)[view.doc]
    html = to_html(page)
    parsed = html_of(page)

    assert check_html(f"<article>{html}</article>") == []
    tags = {tag for tag, _attrs in parsed.tags}
    assert tags.isdisjoint({"script", "iframe", "style", "svg", "b"})
    assert [t for t, a in parsed.tags if t == "img" and "onerror" in a] == []
    hrefs = [a.get("href", "") for t, a in parsed.tags if t == "a"]
    assert all(not h.lower().startswith(("javascript:", "data:")) for h in hrefs)
    images = [a["src"] for t, a in parsed.tags if t == "img"]
    assert all(not src.startswith("http") for src in images)


def test_hostile_incident_page_shows_every_value_as_text(hostile):
    site = site_of(hostile)
    view = next(v for v in site.views if "INC-2024-666" in v.incident.incident_id)
    shown = html_of(render.incident_files(site, view)[view.doc]).text
    data = load_file(view.record.path).data
    for value in hostile_strings(data):
        assert " ".join(value.split()) in shown, value[:60]
    assert "{{ 7*7 }}" in shown and "{% raw %}" in shown
    assert "49" not in shown


def test_hostile_names_make_plain_file_names(hostile):
    site = site_of(hostile)
    files = render.site_files(site)
    assert all(re.fullmatch(r"[A-Za-z0-9._/-]+", path) for path in files)
    view = next(v for v in site.views if "INC-2024-666" in v.incident.incident_id)
    assert view.doc.startswith("incidents/inc-2024-666-")
    assert render.incident_page_path(view.incident.incident_id) == view.doc[:-3] + "/"


def test_every_generated_page_of_the_hostile_repository_is_safe(hostile):
    for path, page in render.site_files(site_of(hostile)).items():
        if path.endswith(".md"):
            html = to_html(page)
            assert check_html(f"<article>{html}</article>") == [], path


# The escaping rule is enforced ----------------------------------------------------


def test_template_printing_an_unfiltered_string_fails():
    env = render.environment()
    with pytest.raises(render.UnsafeOutput):
        env.from_string("{{ value }}").render(value="<b>bold</b>")
    with pytest.raises(render.UnsafeOutput):
        env.from_string("{{ value|upper }}").render(value="x")
    assert env.from_string("{{ value|text }}").render(value="<b>") == "&lt;b&gt;"
    assert env.from_string("{{ n }}").render(n=3) == "3"


def test_templates_render_values_and_never_evaluate_them():
    env = render.environment()
    out = env.from_string("{{ value|text }}").render(
        value="{{ 7*7 }}{% if 1 %}x{% endif %}"
    )
    assert out == r"\{\{ 7\*7 \}\}\{% if 1 %\}x\{% endif %\}"


def test_autoescape_is_off_because_the_output_is_markdown():
    env = render.environment()
    assert env.autoescape is False
    assert isinstance(env.undefined, type) and issubclass(
        env.undefined, jinja2.StrictUndefined
    )


def test_internal_links_must_be_plain_relative_paths():
    env = render.environment()
    link = env.from_string("{{ 'services/api.md'|to }}")
    assert link.render(here="incidents/INC-1.md") == "../services/api.md"
    assert link.render(here="index.md") == "services/api.md"
    with pytest.raises(render.UnsafeOutput):
        env.from_string("{{ 'x y.md'|to }}").render(here="index.md")


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0, "0 min"),
        (59, "59 min"),
        (135, "2 h 15 min"),
        (1500, "1 d 1 h 0 min"),
        (-35, "\u221235 min"),
        (None, "\u2014"),
    ],
)
def test_minutes_read_as_hours_and_minutes(minutes, shown):
    assert render.FILTERS["minutes"](minutes) == shown


def test_tracking_links_keep_the_end_of_a_long_address():
    url = "https://github.com/example-org/user-service/issues/812"
    assert render.FILTERS["weblink"](url, 20) == "[\u2026/issues/812](" + url + ")"
    assert render.FILTERS["weblink"](url, 90) == (
        "[github.com/example-org/user-service/issues/812](" + url + ")"
    )
    assert (
        render.FILTERS["weblink"]("ftp://example.com/[x]") == r"ftp://example.com/\[x\]"
    )


# Slugs ------------------------------------------------------------------------------


def test_plain_incident_ids_are_their_own_page_path():
    assert render.incident_page_path("INC-2024-001") == "incidents/INC-2024-001/"
    assert render.incident_slug("index") != "index"
    assert render.incident_slug("a b") == render.incident_slug("a b")
    assert render.incident_slug("a b") != render.incident_slug("a-b")


def test_clashing_names_get_numbered_slugs():
    assert render.slugs(["API", "api", "Index"]) == {
        "API": "api",
        "Index": "index-2",
        "api": "api-2",
    }


# The incident page ------------------------------------------------------------------


def test_incident_page_has_every_section_of_the_example(example):
    page = page_of(site_of(example, date(2024, 3, 1)), "INC-2024-001")
    for heading in (
        "Impact",
        "Timeline",
        "Analysis",
        "Root causes",
        "Action items",
        "Lessons learned",
        "Review",
        "Readiness",
        "Source",
    ):
        assert f"\n## {heading}\n" in page
    shown = html_of(page).text
    for figure in (
        "Duration 2 h 15 min",
        "Time to detect 4 min",
        "Time to acknowledge 1 min",
        "Time to mitigate 1 h 40 min",
    ):
        assert figure in shown
    assert "Started (UTC) 2024-01-15 14:30" in shown
    assert "T\u221235 min" in shown  # the deploy, before the impact began


def test_incident_page_shows_the_fault_tree_analysis(example):
    page = page_of(site_of(example), "INC-2024-001")
    shown = html_of(page).text
    assert "0.03475" in shown
    assert "Minimal cut sets (2)" in shown
    assert "auth-service crash loop (crash)" in shown
    assert (
        "Retry path leaks a connection on exception (leak) and "
        "No alert on pool saturation (no-alert)"
    ) in shown
    assert (
        "| Retry path leaks a connection on exception | leak | 0.05 | 0.495 |" in page
    )
    assert "![Fault tree of INC-2024-001](INC-2024-001/fault-tree.svg)" in page
    assert "![Fishbone diagram of INC-2024-001](INC-2024-001/fishbone.svg)" in page


def test_incident_page_marks_derived_and_guessed_root_causes(example):
    page = page_of(site_of(example), "INC-2024-001")
    assert "**RC-1** · [design\\_flaw](../categories/design-flaw.md)" in page
    guessed = [
        line
        for line in page.splitlines()
        if "*(guessed)*" in line and line.startswith("|")
    ]
    assert [line.split("|")[1].strip() for line in guessed] == [
        "Retry path leaks a connection on exception",
        "No alert on pool saturation",
    ]
    assert "| five\\_whys |" in page


def test_overdue_marks_follow_the_as_of_date(example):
    late = page_of(site_of(example, date(2024, 3, 1)), "INC-2024-001")
    early = page_of(site_of(example, date(2024, 1, 20)), "INC-2024-001")
    mark = '<span class="hs-overdue">overdue</span>'
    assert late.count(mark) == 1
    assert "in\\_progress " + mark in late
    assert mark not in early


def test_incident_page_links_tracking_and_source(example):
    site = site_of(example)
    site.source_url = lambda path: "https://git.example/edit/main/" + path
    page = page_of(site, "INC-2024-001")
    assert "(https://github.com/example-org/user-service/issues/812)" in page
    assert (
        "(https://git.example/edit/main/incidents/2024/"
        "2024-01-15-example-from-format.yaml)"
    ) in page
    plain = page_of(site_of(example), "INC-2024-001")
    assert "\nincidents/2024/2024-01-15-example-from-format.yaml in the" in plain


def test_incident_page_says_what_the_next_status_needs(example):
    shown = html_of(page_of(site_of(example), "INC-2024-001")).text
    assert "Ready for its status, reviewed." in shown
    assert (
        "Still needed for closed: action item AI-2 is in_progress; "
        "complete or cancel it before closing"
    ) in shown


def test_only_http_references_become_links(hostile):
    site = site_of(hostile)
    view = next(v for v in site.views if "INC-2024-666" in v.incident.incident_id)
    parsed = html_of(render.incident_files(site, view)[view.doc])
    links = [a["href"] for t, a in parsed.tags if t == "a" and "href" in a]
    assert "https://example.com/write-up" in links
    assert not any("evil.example" in href for href in links)


# Index pages ------------------------------------------------------------------------


def test_index_pages_group_incidents_by_service_category_and_tag(example):
    add_incident(
        example, FIXTURES / "incidents" / "2024-04-10-search-index-rebuild.yaml"
    )
    files = render.index_files(site_of(example))
    incidents = files["incidents/index.md"]
    assert incidents.index("INC-2024-101") < incidents.index("INC-2024-001")
    assert 'data-hs-columns="date:0 severity:2 status:3 services:4"' in incidents
    assert "| [search](search.md) | 1 |" in files["services/index.md"]
    assert "INC-2024-001" in files["categories/design-flaw.md"]
    assert "INC-2024-101" not in files["categories/design-flaw.md"]
    assert "INC-2024-001" in files["tags/database.md"]
    home = files["index.md"]
    assert "Check document counts before switching the alias" in home
    assert home.index("Alert on connection pool") < home.index("Check document counts")


def test_home_page_headline_figures(example):
    add_incident(example, FIXTURES / "incidents" / "2024-02-20-disk-nearly-full.yaml")
    shown = html_of(render.index_files(site_of(example))["index.md"]).text
    assert "Incidents 1" in shown and "Near misses 1" in shown
    assert "Open action items 1" in shown and "Overdue 1" in shown
    assert "Median duration 2 h 15 min" in shown


def test_reference_pages_come_from_the_docstrings(example):
    files = render.index_files(site_of(example))
    analyzers, readiness = (
        files["reference/analyzers.md"],
        files["reference/readiness.md"],
    )
    from hindsight.analyze import ANALYZERS
    from hindsight.readiness import REQUIREMENTS

    for spec in ANALYZERS.values():
        assert spec.doc.splitlines()[0] in analyzers
    assert "| min\\_depth | 5 | 5 |" in analyzers
    for rule, check in REQUIREMENTS.items():
        assert f"### {rule.replace('_', chr(92) + '_')}" in readiness
        assert check.__doc__.strip().splitlines()[0] in readiness


# Diagrams --------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
DRAWN = {
    f"{SVG}{n}"
    for n in ("svg", "title", "rect", "line", "text", "tspan", "path", "circle")
}


def _svg_text(root: ET.Element) -> str:
    return " ".join("".join(root.itertext()).split())


def test_fault_tree_diagram_draws_every_node(example):
    data = load_file(FORMAT_EXAMPLE).data
    root = ET.fromstring(diagrams.fault_tree_svg(data["analysis"]["fault_tree"]))
    assert {el.tag for el in root.iter()} <= DRAWN
    assert len(root.findall(f"{SVG}rect")) == 1 + 5  # background and five events
    assert len(root.findall(f"{SVG}circle")) == 3  # the basic events
    rows: dict[str, list[float]] = {}
    for box in root.findall(f"{SVG}rect")[1:]:
        rows.setdefault(box.get("y"), []).append(float(box.get("x")))
    assert sorted(len(row) for row in rows.values()) == [1, 2, 2]
    for row in rows.values():
        row.sort()
        assert all(b - a >= diagrams.BOX_W for a, b in zip(row, row[1:], strict=False))
    text = _svg_text(root)
    assert "leak · p = 0.05" in text and "AND" in text and "OR" in text


def test_fishbone_diagram_has_a_bone_per_category():
    data = load_file(FORMAT_EXAMPLE).data
    root = ET.fromstring(
        diagrams.fishbone_svg(data["title"], data["analysis"]["fishbone"])
    )
    text = _svg_text(root)
    for name in ("people", "process", "technology", "environment"):
        assert name in text
    assert "Database connection pool exhaustion" in text


def test_diagrams_escape_hostile_text():
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)> & "q"'
    tree = {
        "event": evil,
        "gate": "or",
        "children": [{"event": evil, "id": evil, "probability": 0.5}, {"event": "b"}],
    }
    for svg in (
        diagrams.fault_tree_svg(tree),
        diagrams.fishbone_svg(evil, {evil: [evil]}),
    ):
        root = ET.fromstring(svg)
        assert {el.tag for el in root.iter()} <= DRAWN
        assert not any(k.startswith("on") for el in root.iter() for k in el.attrib)
        assert "<script>" in _svg_text(root)


def test_a_fault_tree_too_large_to_draw_is_shown_as_text(example, monkeypatch):
    monkeypatch.setattr(incident_page, "DRAWN", 4)
    site = site_of(example)
    files = render.incident_files(site, site.views[0])
    assert not any(path.endswith("fault-tree.svg") for path in files)
    page = files["incidents/INC-2024-001.md"]
    assert "The tree has 5 events, too many to draw" in page
    assert "        - No alert on pool saturation (no-alert, p = 0.5)" in page


def test_machine_tags_show_as_text_and_get_no_tag_page(repo):
    path = add_incident(repo, FORMAT_EXAMPLE)
    path.write_text(
        path.read_text().replace(
            "tags: [database, connection-pool]", "tags: [database, statuspage:ab12cd]"
        )
    )
    site = site_of(repo)
    files = render.site_files(site)
    assert "tags/database.md" in files
    assert not any("statuspage" in name for name in files)
    page = page_of(site, "INC-2024-001")
    assert "statuspage:ab12cd" in html_of(page).text
    assert "[database](" in page

"""Collected evidence on the site: the metric charts of an incident's page.

The metrics file is written here by hand in the shape ``hindsight collect``
stores (see ``tests/test_collect.py``), beside the format's example
incident, whose start, detection, mitigation and end are all set.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import FORMAT_EXAMPLE, add_incident
from hindsight import pipeline, render
from hindsight.repository import Repository
from hindsight.site_check import check_html

AS_OF = "2024-06-01"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_LABEL = 'Errors <script>alert(1)</script> & <img src=x onerror="alert(2)">'
LOG_KEY = "logs-0123456789ab"
DATA_NAME = "2024-01-15-example-from-format.metrics.json"
SHOWN_NAME = f"incidents/2024/{DATA_NAME}"
WINDOW = {"start": "2024-01-15T14:00:00Z", "end": "2024-01-15T17:15:00Z"}


def metrics_data() -> dict:
    return {
        "version": 1,
        "incident_id": "INC-2024-001",
        "metrics": [
            {
                "id": "errors",
                "label": HOSTILE_LABEL,
                "namespace": "Shop/Checkout",
                "metric": "Errors",
                "dimensions": {"Service": "checkout"},
                "stat": "Sum",
                "period": 60,
                "window": WINDOW,
                "points": [
                    {"timestamp": "2024-01-15T14:20:00Z", "value": 1.0},
                    {"timestamp": "2024-01-15T14:40:00Z", "value": 42.0},
                    {"timestamp": "2024-01-15T16:20:00Z", "value": 3.0},
                ],
            }
        ],
        "logs": [
            {
                "key": LOG_KEY,
                "group": "/shop/checkout",
                "pattern": "ERROR",
                "period": 60,
                "total": 3,
                "window": WINDOW,
                "first_event": {
                    "timestamp": "2024-01-15T14:31:05Z",
                    "stream": "web-1",
                    "message": "ERROR pool exhausted",
                },
                "points": [
                    {"timestamp": "2024-01-15T14:31:00Z", "count": 2},
                    {"timestamp": "2024-01-15T14:32:00Z", "count": 1},
                ],
            }
        ],
    }


@pytest.fixture
def evidence(repo: Path) -> Path:
    """A repository whose one incident has a metrics file beside it."""
    incident = add_incident(repo, FORMAT_EXAMPLE)
    (incident.parent / DATA_NAME).write_text(json.dumps(metrics_data(), indent=2))
    return repo


class _Page(HTMLParser):
    """The images, the headings' text (no permalink) and the text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str]] = []
        self.headings: list[str] = []
        self.text: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append({k: v or "" for k, v in attrs})
        if tag in ("h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag):
        if tag in ("h2", "h3") and self._heading is not None:
            self.headings.append("".join(self._heading).strip().rstrip("\u00b6"))
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)


def built_page(cli, repo: Path) -> tuple[Path, _Page, str]:
    result = cli("build", "--repo", repo, "--as-of", AS_OF)
    assert result.code == 0, result.err
    page_dir = repo / "build" / "site" / "incidents" / "INC-2024-001"
    html = (page_dir / "index.html").read_text("utf-8")
    parsed = _Page()
    parsed.feed(html)
    return page_dir, parsed, result.err


def svg_ids(path: Path) -> dict[str, ET.Element]:
    return {el.get("id"): el for el in ET.parse(path).getroot().iter() if el.get("id")}


def test_incident_page_embeds_a_chart_of_each_series(cli, evidence):
    page_dir, page, err = built_page(cli, evidence)

    charts = [i for i in page.images if i["src"].startswith("metrics/")]
    assert [i["src"] for i in charts] == [
        "metrics/errors.svg",
        f"metrics/{LOG_KEY}.svg",
    ]
    assert all((page_dir / i["src"]).is_file() for i in charts)
    assert "Metrics" in page.headings
    assert HOSTILE_LABEL in page.headings
    assert "Log events in /shop/checkout matching ERROR" in page.headings
    text = " ".join(" ".join(page.text).split())
    assert f"stored in {SHOWN_NAME}" in text
    marks = "The dashed lines mark the incident's start, detection, mitigation and end."
    assert f"Shop/Checkout Errors, Sum per 60 s. {marks}" in text
    assert f"Matching events per minute, 3 in all. {marks}" in text
    assert "metric charts" not in err


def test_each_chart_marks_start_detection_mitigation_and_end(cli, evidence):
    page_dir, _page, _err = built_page(cli, evidence)

    for name in ("errors", LOG_KEY):
        ids = svg_ids(page_dir / "metrics" / f"{name}.svg")
        marks = sorted(key for key in ids if key.startswith("mark-"))
        assert marks == ["mark-detected", "mark-end", "mark-mitigated", "mark-start"]
        label = "".join(ids["label-mitigated"].itertext()).strip()
        assert label == "mitigated 16:10"


def test_a_hostile_metric_label_stays_text(cli, evidence):
    page_dir, page, _err = built_page(cli, evidence)

    html = (page_dir / "index.html").read_text("utf-8")
    assert check_html(html) == []
    assert "<script>alert(1)" not in html
    assert not any("onerror" in image for image in page.images)
    chart = ET.parse(page_dir / "metrics" / "errors.svg").getroot()
    tags = {el.tag.removeprefix(SVG) for el in chart.iter()}
    assert not tags & {"script", "image", "foreignObject", "a"}
    assert not any(k.startswith("on") for el in chart.iter() for k in el.attrib)
    assert HOSTILE_LABEL in "".join(chart.itertext())


def test_without_a_metrics_file_the_page_has_no_metrics_section(cli, repo):
    add_incident(repo, FORMAT_EXAMPLE)
    page_dir, page, _err = built_page(cli, repo)
    assert "Metrics" not in page.headings
    assert not (page_dir / "metrics").exists()


# Files that cannot be shown --------------------------------------------------------


def _broken_points() -> dict:
    data = metrics_data()
    del data["metrics"][0]["points"][1]["timestamp"]
    return data


def _escaping_id() -> dict:
    data = metrics_data()
    data["metrics"][0]["id"] = "../../../escaped"
    return data


def _twice() -> dict:
    data = metrics_data()
    data["logs"][0]["key"] = "errors"
    return data


BROKEN = {
    "not JSON": (b'{"metrics": [', "cannot read the metrics file"),
    "not UTF-8": (b"\xff\xfe{}", "cannot read the metrics file"),
    "not an object": (b"[]", "not a metrics file"),
    "metrics not a list": (b'{"metrics": {"id": "x"}}', "`metrics` must be a list"),
    "a point without a time": (
        json.dumps(_broken_points()).encode(),
        "cannot draw the metric charts: KeyError",
    ),
    "an id that is a path": (json.dumps(_escaping_id()).encode(), "not a plain name"),
    "an id used twice": (json.dumps(_twice()).encode(), "the same id"),
}


def site_of(root: Path) -> render.Site:
    repo = Repository(root)
    result, records = pipeline.load_records(repo)
    assert result.ok, result.findings
    return render.Site(records, repo.taxonomy, date(2024, 6, 1))


@pytest.mark.parametrize(("content", "reason"), BROKEN.values(), ids=list(BROKEN))
def test_a_metrics_file_that_cannot_be_shown_is_a_warning(evidence, content, reason):
    (evidence / "incidents" / "2024" / DATA_NAME).write_bytes(content)
    site = site_of(evidence)

    files = render.incident_files(site, site.views[0])

    assert len(site.warnings) == 1
    assert site.warnings[0].startswith(f"{SHOWN_NAME}: ")
    assert reason in site.warnings[0]
    assert site.warnings[0].endswith("the page shows no metric charts")
    assert not any("/metrics/" in path for path in files)
    assert "## Metrics" not in files["incidents/INC-2024-001.md"]


def test_a_broken_metrics_file_does_not_stop_the_build(cli, evidence):
    (evidence / "incidents" / "2024" / DATA_NAME).write_text("{not json")
    result = cli("build", "--repo", evidence, "--as-of", AS_OF, "--format", "json")

    assert result.code == 0, result.err
    assert f"{SHOWN_NAME}: cannot read the metrics file" in result.err
    assert json.loads(result.out)["warnings"] == 1
    page = evidence / "build" / "site" / "incidents" / "INC-2024-001" / "index.html"
    assert page.is_file()
    assert not (page.parent / "metrics").exists()

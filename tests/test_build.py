"""``hindsight build`` and ``hindsight serve``: the whole site, built by MkDocs.

Each build runs MkDocs in strict mode into a temporary repository; the
built HTML is then read back and checked on its own, independently of the
check that the build itself runs.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import EXAMPLES, FORMAT_EXAMPLE, ROOT, add_incident
from hindsight import build
from hindsight.repository import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "site"
AS_OF = "2024-06-01"


def run_build(cli, repo: Path, *extra: str):
    return cli("build", "--repo", repo, "--as-of", AS_OF, *extra)


@pytest.fixture
def example(repo: Path) -> Path:
    add_incident(repo, FORMAT_EXAMPLE)
    return repo


@pytest.fixture
def hostile(repo: Path) -> Path:
    shutil.copytree(FIXTURES / "hostile", repo, dirs_exist_ok=True)
    add_incident(repo, FORMAT_EXAMPLE)
    return repo


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the page's <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.raw_title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "title":
            self._in_title = True
            self.set_cdata_mode("title")

    def handle_endtag(self, tag):
        self._in_title = self._in_title and tag != "title"

    def handle_data(self, data):
        if self._in_title:
            self.raw_title += data


def tags_of(path: Path) -> _Tags:
    parsed = _Tags()
    parsed.feed(path.read_text("utf-8"))
    return parsed


def pages_of(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# The build ------------------------------------------------------------------------


def test_build_makes_every_page_type(cli, example):
    result = run_build(cli, example)
    assert result.code == 0, result.err
    site = example / "build" / "site"
    assert result.out.strip() == str(site.resolve())
    for page in (
        "index.html",
        "incidents/index.html",
        "incidents/INC-2024-001/index.html",
        "services/index.html",
        "services/user-service/index.html",
        "categories/index.html",
        "categories/design-flaw/index.html",
        "tags/index.html",
        "tags/database/index.html",
        "trends/index.html",
        "trends/all-time/index.html",
        "actions/index.html",
        "reference/analyzers/index.html",
        "reference/readiness/index.html",
        "contributing/index.html",
        "404.html",
    ):
        assert (site / page).is_file(), page
    for diagram in ("fishbone.svg", "fault-tree.svg"):
        assert (site / "incidents" / "INC-2024-001" / diagram).is_file()
    assert (example / "build" / "docs" / "incidents" / "INC-2024-001.md").is_file()
    assert list((site / "trends" / "index").glob("*.svg"))


def test_build_json_reports_what_it_made(cli, example):
    result = run_build(cli, example, "--format", "json")
    report = json.loads(result.out)
    assert report["incidents"] == 1
    assert report["pages"] == len(list((example / "build" / "docs").rglob("*.md")))
    assert Path(report["site"]) == (example / "build" / "site").resolve()


def test_build_writes_into_out(cli, example, tmp_path):
    result = run_build(cli, example, "--out", tmp_path / "public")
    assert result.code == 0, result.err
    assert (tmp_path / "public" / "incidents" / "INC-2024-001" / "index.html").is_file()
    assert not (example / "build" / "site").exists()


def test_build_stops_on_errors_with_the_messages_of_validate(cli, example):
    add_incident(example, EXAMPLES / "invalid" / "severity-typo.yaml")
    built = run_build(cli, example)
    validated = cli("validate", "--repo", example)
    assert built.code == 1 and validated.code == 1
    assert built.err == validated.out
    assert built.out == ""
    assert not (example / "build" / "site").exists()


def test_search_index_holds_the_incident_text(cli, example):
    run_build(cli, example)
    index = json.loads(
        (example / "build" / "site" / "search" / "search_index.json").read_text()
    )
    texts = [
        doc["text"]
        for doc in index["docs"]
        if doc["location"].startswith("incidents/INC-2024-001/")
    ]
    assert any("18% of login attempts failed" in text for text in texts)


# Offline, private, relative ---------------------------------------------------------


def test_built_pages_load_nothing_from_the_internet(cli, hostile):
    assert run_build(cli, hostile).code == 0
    site = hostile / "build" / "site"
    for page in pages_of(site):
        for tag, attrs in tags_of(page).tags:
            for name in ("src", "href"):
                url = attrs.get(name, "")
                if tag in ("link", "script", "img", "iframe", "source") and url:
                    assert not re.match(r"(?i)\s*(https?:)?//", url), (page, tag, url)
    css = (site / "assets" / "hindsight" / "hindsight.css").read_text()
    assert "http" not in css and "@import" not in css
    assert "fonts.googleapis" not in (site / "index.html").read_text()


def test_built_links_are_relative_for_any_path_prefix(cli, example):
    run_build(cli, example)
    site = example / "build" / "site"
    for page in pages_of(site):
        if page.name == "404.html" and page.parent == site:
            continue  # served at any depth, so it links from the site root
        for _tag, attrs in tags_of(page).tags:
            for name in ("src", "href"):
                url = attrs.get(name, "")
                assert not (url.startswith("/") and not url.startswith("//")), (
                    page,
                    url,
                )


def test_action_item_ledger_links_each_incident_to_its_page(cli, example):
    assert run_build(cli, example).code == 0
    ledger = example / "build" / "site" / "actions" / "index.html"
    links = {
        attrs["href"]
        for tag, attrs in tags_of(ledger).tags
        if tag == "a" and "/INC-" in attrs.get("href", "")
    }
    assert links == {"../incidents/INC-2024-001/"}
    assert (ledger.parent / "../incidents/INC-2024-001/index.html").resolve().is_file()


def test_navigation_lists_index_pages_but_no_incident_pages(cli, example):
    run_build(cli, example)
    site = example / "build" / "site"
    nav = [
        attrs.get("href", "")
        for tag, attrs in tags_of(site / "index.html").tags
        if tag == "a" and "md-nav__link" in attrs.get("class", "")
    ]
    for target in (
        "incidents/",
        "services/",
        "categories/",
        "tags/",
        "trends/",
        "trends/all-time/",
        "actions/",
        "contributing/",
        "reference/analyzers/",
        "reference/readiness/",
    ):
        assert target in nav
    assert not any("INC-2024-001" in href for href in nav)
    incident = site / "incidents" / "INC-2024-001" / "index.html"
    links = [a.get("href", "") for tag, a in tags_of(incident).tags if tag == "a"]
    assert "../../services/user-service/" in links


# Untrusted text ---------------------------------------------------------------------


def test_hostile_incident_builds_with_nothing_executable(cli, hostile):
    result = run_build(cli, hostile)
    assert result.code == 0, result.err
    site = hostile / "build" / "site"
    pages = pages_of(site)
    hostile_pages = [p for p in pages if "inc-2024-666" in p.as_posix()]
    assert hostile_pages
    for page in pages:
        parsed = tags_of(page)
        for tag, attrs in parsed.tags:
            assert not [k for k in attrs if k.startswith("on")], (page, tag, attrs)
            for value in attrs.values():
                assert not re.match(r"(?i)\s*(javascript|data|vbscript):", value)
            if tag == "script":
                src = attrs.get("src", "")
                assert not src or src.split("/")[-1].startswith(
                    ("bundle.", "hindsight.")
                )
            assert tag not in ("iframe", "object", "embed", "style", "base")
        assert "<" not in parsed.raw_title, page


def test_hostile_text_shows_on_the_page(cli, hostile):
    run_build(cli, hostile)
    page = next((hostile / "build" / "site" / "incidents").glob("inc-2024-666-*"))
    html = (page / "index.html").read_text()
    assert "&lt;script&gt;window.__hostile=1;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "{% raw %}" in html
    assert "&lt;/title&gt;" in html.split("</title>")[0]


@pytest.mark.parametrize(
    "snippet",
    [
        '<article><img src="x" onerror="alert(1)"></article>',
        '<article><a href="javascript:alert(1)">x</a></article>',
        '<article><a href=" Java&#x09;Script:alert(1)">x</a></article>',
        '<article><a href="data:text/html,x">x</a></article>',
        '<article><script>__md_scope=new URL(".",location)</script></article>',
        "<script>alert(1)</script>",
        "<title>x</title><script>alert(1)</script>",
        '<script src="https://cdn.example/x.js"></script>',
        '<link rel="stylesheet" href="//cdn.example/x.css">',
        '<article><img src="https://evil.example/x.png"></article>',
        '<article><img src="/x.png"></article>',
        '<article><div style="background:url(http://evil.example/)">x</div></article>',
        '<article><iframe src="x.html"></iframe></article>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
    ],
)
def test_site_check_finds_unsafe_markup(snippet):
    assert build.check_html(f"<html><body>{snippet}</body></html>")


def test_site_check_accepts_the_theme_and_user_links():
    page = (
        "<html><head><title>a &lt;/title&gt;</title>"
        '<script>__md_scope=new URL(".",location)</script>'
        '<script id="__config" type="application/json">{"base": "."}</script>'
        '<link rel="stylesheet" href="assets/stylesheets/main.css"></head><body>'
        '<article><a href="https://example.com/write-up">write-up</a>'
        '<img src="fishbone.svg" alt="x"></article>'
        '<script src="../assets/javascripts/bundle.js"></script></body></html>'
    )
    assert build.check_html(page) == []


def test_unsafe_hand_written_page_fails_and_keeps_the_previous_site(cli, example):
    assert run_build(cli, example).code == 0
    home = example / "build" / "site" / "index.html"
    before = home.read_text()
    (example / "site").mkdir()
    (example / "site" / "index.md").write_text(
        "# Home\n\n<img src=x onerror=alert(1)>\n"
    )
    result = run_build(cli, example)
    assert result.code == 1
    assert "the built site is unsafe" in result.err
    assert "index.html: <img onerror=...>: an event handler attribute" in result.err
    assert home.read_text() == before


# Settings and hand-written pages -----------------------------------------------------


def test_packaged_defaults_apply_without_mkdocs_yml_or_site(cli, example):
    run_build(cli, example)
    home = (example / "build" / "site" / "index.html").read_text()
    assert "<title>Postmortems</title>" in home
    assert "The post-incident reviews of this organisation." in home


def test_repository_settings_and_pages_are_used(cli, example):
    (example / "mkdocs.yml").write_text(
        "site_name: Acme reviews\n"
        "repo_url: https://git.example/acme/reviews\n"
        "edit_uri: edit/main/\n"
        "theme:\n  name: material\n  features: [content.action.edit]\n"
        "nav:\n  - Our guide: guide.md\n"
    )
    (example / "site").mkdir()
    (example / "site" / "index.md").write_text("# Acme\n\nOur reviews.\n")
    (example / "site" / "guide.md").write_text("# Guide\n\nHow we write them.\n")
    assert run_build(cli, example).code == 0
    site = example / "build" / "site"
    home = (site / "index.html").read_text()
    assert "Acme reviews" in home and "Our reviews." in home
    assert 'href="guide/"' in home
    incident = tags_of(site / "incidents" / "INC-2024-001" / "index.html")
    source = (
        "https://git.example/acme/reviews/edit/main/incidents/2024/"
        "2024-01-15-example-from-format.yaml"
    )
    hrefs = [a.get("href") for tag, a in incident.tags if tag == "a"]
    assert hrefs.count(source) == 2  # the source link and the edit button
    guide = tags_of(site / "guide" / "index.html")
    assert "https://git.example/acme/reviews/edit/main/site/guide.md" in [
        a.get("href") for tag, a in guide.tags if tag == "a"
    ]
    trends = tags_of(site / "trends" / "index.html")
    assert not [
        a for tag, a in trends.tags if "md-content__button" in a.get("class", "")
    ]


def test_hand_written_page_may_not_replace_a_generated_one(cli, example):
    (example / "site").mkdir()
    (example / "site" / "actions.md").write_text("# Mine\n")
    result = run_build(cli, example)
    assert result.code == 1
    assert "site/actions.md: the site generates this page" in result.err


def test_another_theme_is_refused(cli, example):
    (example / "mkdocs.yml").write_text("site_name: x\ntheme: readthedocs\n")
    result = run_build(cli, example)
    assert result.code == 1 and "material theme" in result.err


def test_broken_link_in_a_hand_written_page_fails_the_strict_build(cli, example):
    (example / "site").mkdir()
    (example / "site" / "notes.md").write_text("# Notes\n\n[gone](missing.md)\n")
    result = run_build(cli, example)
    assert result.code == 1
    assert "missing.md" in result.err and "strict" in result.err


@pytest.mark.parametrize("out", [".", "incidents", "site/public"])
def test_out_may_not_overwrite_the_repository(cli, example, out):
    result = run_build(cli, example, "--out", example / out)
    assert result.code == 1 and "--out" in result.err
    assert (example / "incidents" / "2024").is_dir()


def test_out_refuses_a_folder_that_is_not_a_site(cli, example, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mine")
    (folder / "keep.txt").write_text("mine")
    result = run_build(cli, example, "--out", folder)
    assert result.code == 1 and "not empty" in result.err
    assert (folder / "keep.txt").read_text() == "mine"


# The docs folder -------------------------------------------------------------------


def test_docs_folder_is_rewritten_only_where_it_changed(tmp_path):
    root = tmp_path / "docs"
    assert build.sync_tree(root, {"a.md": b"a", "x/b.md": b"b"}) == 2
    stamp = (root / "a.md").stat().st_mtime_ns
    assert build.sync_tree(root, {"a.md": b"a", "y/c.md": b"c"}) == 1
    assert (root / "a.md").stat().st_mtime_ns == stamp
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [
        "a.md",
        "y",
        "y/c.md",
    ]


def test_progress_shows_on_stderr_for_a_large_repository(cli, example, monkeypatch):
    monkeypatch.setattr(build, "LARGE", 1)
    result = run_build(cli, example)
    assert result.code == 0
    assert "incident pages" in result.err and "site pages" in result.err
    monkeypatch.setattr(build, "LARGE", 2)
    assert "incident pages" not in run_build(cli, example).err


def test_rebuild_with_the_same_as_of_is_identical(cli, example):
    run_build(cli, example)
    site = example / "build" / "site"
    first = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    run_build(cli, example)
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == first


# The bundled incidents and the live preview ------------------------------------------


def test_bundled_incidents_build(cli, tmp_path):
    repo = tmp_path / "bundled"
    for part in ("incidents", "schemas", "site"):
        shutil.copytree(ROOT / part, repo / part)
    shutil.copy(ROOT / "mkdocs.yml", repo / "mkdocs.yml")
    result = run_build(cli, repo)
    assert result.code == 0, result.err
    site = repo / "build" / "site"
    pages = list((site / "incidents").glob("*/index.html"))
    assert len(pages) == len(Repository(repo).incident_files())
    assert build.check_site(site) == []
    for page in ("format", "commands", "ci"):
        assert (site / page / "index.html").is_file()


def test_serve_previews_the_site_on_127_0_0_1(example):
    preview = build.Preview(Repository(example), port=0, as_of=date(2024, 6, 1))
    try:
        url = preview.start()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "incidents/INC-2024-001/", timeout=10) as r:
            page = r.read().decode()
        assert "Database connection pool exhaustion" in page
        assert "livereload" in page
    finally:
        preview.stop()
    assert not preview.site_dir.exists()

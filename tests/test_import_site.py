"""A real history end to end: GitHub's status page imported, then built.

All 1,282 incidents of the shared corpus (``../shared/corpus``, beside the
repository) are imported with ``hindsight import statuspage`` into an empty
repository, which must then build into a site with a page for each. Without
the corpus the test is skipped.
"""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import pytest

from hindsight.load import load_file
from hindsight.render import incident_page_path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SOURCE = CORPUS / "statuspage-github"

pytestmark = pytest.mark.skipif(not SOURCE.is_dir(), reason=f"no corpus at {SOURCE}")


def test_the_imported_status_page_history_builds_into_a_site(cli, repo):
    imported = cli("import", "statuspage", SOURCE, "--repo", repo, "--format", "json")
    assert imported.code == 0, imported.err
    count = json.loads(imported.out)["imported"]
    written = sorted((repo / "incidents").rglob("*.yaml"))
    assert count == len(written) > 1000

    built = cli("build", "--repo", repo, "--as-of", "2024-06-01", "--format", "json")

    assert built.code == 0, built.err[-2000:]
    report = json.loads(built.out)
    assert report["incidents"] == count
    site = Path(report["site"])
    home = (site / "index.html").read_text("utf-8")
    assert "Recent incidents" in home
    listed = (site / "incidents" / "index.html").read_text("utf-8")
    for path in written[:: len(written) // 6]:
        data = load_file(path).data
        page_path = incident_page_path(data["incident_id"])
        page = site / page_path / "index.html"
        assert page.is_file(), path
        html = unescape(page.read_text("utf-8"))
        heading = f'{data["incident_id"]}: {data["title"]}<a class="headerlink"'
        assert heading in html
        assert data["references"][0] in html  # the status page's own link
        assert f'href="{page_path.removeprefix("incidents/")}"' in listed

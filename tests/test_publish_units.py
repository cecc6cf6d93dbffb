"""The parts of publish that need no server: headers, plans, guards and the
wording and size of SNS messages."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from aws_servers import notice
from hindsight.publish import PublishError, PublishResult, check_guards, make_plan
from hindsight.publish import publish as run_publish
from hindsight.publish_files import (
    normalise_prefix,
    scan_site,
    served_as,
    upload_phase,
)
from hindsight.publish_sns import (
    MESSAGE_LIMIT,
    attributes_size,
    due_notices,
    fit_subject,
    incident_message,
    site_message,
)
from hindsight.publish_state import IncidentRecord, Manifest, RemoteFile


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", ""),
        ("/", ""),
        ("docs", "docs/"),
        ("/docs//v1/", "docs/v1/"),
        ("a\\b", "a/b/"),
    ],
)
def test_prefix_is_normalised(given, expected):
    assert normalise_prefix(given) == expected


@pytest.mark.parametrize("given", ["..", "docs/../other", "./docs"])
def test_prefix_with_dot_segments_is_refused(given, tmp_path):
    with pytest.raises(ValueError, match="may not contain"):
        normalise_prefix(given)
    (tmp_path / "index.html").write_text("x")
    with pytest.raises(PublishError, match="may not contain"):
        run_publish(tmp_path, bucket="b", prefix=given)


@pytest.mark.parametrize(
    ("rel", "content_type", "cache", "encoding"),
    [
        ("index.html", "text/html; charset=utf-8", "public, max-age=60", None),
        ("a/B.HTM", "text/html; charset=utf-8", "public, max-age=60", None),
        (
            "assets/main.6f8e3a1b.min.js",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
            None,
        ),
        (
            "assets/chunk-5d41402abc.css",
            "text/css; charset=utf-8",
            "public, max-age=31536000, immutable",
            None,
        ),
        (
            "assets/app.deadbeef.js",
            "text/javascript; charset=utf-8",
            "public, max-age=3600",
            None,
        ),  # a word, not a hash: no digit
        ("report.20240115.pdf", "application/pdf", "public, max-age=3600", None),
        ("sitemap.xml", "application/xml", "public, max-age=60", None),
        ("sitemap.xml.gz", "application/xml", "public, max-age=60", "gzip"),
        ("search/search_index.json", "application/json", "public, max-age=60", None),
        ("feed.json", "application/json", "public, max-age=3600", None),
        ("x.js.map", "application/json", "public, max-age=3600", None),
        ("site.webmanifest", "application/manifest+json", "public, max-age=3600", None),
        ("favicon.ico", "image/x-icon", "public, max-age=3600", None),
        ("logo.svg", "image/svg+xml", "public, max-age=3600", None),
        ("f.woff", "font/woff", "public, max-age=3600", None),
        ("f.eot", "application/vnd.ms-fontobject", "public, max-age=3600", None),
        ("incident.yaml", "application/yaml", "public, max-age=3600", None),
        ("notes.txt", "text/plain; charset=utf-8", "public, max-age=3600", None),
        ("robots.txt", "text/plain; charset=utf-8", "public, max-age=60", None),
        ("style.css.gz", "text/css; charset=utf-8", "public, max-age=3600", "gzip"),
        ("backup.tar.gz", "application/gzip", "public, max-age=3600", None),
        ("data.unknown", "application/octet-stream", "public, max-age=3600", None),
        ("LICENSE", "application/octet-stream", "public, max-age=3600", None),
    ],
)
def test_headers_come_from_the_table(rel, content_type, cache, encoding):
    served = served_as(rel)
    assert (served.content_type, served.cache_control, served.content_encoding) == (
        content_type,
        cache,
        encoding,
    )


def test_assets_go_up_before_pages_and_page_lists_last():
    order = sorted(
        [
            "sitemap.xml",
            "index.html",
            "new/index.html",
            "a.css",
            "search/search_index.json",
        ],
        key=lambda rel: upload_phase(rel, rel.startswith("new/")),
    )
    assert order == [
        "a.css",
        "new/index.html",
        "index.html",
        "sitemap.xml",
        "search/search_index.json",
    ]


def test_scan_skips_the_state_folder(tmp_path):
    (tmp_path / ".hindsight").mkdir()
    (tmp_path / ".hindsight" / "manifest.json").write_text("{}")
    (tmp_path / "index.html").write_text("<p>hi</p>")
    files, skipped = scan_site(tmp_path)
    assert list(files) == ["index.html"]
    assert skipped == [".hindsight/manifest.json"]
    data = b"<p>hi</p>"
    assert files["index.html"].sha256 == hashlib.sha256(data).hexdigest()
    assert (
        files["index.html"].md5_base64
        == base64.b64encode(hashlib.md5(data).digest()).decode()
    )


def test_missing_site_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PublishError, match="does not exist; build it first"):
        run_publish(tmp_path / "nope", bucket="b")


def _site(tmp_path: Path, names: list[str]) -> dict:
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    return scan_site(tmp_path)[0]


def test_plan_compares_content_and_lists_what_the_site_lost(tmp_path):
    files = _site(tmp_path, ["index.html", "a.css", "b.css"])
    manifest = Manifest(
        files={
            "index.html": RemoteFile(sha256=files["index.html"].sha256),
            "a.css": RemoteFile(md5=files["a.css"].md5_hex),
            "b.css": RemoteFile(sha256="0" * 64),
            "gone.html": RemoteFile(sha256="1" * 64),
        },
        uploading={"orphan.png"},
        incidents={},
    )
    plan = make_plan(files, manifest, [])
    assert plan.batches == [["b.css"]]
    assert plan.unchanged == 2
    assert plan.deletes == ["gone.html", "orphan.png"]
    assert not plan.overall


def test_deleting_half_is_allowed_and_more_is_refused(tmp_path):
    files = _site(tmp_path, ["index.html", "a.css"])
    half = Manifest(
        files={
            rel: RemoteFile(sha256="0" * 64)
            for rel in ["index.html", "a.css", "x", "y"]
        }
    )
    check_guards(files, make_plan(files, half, []), half, force=False)
    more = Manifest(
        files={rel: RemoteFile(sha256="0" * 64) for rel in ["index.html", "x", "y"]}
    )
    with pytest.raises(PublishError, match="refusing to delete 2 of the 3"):
        check_guards(files, make_plan(files, more, []), more, force=False)
    check_guards(files, make_plan(files, more, []), more, force=True)


def test_due_notices_are_new_changed_or_owed():
    known = {
        "A": IncidentRecord("a", "p", "sent"),
        "B": IncidentRecord("b", "p", "sent"),
        "C": IncidentRecord("c", "p", "unsent"),
        "D": IncidentRecord("d", "p", "skipped"),
    }
    incidents = [
        notice("A", "a"),
        notice("B", "b2"),
        notice("C", "c"),
        notice("D", "d"),
        notice("E", "e"),
    ]
    assert [n.incident_id for n in due_notices(incidents, known)] == ["B", "C", "E"]


def test_manifest_round_trips_and_rejects_foreign_json():
    manifest = Manifest(
        files={"index.html": RemoteFile(sha256="ab")},
        uploading={"new.png"},
        incidents={"A": IncidentRecord("d", "a/", "unsent")},
    )
    data = json.loads(json.dumps(manifest.to_json("run-1")))
    again = Manifest.from_json(data)
    assert again.content() == manifest.content() and again.found
    assert data["run_id"] == "run-1" and data["format"] == 1
    for bad in (
        [],
        {"format": 2},
        {"format": 1, "files": []},
        {"format": 1, "incidents": {"A": {"digest": "d", "notice": "?"}}},
    ):
        with pytest.raises(ValueError):
            Manifest.from_json(bad)


def test_result_dict_has_exactly_the_contract_keys():
    result = PublishResult(["a"], ["b"], 3, ["INC-1"])
    assert result.to_dict() == {
        "uploaded": ["a"],
        "deleted": ["b"],
        "unchanged": 3,
        "notified": ["INC-1"],
    }


def test_subject_is_one_ascii_line_under_100_characters():
    long = notice(
        "INC-2024-001",
        "d",
        title="Ausfall der Datenbank in Köln – "
        "“alles” weg\nzweite Zeile " + "sehr lang " * 20,
    )
    subject = incident_message(long, None).subject
    assert subject.isascii() and "\n" not in subject
    assert len(subject) < 100 and subject.endswith("...")
    assert subject.startswith(
        '[HIGH] INC-2024-001: Ausfall der Datenbank in Koln - "alles" weg zweite Zeile'
    )
    assert fit_subject("x" * 99) == "x" * 99
    assert len(fit_subject("x" * 100)) == 99


def test_message_carries_the_fields_and_filter_attributes():
    message = incident_message(
        notice(
            "INC-7",
            "d",
            duration_minutes=None,
            root_causes=[],
            open_action_items=[],
            services=["api", "Zürich-db"],
        ),
        "https://x.example/reviews",
    )
    assert "Duration: unknown" in message.body
    assert "Root causes:\n- none recorded" in message.body
    assert "Open action items:\n- none" in message.body
    assert "Page: https://x.example/reviews/incidents/INC-7/" in message.body
    services = message.attributes["services"]
    assert services["DataType"] == "String.Array"
    assert json.loads(services["StringValue"]) == ["api", "Zürich-db"]
    assert message.attributes["severity"] == {
        "DataType": "String",
        "StringValue": "high",
    }


def test_a_huge_message_is_cut_under_256_kb_with_a_note():
    causes = [f"cause {i}: " + "é" * 500 for i in range(400)]
    message = incident_message(notice("INC-1", "d", root_causes=causes), None)
    size = (
        len(message.body.encode())
        + len(message.subject.encode())
        + attributes_size(message.attributes)
    )
    assert size <= MESSAGE_LIMIT < 256 * 1024
    assert size > MESSAGE_LIMIT - 200  # cut close to the limit, not far below
    assert "[truncated:" in message.body
    message.body.encode("utf-8").decode("utf-8")  # no half character


def test_overall_message_lists_every_incident_and_the_worst_severity():
    incidents = [
        notice("INC-1", "a", severity="low", services=["web"]),
        notice("INC-2", "b", severity="critical", services=["db"]),
    ]
    message = site_message(incidents, "https://r.example/", "s3://b/", 12)
    assert "INC-1" in message.body and "https://r.example/incidents/INC-2/" in (
        message.body
    )
    assert message.attributes["severity"]["StringValue"] == "critical"
    assert json.loads(message.attributes["services"]["StringValue"]) == ["db", "web"]
    assert message.covers == (("INC-1", "a"), ("INC-2", "b"))
    empty = site_message([], None, "s3://b/", 3)
    assert "services" not in empty.attributes
    assert empty.attributes["severity"]["StringValue"] == "none"


def test_errors_are_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    (tmp_path / "index.html").write_text("x")
    with pytest.raises(PublishError) as caught:
        # botocore refuses the name before any request, in a two-line message
        run_publish(tmp_path, bucket="not a bucket", region="us-east-1")
    message = str(caught.value)
    assert "\n" not in message and "Invalid bucket name" in message

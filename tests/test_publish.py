"""publish against moto's S3, SNS and SQS over HTTP."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aws_servers import (
    CSS,
    JS,
    NOTICES,
    REGION,
    SITE_URL,
    TWO,
    Fault,
    Stack,
    broken_links,
    make_stack,
    notice,
    publish_to,
    session_for,
    write_site,
)
from hindsight.publish import PublishError, publish

pytest_plugins = ["aws_fixtures"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", TWO)


def test_first_publish_uploads_every_file_with_its_headers(moto_stack, site):
    result = publish_to(moto_stack, site)

    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert set(result.uploaded) == files
    assert result.deleted == [] and result.unchanged == 0
    assert moto_stack.keys() == files | {".hindsight/manifest.json"}
    expected = {
        "index.html": ("text/html; charset=utf-8", "public, max-age=60", None),
        CSS: ("text/css; charset=utf-8", "public, max-age=31536000, immutable", None),
        JS: (
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
            None,
        ),
        "assets/images/logo.png": ("image/png", "public, max-age=3600", None),
        "assets/fonts/text.woff2": ("font/woff2", "public, max-age=3600", None),
        "assets/images/favicon.svg": ("image/svg+xml", "public, max-age=3600", None),
        "manifest.webmanifest": (
            "application/manifest+json",
            "public, max-age=3600",
            None,
        ),
        "sitemap.xml": ("application/xml", "public, max-age=60", None),
        "sitemap.xml.gz": ("application/xml", "public, max-age=60", "gzip"),
        "search/search_index.json": ("application/json", "public, max-age=60", None),
        "data/export.bin": ("application/octet-stream", "public, max-age=3600", None),
    }
    for key, (content_type, cache, encoding) in expected.items():
        head = moto_stack.head(key)
        assert (
            head["ContentType"],
            head["CacheControl"],
            head.get("ContentEncoding"),
        ) == (content_type, cache, encoding), key
    index = (site / "index.html").read_bytes()
    sha = hashlib.sha256(index).hexdigest()
    assert moto_stack.head("index.html")["Metadata"] == {"sha256": sha}


def test_first_publish_sends_one_overall_message(moto_stack, site):
    result = publish_to(moto_stack, site)

    messages = moto_stack.messages()
    assert len(messages) == 1
    message = messages[0]
    assert "2 incident reviews published" in message["Subject"]
    assert f"{SITE_URL}incidents/INC-2024-001/" in message["Message"]
    assert f"{SITE_URL}incidents/INC-2024-002/" in message["Message"]
    attributes = message["MessageAttributes"]
    assert attributes["severity"] == {"Type": "String", "Value": "high"}
    assert attributes["services"]["Type"] == "String.Array"
    assert json.loads(attributes["services"]["Value"]) == ["api", "db"]
    assert sorted(result.notified) == ["INC-2024-001", "INC-2024-002"]
    manifest = json.loads(moto_stack.read(".hindsight/manifest.json"))
    assert manifest["incidents"]["INC-2024-001"] == {
        "digest": "d1",
        "notice": "sent",
        "page_path": "incidents/INC-2024-001/",
    }
    assert manifest["files"]["index.html"]["sha256"]


def test_unchanged_rerun_uploads_and_sends_nothing_in_a_few_requests(
    moto_stack, site, moto_proxy
):
    publish_to(moto_stack, site)
    moto_stack.messages()
    moto_proxy.reset()

    result = publish_to(moto_stack, site, proxy=moto_proxy)

    assert result.to_dict() == {
        "uploaded": [],
        "deleted": [],
        "unchanged": len(list(site.rglob("*.*"))),
        "notified": [],
    }
    assert len(moto_stack.messages()) == 1  # still only the first one
    writes = [s for s in moto_proxy.seen if s.method in ("PUT", "DELETE")]
    assert [(s.method, s.key) for s in writes] == [
        ("PUT", ".hindsight/lock.json"),
        ("DELETE", ".hindsight/lock.json"),
    ]
    assert not any(s.action == "Publish" for s in moto_proxy.seen)
    assert len(moto_proxy.seen) <= 6


def test_changed_incident_uploads_its_files_and_sends_one_message(
    moto_stack, site, tmp_path
):
    publish_to(moto_stack, site)
    moto_stack.messages()
    changed = dict(
        TWO, **{"INC-2024-002": ("Login errors", "A bad deploy; rolled back at 10:42.")}
    )
    write_site(site, changed)
    notices = [
        NOTICES[0],
        notice("INC-2024-002", "d2-new", title="Login errors", open_action_items=[]),
    ]

    result = publish_to(moto_stack, site, incidents=notices)

    assert sorted(result.uploaded) == [
        "incidents/INC-2024-002/index.html",
        "search/search_index.json",
    ]
    assert result.notified == ["INC-2024-002"]
    messages = moto_stack.messages()[1:]
    assert len(messages) == 1
    message = messages[0]
    assert message["Subject"] == "[HIGH] INC-2024-002: Login errors (reviewed)"
    body = message["Message"]
    assert "Severity: high" in body and "Status: reviewed" in body
    assert "Services: api, db" in body and "Duration: 95 minutes" in body
    assert "- connection pool exhausted" in body
    assert f"Page: {SITE_URL}incidents/INC-2024-002/" in body
    assert message["MessageAttributes"]["severity"]["Value"] == "high"


def test_removed_incident_page_is_deleted_without_a_message(moto_stack, site):
    three = dict(TWO, **{"INC-2024-003": ("Disk full", "Logs grew.")})
    write_site(site, three)
    publish_to(moto_stack, site, incidents=NOTICES + [notice("INC-2024-003", "d3")])
    moto_stack.messages()
    write_site(site, TWO)

    result = publish_to(moto_stack, site)

    assert result.deleted == ["incidents/INC-2024-003/index.html"]
    assert "incidents/INC-2024-003/index.html" not in moto_stack.keys()
    assert "incidents/INC-2024-001/index.html" in moto_stack.keys()
    assert len(moto_stack.messages()) == 1
    manifest = json.loads(moto_stack.read(".hindsight/manifest.json"))
    assert set(manifest["incidents"]) == {"INC-2024-001", "INC-2024-002"}
    assert broken_links(moto_stack) == []


def test_prefix_keeps_everything_else_in_the_bucket(moto_stack, site):
    s3 = moto_stack.client("s3")
    s3.put_object(Bucket=moto_stack.bucket, Key="other/keep.txt", Body=b"mine")
    s3.put_object(Bucket=moto_stack.bucket, Key="docs-old.html", Body=b"mine")
    three = dict(TWO, **{"INC-2024-003": ("Disk full", "Logs grew.")})
    write_site(site, three)

    first = publish_to(moto_stack, site, prefix="/docs//v1")
    write_site(site, TWO)
    second = publish_to(moto_stack, site, prefix="docs/v1/")

    assert all(key.startswith("docs/v1/") for key in first.uploaded)
    assert second.deleted == ["docs/v1/incidents/INC-2024-003/index.html"]
    keys = moto_stack.keys()
    assert {
        "other/keep.txt",
        "docs-old.html",
        "docs/v1/.hindsight/manifest.json",
        "docs/v1/index.html",
    } <= keys
    assert not [k for k in keys if not k.startswith(("docs/v1/", "other/", "docs-old"))]


def test_dry_run_reports_changes_and_touches_nothing(moto_stack, site):
    preview = publish_to(moto_stack, site, dry_run=True)

    assert moto_stack.keys() == set()
    assert moto_stack.messages() == []
    assert "index.html" in preview.uploaded
    assert sorted(preview.notified) == ["INC-2024-001", "INC-2024-002"]

    publish_to(moto_stack, site)
    write_site(site, {"INC-2024-001": TWO["INC-2024-001"]})
    before = {key: moto_stack.head(key)["ETag"] for key in moto_stack.keys()}
    preview = publish_to(moto_stack, site, incidents=NOTICES[:1], dry_run=True)

    assert preview.deleted == ["incidents/INC-2024-002/index.html"]
    assert sorted(preview.uploaded) == [
        "index.html",
        "search/search_index.json",
        "sitemap.xml",
        "sitemap.xml.gz",
    ]
    assert {key: moto_stack.head(key)["ETag"] for key in moto_stack.keys()} == before


def test_empty_site_is_refused_unless_forced(moto_stack, tmp_path):
    empty = tmp_path / "empty"
    (empty / "assets").mkdir(parents=True)
    (empty / "assets" / "a.css").write_text("a {}")

    with pytest.raises(PublishError, match="without index.html"):
        publish_to(moto_stack, empty)
    assert moto_stack.keys() == set()

    result = publish_to(moto_stack, empty, force=True)
    assert result.uploaded == ["assets/a.css"]


def test_deleting_most_of_the_site_is_refused_unless_forced(moto_stack, site, tmp_path):
    publish_to(moto_stack, site)
    small = tmp_path / "small"
    small.mkdir()
    (small / "index.html").write_text("<p>nothing</p>")
    before = moto_stack.keys()

    with pytest.raises(PublishError, match="refusing to delete"):
        publish_to(moto_stack, small, incidents=[])
    assert moto_stack.keys() == before

    result = publish_to(moto_stack, small, incidents=[], force=True)
    assert len(result.deleted) == len(before) - 2  # all but index and manifest
    assert moto_stack.keys() == {"index.html", ".hindsight/manifest.json"}


def _lock(stack: Stack, age: timedelta) -> None:
    taken = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"owner": "other-run", "host": "elsewhere", "pid": 1, "acquired_at": taken}
    stack.client("s3").put_object(
        Bucket=stack.bucket, Key=".hindsight/lock.json", Body=json.dumps(body).encode()
    )


def test_a_held_lock_stops_the_publish(moto_stack, site):
    _lock(moto_stack, timedelta(minutes=2))

    with pytest.raises(PublishError, match="locked by run other-run"):
        publish_to(moto_stack, site)

    assert moto_stack.keys() == {".hindsight/lock.json"}
    assert json.loads(moto_stack.read(".hindsight/lock.json"))["owner"] == "other-run"
    assert moto_stack.messages() == []


def test_of_two_runs_starting_at_once_one_gets_the_lock(moto_stack, moto_proxy, site):
    # The other run writes its lock between this run's read and its write.
    moto_proxy.add(
        Fault(
            lambda seen: seen.method == "PUT" and seen.key == ".hindsight/lock.json",
            kind="race",
            meddle=lambda: _lock(moto_stack, timedelta(0)),
        )
    )

    with pytest.raises(PublishError, match="took the lock first"):
        publish_to(moto_stack, site, proxy=moto_proxy)

    assert moto_stack.keys() == {".hindsight/lock.json"}
    assert json.loads(moto_stack.read(".hindsight/lock.json"))["owner"] == "other-run"


def test_of_two_runs_taking_over_a_stale_lock_one_wins(moto_stack, moto_proxy, site):
    _lock(moto_stack, timedelta(hours=1))
    moto_proxy.add(
        Fault(
            lambda seen: seen.method == "PUT" and seen.key == ".hindsight/lock.json",
            kind="race",
            meddle=lambda: _lock(moto_stack, timedelta(0)),
        )
    )

    with pytest.raises(PublishError, match="took the lock first"):
        publish_to(moto_stack, site, proxy=moto_proxy)

    assert moto_stack.keys() == {".hindsight/lock.json"}


def test_a_stale_lock_is_taken_over_and_released(moto_stack, site):
    _lock(moto_stack, timedelta(minutes=20))
    said: list[str] = []

    result = publish_to(moto_stack, site, progress=said.append)

    assert "index.html" in result.uploaded
    assert any("taking over a stale lock" in line for line in said)
    assert ".hindsight/lock.json" not in moto_stack.keys()


def test_the_lock_is_released_when_the_publish_fails(moto_stack, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PublishError):
        publish_to(moto_stack, empty)
    assert ".hindsight/lock.json" not in moto_stack.keys()


def test_missing_bucket_is_a_clear_error(moto_stack, site):
    with pytest.raises(PublishError, match="bucket 'no-such-bucket' does not exist"):
        publish(
            site,
            bucket="no-such-bucket",
            session=moto_stack.session,
            endpoint_url=moto_stack.endpoint,
            region=REGION,
        )


def test_missing_topic_stops_before_anything_is_deleted(moto_stack, site):
    publish_to(moto_stack, site)
    write_site(site, {"INC-2024-001": TWO["INC-2024-001"]})
    before = moto_stack.keys()
    missing = moto_stack.topic_arn + "-gone"

    with pytest.raises(PublishError, match="does not exist"):
        publish_to(moto_stack, site, incidents=NOTICES[:1], topic_arn=missing)

    assert moto_stack.keys() == before
    assert ".hindsight/lock.json" not in before


def test_no_topic_publishes_and_owes_no_notice_later(moto_stack, site):
    publish_to(moto_stack, site, topic_arn=None)
    assert moto_stack.messages() == []

    result = publish_to(moto_stack, site)

    assert result.notified == []
    assert moto_stack.messages() == []


def test_fresh_machine_without_manifest_compares_by_etag(moto_stack, site):
    publish_to(moto_stack, site)
    moto_stack.client("s3").delete_object(
        Bucket=moto_stack.bucket, Key=".hindsight/manifest.json"
    )
    (site / "index.html").write_text("<p>new front page</p>")

    result = publish_to(moto_stack, site, topic_arn=None)

    assert result.uploaded == ["index.html"]
    assert result.unchanged == len(list(site.rglob("*.*"))) - 1


def test_unreadable_manifest_falls_back_to_listing(moto_stack, site):
    publish_to(moto_stack, site)
    moto_stack.client("s3").put_object(
        Bucket=moto_stack.bucket, Key=".hindsight/manifest.json", Body=b"{not json"
    )
    said: list[str] = []

    result = publish_to(moto_stack, site, topic_arn=None, progress=said.append)

    assert result.uploaded == []
    assert any("manifest cannot be read" in line for line in said)
    json.loads(moto_stack.read(".hindsight/manifest.json"))  # rewritten


def test_fifo_topic_gets_group_and_deduplication_ids(moto_url, site):
    stack = make_stack(moto_url, session_for(), fifo=True)

    publish_to(stack, site)

    messages = stack.messages()
    assert len(messages) == 1
    assert messages[0]["_sqs_attributes"]["MessageGroupId"] == "site"
    first_id = messages[0]["_sqs_attributes"]["MessageDeduplicationId"]
    assert len(first_id) == 64
    write_site(site, dict(TWO, **{"INC-2024-001": ("Database outage", "More.")}))
    publish_to(stack, site, incidents=[notice("INC-2024-001", "d1-new"), NOTICES[1]])
    second = stack.messages()[1]
    assert second["_sqs_attributes"]["MessageGroupId"] == "INC-2024-001"
    assert second["_sqs_attributes"]["MessageDeduplicationId"] != first_id

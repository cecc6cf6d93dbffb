"""publish against ``rclone serve s3``, which checks signatures and
Content-MD5, returns metadata names capitalised and ignores conditional
writes (If-None-Match, If-Match)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aws_servers import (
    CSS,
    NOTICES,
    RCLONE_KEY,
    REGION,
    TWO,
    Fault,
    Stack,
    broken_links,
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


def site_files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def test_first_publish_stores_files_headers_and_digests(rclone_stack, site):
    result = publish_to(rclone_stack, site)

    assert set(result.uploaded) == site_files(site)
    assert rclone_stack.keys() == site_files(site) | {".hindsight/manifest.json"}
    head = rclone_stack.head(CSS)
    assert head["ContentType"] == "text/css; charset=utf-8"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    gz = rclone_stack.head("sitemap.xml.gz")
    assert (gz["ContentType"], gz["ContentEncoding"]) == ("application/xml", "gzip")
    manifest = json.loads(rclone_stack.read(".hindsight/manifest.json"))
    metadata = {k.lower(): v for k, v in head["Metadata"].items()}
    assert metadata["sha256"] == manifest["files"][CSS]["sha256"]
    assert broken_links(rclone_stack) == []


def test_unchanged_rerun_makes_a_handful_of_requests(rclone_stack, rclone_proxy, site):
    publish_to(rclone_stack, site)

    result = publish_to(rclone_stack, site, proxy=rclone_proxy)

    assert result.uploaded == [] and result.deleted == []
    assert result.unchanged == len(site_files(site))
    writes = [(s.method, s.key) for s in rclone_proxy.seen if s.method != "GET"]
    assert writes == [
        ("PUT", ".hindsight/lock.json"),
        ("DELETE", ".hindsight/lock.json"),
    ]
    assert len(rclone_proxy.seen) <= 6


def test_changed_and_removed_pages(rclone_stack, site):
    publish_to(rclone_stack, site)
    write_site(site, {"INC-2024-001": ("Database outage", "Pool resized.")})

    result = publish_to(rclone_stack, site, incidents=NOTICES[:1])

    assert result.deleted == ["incidents/INC-2024-002/index.html"]
    assert sorted(result.uploaded) == [
        "incidents/INC-2024-001/index.html",
        "index.html",
        "search/search_index.json",
        "sitemap.xml",
        "sitemap.xml.gz",
    ]
    assert "incidents/INC-2024-002/index.html" not in rclone_stack.keys()
    assert broken_links(rclone_stack) == []


def test_without_manifest_the_listing_etags_are_compared(rclone_stack, site):
    publish_to(rclone_stack, site)
    rclone_stack.client("s3").delete_object(
        Bucket=rclone_stack.bucket, Key=".hindsight/manifest.json"
    )

    result = publish_to(rclone_stack, site)

    assert result.uploaded == []
    assert ".hindsight/manifest.json" in rclone_stack.keys()


def test_a_held_lock_stops_the_publish_without_conditional_writes(rclone_stack, site):
    taken = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rclone_stack.client("s3").put_object(
        Bucket=rclone_stack.bucket,
        Key=".hindsight/lock.json",
        Body=json.dumps({"owner": "other-run", "acquired_at": taken}).encode(),
    )

    with pytest.raises(PublishError, match="locked by run other-run"):
        publish_to(rclone_stack, site)

    assert rclone_stack.keys() == {".hindsight/lock.json"}


def test_a_stale_lock_is_taken_over(rclone_stack, site):
    taken = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    rclone_stack.client("s3").put_object(
        Bucket=rclone_stack.bucket,
        Key=".hindsight/lock.json",
        Body=json.dumps({"owner": "other-run", "acquired_at": taken}).encode(),
    )

    result = publish_to(rclone_stack, site)

    assert "index.html" in result.uploaded
    assert ".hindsight/lock.json" not in rclone_stack.keys()


def test_wrong_credentials_are_denied_and_nothing_is_deleted(rclone_stack, site):
    publish_to(rclone_stack, site)
    write_site(site, {"INC-2024-001": TWO["INC-2024-001"]})
    before = rclone_stack.keys()
    wrong = Stack(
        rclone_stack.endpoint,
        session_for(RCLONE_KEY, "wrong-secret"),
        rclone_stack.bucket,
    )

    with pytest.raises(PublishError, match="access to bucket .* denied"):
        publish_to(wrong, site, incidents=NOTICES[:1])
    with pytest.raises(PublishError, match="denied"):
        publish_to(wrong, site, incidents=NOTICES[:1], dry_run=True)

    assert rclone_stack.keys() == before


def test_missing_bucket_is_a_clear_error(rclone_stack, site):
    with pytest.raises(PublishError, match="bucket 'absent-bucket' does not exist"):
        publish(
            site,
            bucket="absent-bucket",
            session=rclone_stack.session,
            endpoint_url=rclone_stack.endpoint,
            region=REGION,
        )


def test_prefix_leaves_other_objects_alone(rclone_stack, site):
    rclone_stack.client("s3").put_object(
        Bucket=rclone_stack.bucket, Key="keep/me.txt", Body=b"mine"
    )
    publish_to(rclone_stack, site, prefix="reviews")
    write_site(site, {"INC-2024-001": TWO["INC-2024-001"]})

    result = publish_to(rclone_stack, site, prefix="reviews", incidents=NOTICES[:1])

    assert result.deleted == ["reviews/incidents/INC-2024-002/index.html"]
    keys = rclone_stack.keys()
    assert "keep/me.txt" in keys
    assert all(k.startswith(("reviews/", "keep/")) for k in keys)


def test_a_server_error_mid_upload_is_retried(rclone_stack, rclone_proxy, site):
    fault = rclone_proxy.add(Fault(lambda s: s.method == "PUT" and s.key == CSS))

    result = publish_to(rclone_stack, site, proxy=rclone_proxy)

    assert fault.hits == 1
    assert CSS in result.uploaded
    assert rclone_stack.read(CSS) == (site / CSS).read_bytes()


def test_notices_with_pending_records_on_rclone(rclone_moto_stack, rclone_proxy, site):
    stack, proxy = rclone_moto_stack, rclone_proxy
    publish_to(stack, site, proxy=proxy)
    assert len(stack.messages()) == 1
    incidents = [notice("INC-2024-001", "d1-new"), NOTICES[1]]
    proxy.add(Fault(lambda seen: seen.action == "Publish", kind="lose-answer"))

    with pytest.raises(PublishError, match="did not answer"):
        publish_to(stack, site, proxy=proxy, incidents=incidents)
    pending = [k for k in stack.keys() if k.startswith(".hindsight/pending/")]
    assert len(pending) == 1 and len(stack.messages()) == 2

    result = publish_to(stack, site, proxy=proxy, incidents=incidents)

    assert result.notified == []
    assert len(stack.messages()) == 2
    assert not [k for k in stack.keys() if k.startswith(".hindsight/pending/")]

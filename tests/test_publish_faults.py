"""publish when requests fail: faults injected by a proxy in front of moto.

After any fault the bucket must never serve a page that links to a file it
lacks, and the next run must finish the publish with nothing lost and no
notice sent twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from aws_servers import (
    JS,
    NOTICES,
    TWO,
    Fault,
    Seen,
    Stack,
    broken_links,
    notice,
    publish_to,
    write_site,
)
from hindsight.publish import PublishError

pytest_plugins = ["aws_fixtures"]

THREE = dict(TWO, **{"INC-2024-003": ("Disk full", "<img src='x.png'>")})
NEW_IMAGE = "incidents/INC-2024-003/x.png"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", TWO)


def put_of(key: str) -> Callable[[Seen], bool]:
    return lambda seen: seen.method == "PUT" and seen.key == key


def nth(n: int, match: Callable[[Seen], bool]) -> Callable[[Seen], bool]:
    """Match the `n`-th request that `match` picks, counted from 1."""
    count = 0

    def pick(seen: Seen) -> bool:
        nonlocal count
        if match(seen):
            count += 1
            return count == n
        return False

    return pick


def is_site_put(seen: Seen) -> bool:
    return seen.method == "PUT" and not seen.key.startswith(".hindsight/")


def is_publish(seen: Seen) -> bool:
    return seen.action == "Publish"


def add_third_incident(site: Path) -> list:
    write_site(site, THREE)
    (site / NEW_IMAGE).write_bytes(b"\x89PNG\r\n\x1a\nthird")
    return NOTICES + [notice("INC-2024-003", "d3")]


def pending_records(stack: Stack) -> list[str]:
    return sorted(k for k in stack.keys() if k.startswith(".hindsight/pending/"))


@pytest.mark.parametrize("kind", ["error", "drop", "lose-answer"])
def test_a_single_fault_mid_upload_is_retried(moto_stack, moto_proxy, site, kind):
    fault = moto_proxy.add(Fault(nth(3, is_site_put), kind=kind))

    result = publish_to(moto_stack, site, proxy=moto_proxy)

    assert fault.hits == 1
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert set(result.uploaded) == files
    assert files <= moto_stack.keys()
    assert len(moto_stack.messages()) == 1


def test_a_failing_asset_keeps_the_pages_that_use_it_back(moto_stack, moto_proxy, site):
    publish_to(moto_stack, site)
    moto_stack.messages()
    incidents = add_third_incident(site)
    old_index = moto_stack.read("index.html")
    moto_proxy.add(Fault(put_of(NEW_IMAGE), times=None))

    with pytest.raises(
        PublishError, match="failed to upload .*x.png.*nothing was"
    ) as e:
        publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents, attempts=2)

    assert e.value.result.uploaded == []  # the one new asset is the one that failed
    assert broken_links(moto_stack) == []
    assert moto_stack.read("index.html") == old_index
    assert "incidents/INC-2024-003/index.html" not in moto_stack.keys()
    assert moto_stack.messages()[1:] == []

    moto_proxy.reset()
    result = publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents)

    assert NEW_IMAGE in result.uploaded and "index.html" in result.uploaded
    assert broken_links(moto_stack) == []
    new = moto_stack.messages()[1:]
    assert [m["Subject"] for m in new] == [
        "[HIGH] INC-2024-003: Outage INC-2024-003 (reviewed)"
    ]


def test_a_failing_new_page_keeps_the_index_that_links_to_it_back(
    moto_stack, moto_proxy, site
):
    publish_to(moto_stack, site)
    incidents = add_third_incident(site)
    old_index = moto_stack.read("index.html")
    page = "incidents/INC-2024-003/index.html"
    moto_proxy.add(Fault(put_of(page), kind="drop", times=None))

    with pytest.raises(PublishError, match="1 files failed to upload") as e:
        publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents, attempts=2)

    assert NEW_IMAGE in moto_stack.keys()  # assets went up first
    assert e.value.result.uploaded == [NEW_IMAGE]
    assert moto_stack.read("index.html") == old_index
    assert broken_links(moto_stack) == []


def test_a_failed_first_publish_still_ends_in_one_overall_message(
    moto_stack, moto_proxy, site
):
    moto_proxy.add(Fault(put_of(JS), times=None))

    with pytest.raises(PublishError):
        publish_to(moto_stack, site, proxy=moto_proxy, attempts=2)

    assert not [k for k in moto_stack.keys() if k.endswith(".html")]
    assert moto_stack.messages() == []
    manifest = json.loads(moto_stack.read(".hindsight/manifest.json"))
    assert manifest["incidents"] is None and JS not in manifest["files"]

    moto_proxy.reset()
    result = publish_to(moto_stack, site, proxy=moto_proxy)

    assert JS in result.uploaded and "index.html" in result.uploaded
    assert [s.key for s in moto_proxy.seen if s.method == "PUT"].count(
        "assets/images/logo.png"
    ) == 0  # already up, not sent again
    messages = moto_stack.messages()
    assert len(messages) == 1 and "2 incident reviews" in messages[0]["Subject"]


def test_an_answer_lost_after_upload_leaves_no_orphan(moto_stack, moto_proxy, site):
    publish_to(moto_stack, site)
    incidents = add_third_incident(site)
    moto_proxy.add(Fault(put_of(NEW_IMAGE), kind="lose-answer", times=None))

    with pytest.raises(PublishError):
        publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents, attempts=2)
    assert NEW_IMAGE in moto_stack.keys()  # stored, though never confirmed

    moto_proxy.reset()
    write_site(site, TWO)  # the new incident was withdrawn
    result = publish_to(moto_stack, site, proxy=moto_proxy)

    assert result.deleted == [NEW_IMAGE]
    assert NEW_IMAGE not in moto_stack.keys()


def test_a_refused_notice_is_sent_by_the_next_run_once(moto_stack, moto_proxy, site):
    moto_proxy.add(Fault(is_publish, times=None))

    with pytest.raises(PublishError, match="notices failed .*next run sends"):
        publish_to(moto_stack, site, proxy=moto_proxy, attempts=2)

    assert "index.html" in moto_stack.keys()
    assert moto_stack.messages() == []
    assert pending_records(moto_stack) == []

    moto_proxy.reset()
    publish_to(moto_stack, site, proxy=moto_proxy)
    publish_to(moto_stack, site, proxy=moto_proxy)

    assert len(moto_stack.messages()) == 1


def test_a_refused_incident_notice_is_retried_alone(moto_stack, moto_proxy, site):
    publish_to(moto_stack, site)
    incidents = [notice("INC-2024-001", "d1-new"), notice("INC-2024-002", "d2-new")]
    first = b"INC-2024-001"
    moto_proxy.add(Fault(lambda s: is_publish(s) and first in s.body, times=None))

    with pytest.raises(PublishError, match="1 notices failed"):
        publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents, attempts=2)
    after_first = moto_stack.messages()[1:]
    assert len(after_first) == 1

    moto_proxy.reset()
    result = publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents)

    subjects = sorted(m["Subject"] for m in moto_stack.messages()[1:])
    assert len(result.notified) == 1
    assert [s.split(":")[0] for s in subjects] == [
        "[HIGH] INC-2024-001",
        "[HIGH] INC-2024-002",
    ]


def test_a_notice_whose_answer_was_lost_is_not_sent_again(moto_stack, moto_proxy, site):
    publish_to(moto_stack, site)
    incidents = [notice("INC-2024-001", "d1-new"), NOTICES[1]]
    moto_proxy.add(Fault(is_publish, kind="lose-answer"))

    with pytest.raises(PublishError, match="did not answer"):
        publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents, attempts=2)
    assert len(moto_stack.messages()) == 2  # SNS took it
    assert len(pending_records(moto_stack)) == 1

    moto_proxy.reset()
    result = publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents)

    assert result.notified == []
    assert not any(is_publish(s) for s in moto_proxy.seen)
    assert len(moto_stack.messages()) == 2
    assert pending_records(moto_stack) == []


def test_a_manifest_lost_after_sending_does_not_repeat_the_notice(
    moto_stack, moto_proxy, site
):
    publish_to(moto_stack, site)
    write_site(site, dict(TWO, **{"INC-2024-002": ("Login errors", "Rolled back.")}))
    incidents = [NOTICES[0], notice("INC-2024-002", "d2-new")]
    moto_proxy.add(Fault(put_of(".hindsight/manifest.json"), times=None))

    with pytest.raises(PublishError, match="could not write the manifest"):
        publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents, attempts=2)
    assert len(moto_stack.messages()) == 2
    assert len(pending_records(moto_stack)) == 1

    moto_proxy.reset()
    result = publish_to(moto_stack, site, proxy=moto_proxy, incidents=incidents)

    assert result.notified == []
    assert len(moto_stack.messages()) == 2
    assert pending_records(moto_stack) == []
    manifest = json.loads(moto_stack.read(".hindsight/manifest.json"))
    assert manifest["incidents"]["INC-2024-002"]["digest"] == "d2-new"


def test_throttling_and_server_errors_are_retried(moto_stack, moto_proxy, site):
    faults = [
        moto_proxy.add(Fault(put_of(".hindsight/lock.json"), times=2)),
        moto_proxy.add(Fault(put_of(JS), status=503, code="SlowDown")),
        moto_proxy.add(Fault(is_publish)),
        moto_proxy.add(Fault(is_publish, status=400, code="Throttling")),
    ]

    result = publish_to(moto_stack, site, proxy=moto_proxy, attempts=3)

    assert [fault.hits for fault in faults] == [2, 1, 1, 1]
    assert JS in result.uploaded and "index.html" in result.uploaded
    assert len(moto_stack.messages()) == 1


def test_access_errors_are_not_retried(moto_stack, moto_proxy, site):
    fault = moto_proxy.add(
        Fault(
            put_of(".hindsight/lock.json"), status=403, code="AccessDenied", times=None
        )
    )

    with pytest.raises(PublishError, match="access to bucket .* denied"):
        publish_to(moto_stack, site, proxy=moto_proxy, attempts=3)

    assert fault.hits == 1
    assert moto_stack.keys() == set()


def test_a_topic_that_denies_access_stops_before_any_change(
    moto_stack, moto_proxy, site
):
    publish_to(moto_stack, site)
    write_site(site, {"INC-2024-001": TWO["INC-2024-001"]})
    before = {key: moto_stack.head(key)["ETag"] for key in moto_stack.keys()}
    moto_proxy.add(
        Fault(
            lambda seen: seen.action == "GetTopicAttributes",
            status=403,
            code="AuthorizationError",
        )
    )

    with pytest.raises(PublishError, match="cannot be used: access denied"):
        publish_to(moto_stack, site, proxy=moto_proxy, incidents=NOTICES[:1])

    assert {key: moto_stack.head(key)["ETag"] for key in moto_stack.keys()} == before

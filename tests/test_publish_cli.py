"""`hindsight publish` from a repository, against moto's server over HTTP."""

from __future__ import annotations

import json

import pytest

from aws_servers import REGION, TWO, write_site
from conftest import FORMAT_EXAMPLE, add_incident

pytest_plugins = ["aws_fixtures"]


@pytest.fixture
def published_repo(repo, tmp_path, monkeypatch):
    """A repository with two incidents and a built site shaped like MkDocs'."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-pool.yaml")
    second = add_incident(repo, FORMAT_EXAMPLE, "2024-01-15-login.yaml")
    second.write_text(second.read_text().replace("INC-2024-001", "INC-2024-002"))
    site = write_site(tmp_path / "site", TWO)
    return repo, site


def run_publish(cli, repo, site, stack, *extra):
    return cli(
        "publish",
        "--repo",
        repo,
        "--site",
        site,
        "--bucket",
        stack.bucket,
        "--topic-arn",
        stack.topic_arn,
        "--endpoint-url",
        stack.endpoint,
        "--region",
        REGION,
        "--site-url",
        "https://pm.example.com/",
        "--format",
        "json",
        *extra,
    )


def test_publish_twice_then_change_one_incident(cli, published_repo, moto_stack):
    repo, site = published_repo
    first = run_publish(cli, repo, site, moto_stack)
    assert first.code == 0, first.err
    report = json.loads(first.out)
    assert set(report) == {"uploaded", "deleted", "unchanged", "notified"}
    assert "index.html" in report["uploaded"]
    assert len(moto_stack.messages()) == 1  # one overall message, not one each

    again = json.loads(run_publish(cli, repo, site, moto_stack).out)
    assert again["uploaded"] == [] and again["notified"] == []
    assert len(moto_stack.messages()) == 1

    pool = repo / "incidents" / "2024" / "2024-01-15-pool.yaml"
    pool.write_text(pool.read_text().replace("status: reviewed", "status: in_review"))
    changed = json.loads(run_publish(cli, repo, site, moto_stack).out)
    assert changed["notified"] == ["INC-2024-001"]
    messages = moto_stack.messages()
    assert len(messages) == 2
    assert "https://pm.example.com/incidents/INC-2024-001/" in messages[-1]["Message"]
    assert messages[-1]["MessageAttributes"]["severity"]["Value"] == "high"


def test_comment_only_edits_send_nothing(cli, published_repo, moto_stack):
    repo, site = published_repo
    assert run_publish(cli, repo, site, moto_stack).code == 0
    pool = repo / "incidents" / "2024" / "2024-01-15-pool.yaml"
    pool.write_text(pool.read_text() + "# a note for the next review\n")
    report = json.loads(run_publish(cli, repo, site, moto_stack).out)
    assert report["notified"] == []


def test_publish_refuses_a_repository_with_errors(cli, published_repo, moto_stack):
    repo, site = published_repo
    pool = repo / "incidents" / "2024" / "2024-01-15-pool.yaml"
    pool.write_text(pool.read_text().replace("severity: high", "severity: hgh"))
    result = run_publish(cli, repo, site, moto_stack)
    assert result.code == 1
    assert "run `hindsight validate`" in result.err
    assert moto_stack.keys() == set()


def test_a_missing_bucket_is_a_clear_error(cli, published_repo, moto_stack):
    repo, site = published_repo
    result = cli(
        "publish",
        "--repo",
        repo,
        "--site",
        site,
        "--bucket",
        "no-such-bkt",
        "--endpoint-url",
        moto_stack.endpoint,
        "--region",
        REGION,
    )
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "no-such-bkt" in result.err

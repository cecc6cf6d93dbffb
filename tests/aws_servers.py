"""Local S3 and SNS servers for the publish tests, a proxy that breaks
requests on purpose, and a small built site to publish.

Two S3 servers run over real HTTP on 127.0.0.1 for the whole test session:
moto's standalone server (S3, SNS and SQS, so a queue subscribed to a
topic shows what was sent) and ``rclone serve s3`` over a local folder
(which, unlike moto, checks Content-MD5 and signatures). `FaultProxy` sits
between publish and a server and answers 500, drops the connection, or
forwards a request and drops the answer, for the requests a test picks.
"""

from __future__ import annotations

import functools
import gzip
import json
import posixpath
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from botocore.config import Config

from hindsight.publish import IncidentNotice, PublishResult, publish

REGION = "us-east-1"
SITE_URL = "https://reviews.example.org/"
RCLONE_KEY, RCLONE_SECRET = "hindsight-key", "hindsight-secret"
# Headers that belong to one connection, not to the request passed on.
_HOP_HEADERS = set(
    "connection keep-alive proxy-connection te transfer-encoding upgrade expect".split()
)


@functools.cache
def session_for(key: str = "testing", secret: str = "testing") -> boto3.Session:
    """One session per key pair, so service models are loaded only once."""
    return boto3.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name=REGION
    )


# -- a bucket, a topic and a queue per test --------------------------------


@dataclass
class Stack:
    """One test's bucket, and maybe a topic with a subscribed queue, which
    live at `query_endpoint` (by default the bucket's endpoint)."""

    endpoint: str
    session: boto3.Session
    bucket: str
    query_endpoint: str | None = None
    topic_arn: str | None = None
    queue_url: str | None = None
    received: list[dict] = field(default_factory=list)
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            config = Config(
                s3={"addressing_style": "path"},
                retries={"mode": "standard", "total_max_attempts": 2},
            )
            endpoint = self.endpoint
            if service != "s3":
                endpoint = self.query_endpoint or self.endpoint
            self.clients[service] = self.session.client(
                service, endpoint_url=endpoint, config=config
            )
        return self.clients[service]

    def keys(self) -> set[str]:
        pages = self.client("s3").get_paginator("list_objects_v2")
        return {
            item["Key"]
            for page in pages.paginate(Bucket=self.bucket)
            for item in page.get("Contents", [])
        }

    def read(self, key: str) -> bytes:
        return self.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def head(self, key: str) -> dict:
        return self.client("s3").head_object(Bucket=self.bucket, Key=key)

    def messages(self) -> list[dict]:
        """Every SNS notification that reached the queue so far."""
        sqs = self.client("sqs")
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                return list(self.received)
            for message in batch:
                envelope = json.loads(message["Body"])
                envelope["_sqs_attributes"] = message.get("Attributes", {})
                self.received.append(envelope)
                sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


def make_stack(
    endpoint: str,
    session: boto3.Session,
    fifo: bool = False,
    topic: bool = True,
    query_endpoint: str | None = None,
) -> Stack:
    name = f"hs-{uuid.uuid4().hex[:12]}"
    stack = Stack(endpoint, session, name, query_endpoint)
    stack.client("s3").create_bucket(Bucket=name)
    if not topic:
        return stack
    sns, sqs = stack.client("sns"), stack.client("sqs")
    suffix = ".fifo" if fifo else ""
    topic_attributes = {"FifoTopic": "true"} if fifo else {}
    stack.topic_arn = sns.create_topic(Name=name + suffix, Attributes=topic_attributes)[
        "TopicArn"
    ]
    queue_attributes = {"FifoQueue": "true"} if fifo else {}
    stack.queue_url = sqs.create_queue(
        QueueName=name + suffix, Attributes=queue_attributes
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(
        QueueUrl=stack.queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=stack.topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return stack


# -- a proxy that injects faults -------------------------------------------


@dataclass
class Seen:
    """One request that passed the proxy."""

    index: int
    method: str
    path: str
    action: str  # the Action of an SNS/SQS query request, "" for S3
    body: bytes = b""

    @property
    def key(self) -> str:
        """The object key of a path-style S3 request ("" for the bucket)."""
        parts = self.path.lstrip("/").split("/", 1)
        return parts[1] if len(parts) == 2 else ""


@dataclass
class Fault:
    """Break the requests `match` picks: "error" (answer `status` with the
    error `code`), "drop" (close without answering), "lose-answer"
    (forward, then close without answering) or "race" (call `meddle`, as
    another client would, then forward)."""

    match: Callable[[Seen], bool]
    kind: str = "error"
    times: int | None = 1  # None: every matching request
    status: int = 500
    code: str = "InternalError"
    meddle: Callable[[], None] | None = None
    hits: int = 0


class FaultProxy:
    """A forwarding HTTP proxy on 127.0.0.1 with a log of what it saw.

    SNS and SQS requests go to `query_upstream` when one is given, so that
    S3 on one server and SNS on another share one endpoint URL.
    """

    def __init__(self, upstream: str, query_upstream: str | None = None) -> None:
        self.upstreams = {
            kind: (urlsplit(url).hostname, urlsplit(url).port)
            for kind, url in (("s3", upstream), ("query", query_upstream or upstream))
        }
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Relay)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.seen.clear()

    def note(self, method: str, path: str, body: bytes) -> tuple[Seen, Fault | None]:
        action = ""
        if method == "POST" and path == "/":
            action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        with self._lock:
            seen = Seen(len(self.seen) + 1, method, unquote(path), action, body)
            self.seen.append(seen)
            for fault in self.faults:
                if (fault.times is None or fault.hits < fault.times) and fault.match(
                    seen
                ):
                    fault.hits += 1
                    return seen, fault
        return seen, None

    def forward(self, seen: Seen, target: str, headers: list, body: bytes) -> tuple:
        upstream = self.upstreams["query" if seen.action else "s3"]
        connection = HTTPConnection(*upstream, timeout=30)
        try:
            connection.request(seen.method, target, body=body, headers=dict(headers))
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


class _Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        proxy: FaultProxy = self.server.proxy  # type: ignore[attr-defined]
        body = self._read_body()
        seen, fault = proxy.note(self.command, urlsplit(self.path).path, body)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            return
        if fault is not None and fault.kind == "error":
            headers = [("Content-Type", "application/xml")]
            self._answer(fault.status, headers, _error_body(seen, fault.code))
            return
        if fault is not None and fault.meddle is not None:
            fault.meddle()
        headers = [
            (k, v)
            for k, v in self.headers.items()
            if k.lower() not in _HOP_HEADERS | {"content-length"}
        ] + [("Content-Length", str(len(body)))]
        status, answer_headers, answer = proxy.forward(seen, self.path, headers, body)
        if fault is not None and fault.kind == "lose-answer":
            self.close_connection = True
            return
        self._answer(status, answer_headers, answer)

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        # publish sends every body with a Content-Length (it turns off
        # botocore's streamed checksums), so chunked bodies need no support.
        assert "chunked" not in self.headers.get("Transfer-Encoding", "").lower()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, headers: list, body: bytes) -> None:
        self.send_response(status)
        keep_length = self.command == "HEAD"
        for name, value in headers:
            lowered = name.lower()
            if lowered in _HOP_HEADERS or lowered in ("date", "server"):
                continue
            if lowered == "content-length" and not keep_length:
                continue
            self.send_header(name, value)
        if not keep_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests read `FaultProxy.seen` instead


def _error_body(seen: Seen, code: str) -> bytes:
    if seen.action:
        return (
            f"<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code>"
            "<Message>injected fault</Message></Error>"
            "<RequestId>0</RequestId></ErrorResponse>"
        ).encode()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        "<Message>injected fault</Message></Error>"
    ).encode()


# -- a small built site -----------------------------------------------------

CSS = "assets/stylesheets/main.6f8e3a1b.min.css"
JS = "assets/javascripts/bundle.5d41402a.min.js"
LOGO = "assets/images/logo.png"


def write_site(root: Path, incidents: dict[str, tuple[str, str]]) -> Path:
    """A small site shaped like a MkDocs build: an index page, one page per
    incident (id -> (title, text)), assets, a sitemap and a search index.

    Changing an incident's text changes its page and the search index only.
    """
    if root.exists():
        shutil.rmtree(root)
    files: dict[str, str | bytes] = {
        CSS: "body { color: #222 }\n",
        JS: "console.log('hindsight');\n",
        LOGO: b"\x89PNG\r\n\x1a\n" + bytes(range(64)),
        "assets/fonts/text.woff2": b"wOF2" + bytes(32),
        "assets/images/favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "manifest.webmanifest": '{"name": "hindsight"}',
        "data/export.bin": bytes(range(16)),
        "404.html": _page("Not found", "", "."),
    }
    links = "".join(
        f'<li><a href="incidents/{key}/">{key}: {title}</a></li>'
        for key, (title, _) in sorted(incidents.items())
    )
    files["index.html"] = _page("Incident reviews", f"<ul>{links}</ul>", ".")
    for key, (title, text) in incidents.items():
        files[f"incidents/{key}/index.html"] = _page(
            title, f"<p>{text}</p><a href='../../'>all reviews</a>", "../.."
        )
    urls = "".join(
        f"<url><loc>/incidents/{key}/</loc></url>" for key in sorted(incidents)
    )
    sitemap = f"<urlset><url><loc>/</loc></url>{urls}</urlset>"
    files["sitemap.xml"] = sitemap
    files["sitemap.xml.gz"] = gzip.compress(sitemap.encode(), mtime=0)
    files["search/search_index.json"] = json.dumps(
        {
            "docs": [
                {"location": f"incidents/{k}/", "text": t}
                for k, (_, t) in sorted(incidents.items())
            ]
        }
    )
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)
    return root


def _page(title: str, body: str, up: str) -> str:
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        f'<link rel="stylesheet" href="{up}/{CSS}">'
        f'<link rel="icon" href="{up}/assets/images/favicon.svg"></head>'
        f'<body><img src="{up}/{LOGO}" alt="">{body}'
        f'<script src="{up}/{JS}"></script></body></html>'
    )


def notice(key: str, digest: str, **changes: Any) -> IncidentNotice:
    fields = {
        "incident_id": key,
        "digest": digest,
        "title": f"Outage {key}",
        "severity": "high",
        "status": "reviewed",
        "services": ["api", "db"],
        "duration_minutes": 95,
        "root_causes": ["connection pool exhausted"],
        "open_action_items": ["AI-1: alert on pool saturation (owner: sre)"],
        "page_path": f"incidents/{key}/",
    }
    fields.update(changes)
    return IncidentNotice(**fields)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.targets += [
            value for name, value in attrs if name in ("href", "src") and value
        ]


def broken_links(stack: Stack) -> list[str]:
    """Local href/src targets of the bucket's HTML pages that it lacks."""
    keys = stack.keys()
    missing = []
    for key in sorted(k for k in keys if k.endswith(".html")):
        parser = _Links()
        parser.feed(stack.read(key).decode())
        for target in parser.targets:
            if urlsplit(target).scheme or target.startswith(("//", "#")):
                continue
            if resolve_link(key, urlsplit(target).path) not in keys:
                missing.append(f"{key} -> {target}")
    return missing


def resolve_link(page_key: str, path: str) -> str:
    """The key a relative link on the page at `page_key` points at."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_key), path))
    joined = "" if joined == "." else joined
    if path.endswith("/") or path in ("", ".", ".."):
        return f"{joined}/index.html" if joined else "index.html"
    return joined


TWO = {
    "INC-2024-001": ("Database outage", "The pool ran dry."),
    "INC-2024-002": ("Login errors", "A bad deploy."),
}
NOTICES = [notice("INC-2024-001", "d1"), notice("INC-2024-002", "d2")]


def publish_to(
    stack: Stack, site: Path, proxy: FaultProxy | None = None, **options: Any
) -> PublishResult:
    """Publish `site` to the test's bucket and topic, through `proxy` if given."""
    options.setdefault("incidents", NOTICES)
    options.setdefault("topic_arn", stack.topic_arn)
    return publish(
        site,
        bucket=stack.bucket,
        session=stack.session,
        endpoint_url=proxy.url if proxy else stack.endpoint,
        region=REGION,
        site_url=SITE_URL,
        **options,
    )

"""The built site in a real browser: headless Chromium over DevTools.

The site is served by a thread on 127.0.0.1 under the path prefix
``/hindsight/``, as a static host would serve it. The browser must log no
console error, send no request beyond 127.0.0.1, open no dialog (a hostile
incident's ``alert()`` would), and find an incident by a word of its
impact through the theme's search box. Screenshots go to
``test-artifacts/`` for people to look at.

Without Chromium the tests are skipped, except in CI (``CI`` set), where
they fail.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import FORMAT_EXAMPLE, ROOT, add_incident

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FIXTURES = Path(__file__).parent / "fixtures" / "site"
ARTIFACTS = ROOT / "test-artifacts"
PREFIX = "/hindsight/"
WAIT = 20.0  # seconds any one browser step may take before the test gives up


# A small WebSocket client (RFC 6455), enough for the DevTools protocol --------


class WebSocket:
    """Text frames over one TCP connection; the client masks what it sends."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), WAIT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._chunk()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(head.decode(errors="replace"))

    def _chunk(self) -> bytes:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("the browser closed the connection")
        return data

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self.buffer += self._chunk()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def send(self, text: str, opcode: int = 0x1) -> None:
        payload = text.encode() if isinstance(text, str) else text
        size = len(payload)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        mask = os.urandom(4)
        number = int.from_bytes(payload, "big") if payload else 0
        pattern = int.from_bytes((mask * (size // 4 + 1))[:size], "big") if size else 0
        masked = (number ^ pattern).to_bytes(size, "big") if size else b""
        self.sock.sendall(header + mask + masked)

    def recv(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._read(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._read(8))
            payload = self._read(size)
            if opcode == 0x9:
                self.send(payload, opcode=0xA)
                continue
            if opcode == 0x8:
                raise ConnectionError("the browser closed the WebSocket")
            message += payload
            if first & 0x80 and opcode in (0x0, 0x1):
                return message.decode()

    def close(self) -> None:
        self.sock.close()


class DevTools:
    """Commands and events of one page, through the browser's WebSocket."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.counter = 0
        self.session: str | None = None
        self.events: list[dict] = []

    def call(self, method: str, **params: object) -> dict:
        self.counter += 1
        message: dict = {"id": self.counter, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.counter:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, since: int) -> dict:
        """The first event ``method`` at or after position ``since``."""
        deadline = time.monotonic() + WAIT
        index = since
        while True:
            for event in self.events[index:]:
                if event.get("method") == method:
                    return event
            index = len(self.events)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method}")
            self.events.append(json.loads(self.ws.recv()))

    def evaluate(self, expression: str) -> object:
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        return result.get("result", {}).get("value")

    def until(self, expression: str) -> object:
        """Evaluate ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"never true: {expression}")

    def open(self, url: str) -> None:
        since = len(self.events)
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired", since)

    def screenshot(self, path: Path) -> None:
        metrics = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {
            "x": 0,
            "y": 0,
            "width": metrics["width"],
            "height": min(metrics["height"], 5000),
            "scale": 1,
        }
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            clip=clip,
            captureBeyondViewport=True,
        )
        path.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture(scope="module")
def chromium(tmp_path_factory) -> Iterator[DevTools]:
    """A headless Chromium; without one, a skip (a failure in CI)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI: {CHROMIUM} is missing")
        pytest.skip("Chromium is not installed")
    with launch(tmp_path_factory.mktemp("chromium-profile")) as tools:
        yield tools


@contextlib.contextmanager
def launch(profile: Path) -> Iterator[DevTools]:
    """A headless Chromium with the fresh profile folder ``profile``, attached
    to one blank page. The folder is left to its owner (pytest's tmp_path),
    since Chromium's helper processes may still write to it as they exit."""
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-extensions",
            "--disable-default-apps",
            "--hide-scrollbars",
            "--mute-audio",
            "--window-size=1280,900",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + WAIT
        while not port_file.is_file() or len(port_file.read_text().split()) < 2:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("Chromium did not start its DevTools server")
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        ws = WebSocket(f"ws://127.0.0.1:{port}{path}")
        tools = DevTools(ws)
        target = tools.call("Target.createTarget", url="about:blank")["targetId"]
        tools.session = tools.call(
            "Target.attachToTarget", targetId=target, flatten=True
        )["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            tools.call(f"{domain}.enable")
        tools.call(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield tools
        ws.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# The site ----------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    """The built fixture repository, served under /hindsight/ on 127.0.0.1."""
    from hindsight.cli import main

    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(FIXTURES / "hostile", repo, dirs_exist_ok=True)
    add_incident(repo, FORMAT_EXAMPLE)
    for extra in sorted((FIXTURES / "incidents").glob("*.yaml")):
        add_incident(repo, extra)
    www = tmp_path_factory.mktemp("www")
    code = main(
        [
            "build",
            "--repo",
            str(repo),
            "--out",
            str(www / "hindsight"),
            "--as-of",
            "2024-06-01",
            "-q",
        ]
    )
    assert code == 0
    handler = functools.partial(_Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    server.shutdown()
    server.server_close()


def _problems(tools: DevTools, start: int, host: str) -> list[str]:
    """Console errors, dialogs and requests beyond the host since ``start``."""
    found = []
    for event in tools.events[start:]:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            parts = urlsplit(url)
            if parts.scheme not in ("data", "blob") and parts.netloc != host:
                found.append(f"request to {url}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            found.append(f"console error: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(f"log error: {params['entry'].get('text')}")
        elif method == "Page.javascriptDialogOpening":
            found.append(f"dialog: {params.get('message')}")
    return found


def _visit(tools: DevTools, url: str, shot: str) -> list[str]:
    start = len(tools.events)
    tools.open(url)
    tools.until("document.readyState === 'complete'")
    ARTIFACTS.mkdir(exist_ok=True)
    tools.screenshot(ARTIFACTS / f"{shot}.png")
    tools.evaluate("new Promise(done => setTimeout(done, 200))")  # late errors
    return _problems(tools, start, urlsplit(url).netloc)


PAGES = [
    ("", "home"),
    ("incidents/INC-2024-001/", "incident"),
    ("trends/", "trends"),
    ("trends/all-time/", "trends-all-time"),
    ("incidents/", "incidents"),
]


@pytest.mark.parametrize(("path", "shot"), PAGES, ids=[s for _p, s in PAGES])
def test_page_loads_cleanly_and_stays_on_127_0_0_1(chromium, served, path, shot):
    problems = _visit(chromium, served + path, shot)
    assert problems == []
    title = chromium.evaluate("document.querySelector('article h1').textContent")
    assert title


def test_hostile_incident_page_runs_nothing_from_its_text(chromium, served):
    start = len(chromium.events)
    home = _visit(chromium, served + "incidents/", "incidents-for-hostile")
    assert home == []
    link = chromium.evaluate(
        "[...document.querySelectorAll('article a')]"
        ".find(a => a.textContent.includes('INC-2024-666')).getAttribute('href')"
    )
    problems = _visit(chromium, served + "incidents/" + link, "hostile")
    assert problems == []
    text = chromium.evaluate("document.querySelector('article').innerText")
    assert "<script>alert(" in text and "{{ 7*7 }}" in text
    assert chromium.evaluate("window.__hostile === undefined") is True
    scripts = chromium.evaluate("document.querySelectorAll('article script').length")
    assert scripts == 0
    assert _problems(chromium, start, urlsplit(served).netloc) == []


def test_incident_filter_narrows_the_table_by_severity(chromium, served):
    _visit(chromium, served + "incidents/", "incidents")
    rows = "document.querySelectorAll('article table tbody tr:not([hidden])').length"
    before = chromium.evaluate(rows)
    chromium.evaluate(
        "(() => { const s = document.querySelector('select[data-hs-filter=severity]');"
        " s.value = 'high'; s.dispatchEvent(new Event('change')); })()"
    )
    after = chromium.evaluate(rows)
    assert 0 < after < before
    severities = chromium.evaluate(
        "[...document.querySelectorAll('article table tbody tr:not([hidden])')]"
        ".map(r => r.cells[2].textContent.trim())"
    )
    assert set(severities) == {"high"}


def _search(tools: DevTools, word: str) -> list[str]:
    """Type ``word`` into the theme's search box; the links of the results.

    The search index loads in a worker; until it is ready a query may go
    unanswered, so the input event is sent again while no result shows.
    """
    tools.evaluate(
        "document.querySelector('label[for=__search]')?.click();"
        "document.querySelector('.md-search__input').focus()"
    )
    tools.call("Input.insertText", text=word)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        hits = tools.evaluate(
            "[...document.querySelectorAll('.md-search-result__item a')]"
            ".map(a => a.getAttribute('href'))"
        )
        if hits:
            return list(hits)
        tools.evaluate(
            "(() => { const q = document.querySelector('.md-search__input');"
            " q.dispatchEvent(new Event('input')); q.dispatchEvent("
            "new KeyboardEvent('keyup', {key: 'n'})); })()"
        )
        time.sleep(0.2)
    return []


def test_search_finds_an_incident_by_a_word_of_its_impact(chromium, served):
    start = len(chromium.events)
    _visit(chromium, served, "home-before-search")
    hits = _search(chromium, "zeppelin")
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.screenshot(ARTIFACTS / "search.png")
    assert any("INC-2024-101" in hit for hit in hits), hits
    assert _problems(chromium, start, urlsplit(served).netloc) == []

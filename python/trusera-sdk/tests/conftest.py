"""Fixtures every test of the Python SDK (and its integrations) shares.

``trusera_server``: a real ``trusera-server`` process (the built packages/server, ``npm run build``
first) on a loopback port with its own data directory, started once per session.
``client``: a ``TruseraClient`` bound to it, closed after the test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import http.client
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVER_CLI = ROOT / "packages" / "server" / "dist" / "cli.js"


class ServerProcess:
    def __init__(self, url: str, api_key: str, data_dir: str, proc: subprocess.Popen[str]) -> None:
        self.url = url
        self.api_key = api_key
        self.data_dir = data_dir
        self.proc = proc

    def api(self, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        """Calls the server's API with the admin key; answers (status, parsed JSON body)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"authorization": f"Bearer {key or self.api_key}"}
        if data is not None:
            headers["content-type"] = "application/json"
        parts = urlsplit(self.url)
        # http.client directly: no interceptor hook sits on it, so these calls are never recorded.
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.request(method, path, body=data, headers=headers)
            res = conn.getresponse()
            text = res.read().decode()
            return res.status, (json.loads(text) if text else None)
        finally:
            conn.close()

    def events(self, *, agent: str | None = None, type: str | None = None, wait_for: int = 0, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Stored events of the project (newest first), waiting until at least ``wait_for`` match."""
        query = "?limit=1000" + (f"&type={type}" if type else "") + (f"&agent_id={agent}" if agent else "")
        end = time.monotonic() + timeout
        while True:
            status, body = self.api("GET", "/api/v1/events" + query)
            assert status == 200, body
            found = body["events"]
            if len(found) >= wait_for or time.monotonic() > end:
                return found
            time.sleep(0.05)


    def count(self, *, agent: str, wait_for: int = 0, timeout: float = 10.0) -> int:
        """How many events the agent has stored, waiting until at least ``wait_for``."""
        end = time.monotonic() + timeout
        while True:
            status, body = self.api("GET", f"/api/v1/events/summary?agent_id={agent}")
            assert status == 200, body
            if body["total"] >= wait_for or time.monotonic() > end:
                return body["total"]
            time.sleep(0.05)


def _start_server() -> ServerProcess:
    if not SERVER_CLI.exists():
        raise RuntimeError(f"{SERVER_CLI} is missing: run `npm run build` first")
    data_dir = tempfile.mkdtemp(prefix="trusera-py-server-")
    node = os.environ.get("TRUSERA_TEST_SERVER_NODE", "node")
    proc = subprocess.Popen(
        [node, str(SERVER_CLI), "start", "--host", "127.0.0.1", "--port", "0", "--data-dir", data_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TRUSERA_LOG_LEVEL": "info"},
    )
    lines: list[str] = []
    found: dict[str, str] = {}
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            m = re.search(r"trusera-server listening on (http://\S+)", line)
            if m and not ready.is_set():
                found["url"] = m.group(1).rstrip("/")
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(30) or "url" not in found:
        proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        raise RuntimeError("trusera-server did not start within 30 s:\n" + "".join(lines))
    key = Path(data_dir, "api-key").read_text().strip()
    return ServerProcess(found["url"], key, data_dir, proc)


@pytest.fixture(scope="session")
def trusera_server() -> Iterator[ServerProcess]:
    server = _start_server()
    try:
        yield server
    finally:
        server.proc.terminate()
        try:
            server.proc.wait(10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
        shutil.rmtree(server.data_dir, ignore_errors=True)


@pytest.fixture
def agent(request: pytest.FixtureRequest) -> str:
    """An agent name of the test's own, so that its events are told apart from other tests'."""
    base = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name)[:60]
    return f"py-{base}-{os.urandom(3).hex()}"


@pytest.fixture
def client(trusera_server: ServerProcess, agent: str) -> Iterator[Any]:
    from trusera_sdk import TruseraClient

    c = TruseraClient(api_key=trusera_server.api_key, base_url=trusera_server.url, agent_id=agent, flush_interval=0.2)
    try:
        yield c
    finally:
        c.close(5)

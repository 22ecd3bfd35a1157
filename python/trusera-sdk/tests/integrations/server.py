"""A real ``trusera-server`` process on a loopback port for the integration tests (the Python twin of
packages/testing/src/server-process.ts), and reading back what it stored."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[4]
SERVER_CLI = REPO / "packages" / "server" / "dist" / "cli.js"


@dataclass
class ServerProcess:
    url: str
    api_key: str
    data_dir: str
    process: subprocess.Popen[str]

    def api(self, method: str, path: str) -> Any:
        req = urllib.request.Request(self.url.rstrip("/") + path, method=method, headers={"authorization": f"Bearer {self.api_key}"})
        # The test's own call to the test server: never through an interceptor or a proxy.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as res:
            return json.loads(res.read() or b"null")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def start_server(timeout: float = 20.0) -> ServerProcess:
    if not SERVER_CLI.exists():
        raise RuntimeError(f"{SERVER_CLI} is missing: run `npm run build` first")
    data_dir = tempfile.mkdtemp(prefix="trusera-py-integrations-")
    node = os.environ.get("TRUSERA_TEST_SERVER_NODE") or "node"
    proc = subprocess.Popen(
        [node, str(SERVER_CLI), "start", "--host", "127.0.0.1", "--port", "0", "--data-dir", data_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TRUSERA_LOG_LEVEL": "info"},
    )
    found: list[str] = []
    output: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            m = re.search(r"trusera-server listening on (http://\S+)", line)
            if m and not found:
                found.append(m.group(1))

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not found and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if not found:
        proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        raise RuntimeError("trusera-server did not start:\n" + "".join(output))
    key = (Path(data_dir) / "api-key").read_text().strip()
    return ServerProcess(found[0], key, data_dir, proc)

"""Test helpers: a loopback HTTP front for the real server that can fail, delay or hang on demand,
and a plain loopback HTTP server for interceptor tests."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import urlsplit


@dataclass
class Seen:
    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Front:
    """A loopback server in front of ``upstream``. ``plan(n, seen)`` decides the n-th request (from
    0): ``None`` forwards it; ``(status, headers[, body])`` answers it; ``"hang"`` never answers;
    ``("delay", seconds)`` forwards it after a pause."""

    upstream: str
    plan: Callable[[int, Seen], Any] = lambda n, seen: None
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        front = self
        lock = threading.Lock()
        self._stop = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(time.monotonic(), self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with lock:
                    n = len(front.seen)
                    front.seen.append(seen)
                    front.in_flight += 1
                    front.max_in_flight = max(front.max_in_flight, front.in_flight)
                try:
                    action = front.plan(n, seen)
                    if action == "hang":
                        front._stop.wait(30)
                        self.close_connection = True
                        return
                    if isinstance(action, tuple) and action[0] == "delay":
                        time.sleep(action[1])
                        action = None
                    if action is None:
                        status, headers, data = front._forward(seen)
                    else:
                        status, headers = action[0], action[1]
                        data = action[2] if len(action) > 2 else b'{"error":"test"}'
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    with lock:
                        front.in_flight -= 1

            do_GET = do_POST = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _forward(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            keep = {k: v for k, v in seen.headers.items() if k not in ("host", "content-length", "connection")}
            conn.request(seen.method, seen.path, body=seen.body or None, headers=keep)
            res = conn.getresponse()
            data = res.read()
            headers = {k: v for k, v in res.getheaders() if k.lower() in ("content-type", "etag")}
            return res.status, headers, data
        finally:
            conn.close()

    def batches(self) -> list[dict[str, Any]]:
        return [json.loads(s.body) for s in self.seen if s.path.endswith("/events/batch")]

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()


class Origin:
    """A loopback HTTP server answering every request with 200 and a small JSON body (or, with
    ``redirect_to``, a 302 for paths starting /redirect); counts what reached it."""

    def __init__(self) -> None:
        origin = self
        self.hits: list[tuple[str, str, dict[str, str]]] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                origin.hits.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path.startswith("/redirect"):
                    target = self.path.split("to=", 1)[1] if "to=" in self.path else "/"
                    self.send_response(302)
                    self.send_header("location", target)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                data = b'{"ok":true}'
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def silent_listener() -> tuple[socket.socket, str]:
    """A socket that accepts connections and never answers: a server that hangs."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s, f"http://127.0.0.1:{s.getsockname()[1]}"


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()

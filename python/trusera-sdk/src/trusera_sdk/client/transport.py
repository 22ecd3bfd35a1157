"""The client's own HTTP: ``http.client`` directly, which none of the interceptor's hooks touch
(they sit on requests, httpx, urllib3, aiohttp and urllib.request), so the client's traffic is never
intercepted, decided or recorded. One keep-alive connection per thread, dropped after a fork.
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
import weakref
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class PrivateTransport:
    def __init__(self) -> None:
        self._local = threading.local()
        self._closed = False
        # Weak: a connection lives as long as the thread that made it (its thread-local slot), so
        # threads that come and go (flush() called from a pool) leave nothing behind here.
        self._all: weakref.WeakSet[http.client.HTTPConnection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _connection(self, scheme: str, netloc: str, timeout: float) -> http.client.HTTPConnection:
        key = (scheme, netloc)
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "key", None) == key and self._local.pid == os.getpid():
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            return conn
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        conn = cls(netloc, timeout=timeout)
        self._local.conn, self._local.key, self._local.pid = conn, key, os.getpid()
        with self._lock:
            self._all.add(conn)
        return conn

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
    ) -> Response:
        """One request; a stale keep-alive connection is retried once on a fresh one.

        :raises OSError: (or http.client.HTTPException) when the server cannot be reached in time.
        """
        if self._closed:
            raise ConnectionError("transport closed")
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        for attempt in (0, 1):
            conn = self._connection(parts.scheme, parts.netloc, max(0.001, timeout))
            reused = conn.sock is not None
            try:
                conn.request(method, target, body=body, headers=headers)
                res = conn.getresponse()
                data = res.read()
                out = Response(res.status, {k.lower(): v for k, v in res.getheaders()}, data)
                if res.will_close:
                    conn.close()
                return out
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if not reused or attempt == 1:
                    raise
            except (OSError, http.client.HTTPException, socket.timeout):
                conn.close()
                raise
        raise ConnectionError("unreachable")

    def close(self) -> None:
        self._closed = True
        with self._lock:
            conns, self._all = list(self._all), weakref.WeakSet()
        if os.getpid() != self._pid:
            return  # a forked child's copies belong to the parent
        for c in conns:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass

    def after_fork(self) -> None:
        """In a forked child: forget the parent's sockets without closing them."""
        self._local = threading.local()
        self._all = weakref.WeakSet()
        self._lock = threading.Lock()
        self._pid = os.getpid()

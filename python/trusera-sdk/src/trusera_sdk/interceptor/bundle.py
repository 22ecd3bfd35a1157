"""Keeps a CedarEvaluator loaded with the server's policy bundle (packages/sdk/src/policy/policy-bundle.ts):
fetched in the background with If-None-Match, never on the path of a request. A fetch that fails or a
bundle that does not load keeps the last good set active; each kind of failure is warned once until
the next success. The request goes over the client's private transport: never intercepted.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..cedar.evaluator import CedarEvaluator
from ..errors import PolicyLoadError


@dataclass(frozen=True)
class BundleStatus:
    """``pending``: no answer yet. ``active``: a set is loaded. ``none``: the server says there is
    no active policy. ``unavailable``: no bundle could be fetched or loaded, and none before."""

    state: str
    version: str | None
    digest: str | None
    checked_at: float | None
    last_error: str | None


def parse_bundle(body: bytes) -> dict[str, Any] | str:
    """The bundle, or what is wrong with it, in words."""
    try:
        b = json.loads(body)
    except ValueError:
        return "the body is not JSON"
    if not isinstance(b, dict):
        return "the body is not a JSON object"
    if b.get("version") is not None and not isinstance(b.get("version"), str):
        return "version must be a string or null"
    if "version" not in b:
        return "version must be a string or null"
    if not isinstance(b.get("digest"), str):
        return "digest must be a string"
    if not isinstance(b.get("policies"), str):
        return "policies must be a string"
    if b.get("default_decision") not in ("allow", "deny"):
        return 'default_decision must be "allow" or "deny"'
    return b


class PolicyBundleSource:
    def __init__(self, client: Any, url: str, evaluator: CedarEvaluator, interval: float) -> None:
        self._client = client
        self.url = url
        self._evaluator = evaluator
        self._interval = interval
        self._log = client._logger
        self._etag: str | None = None
        self._warned: set[str] = set()
        self._state = "pending"
        self._version: str | None = None
        self._digest: str | None = None
        self._checked_at: float | None = None
        self._last_error: str | None = None
        self._stop = threading.Event()
        self._first = threading.Event()
        self._fetch_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> str:
        return self._state

    @property
    def status(self) -> BundleStatus:
        return BundleStatus(self._state, self._version, self._digest, self._checked_at, self._last_error)

    def start(self) -> None:
        """Fetches now (in the background), then every interval."""
        self._thread = threading.Thread(target=self._run, name="trusera-policy-bundle", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def wait_first(self, timeout: float | None) -> bool:
        return self._first.wait(timeout)

    def _run(self) -> None:
        try:
            self.refresh()
        finally:
            self._first.set()
        while not self._stop.wait(self._interval):
            if self._client.closed:
                return
            self.refresh()

    def refresh(self) -> None:
        """One conditional fetch (one at a time). Never raises."""
        with self._fetch_lock:
            try:
                self._fetch_once()
            except Exception as err:  # noqa: BLE001
                self._fail(f"policy bundle: {err}", "unexpected")

    def _fetch_once(self) -> None:
        if self._stop.is_set() or self._client.closed:
            return
        headers = {"accept": "application/json"}
        if self._etag:
            headers["if-none-match"] = self._etag
        try:
            res = self._client._get(self.url, headers)
        except Exception as err:  # noqa: BLE001
            return self._fail(f"cannot reach {self.url}: {err}", "network")
        if res.status == 304:
            self._checked_at = time.time()
            self._last_error = None
            return None
        if res.status != 200:
            return self._fail(f"{self.url} answered {res.status}", f"status-{res.status}")
        bundle = parse_bundle(res.body)
        if isinstance(bundle, str):
            return self._fail(f"invalid policy bundle: {bundle}", "invalid")
        etag = res.headers.get("etag")
        if bundle["version"] is None and bundle["policies"].strip() == "":
            self._evaluator.clear()
            self._accept(bundle, etag, "none")
            self._log.debug(f"policy bundle: no active policy ({bundle['digest']})")
            return None
        try:
            self._evaluator.load_policy(bundle["policies"], bundle["default_decision"])
        except PolicyLoadError as err:
            # Remember the ETag of the bad bundle, so the next poll is a cheap 304 until it changes.
            self._etag = etag
            return self._fail(
                f"policy bundle {bundle['version']} ({bundle['digest']}) did not load: {err}", bundle["digest"]
            )
        self._accept(bundle, etag, "active")
        self._log.debug(f"policy bundle {bundle['version']} loaded ({bundle['digest']})")
        return None

    def _accept(self, bundle: dict[str, Any], etag: str | None, state: str) -> None:
        self._etag = etag
        self._state = state
        self._version = bundle["version"]
        self._digest = bundle["digest"]
        self._checked_at = time.time()
        self._last_error = None
        self._warned.clear()

    def _fail(self, message: str, kind: str) -> None:
        self._last_error = message
        if self._state == "pending":
            self._state = "unavailable"
        keeping = f" (keeping the last good policy, {self._digest})" if self._state == "active" else ""
        if kind in self._warned:
            self._log.debug(f"{message}{keeping}")
        else:
            self._warned.add(kind)
            self._log.warn(f"{message}{keeping}")

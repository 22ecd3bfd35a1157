"""The one decision core every HTTP library's adapter calls: decide a call before it is sent (and
block it in block mode), then record one ``api_call`` event when it ends, plus a
``policy_violation`` whenever it was denied (docs/policy-model.md, "The event contract")."""

from __future__ import annotations

import contextvars
import operator
import re
import time

_perf = time.perf_counter
_wall = time.time
from typing import Any, Sequence

from .._url import InvalidURL, parse_url
from ..cedar.evaluator import CedarEvaluator
from ..cedar.requests import http_request
from ..errors import PolicyViolationError
from ..events.deferred import HeaderPairs
from ..events.event import Event
from ..events.lazy import LazyEvents, stamp
from ..events.limits import MAX_NAME_LENGTH
from ..policy.decide import ALLOW_UNASKED, Verdict, decide_request
from ..redact import redact_text, redact_url
from .cache import DecisionCache
from .wire import content_length, hot_wire, http_record

# Set while a library the interceptor hooks runs a call, so that a library underneath it (urllib3
# under requests) does not record the same call twice.
in_hooked_call: contextvars.ContextVar[str | None] = contextvars.ContextVar("trusera_in_hooked_call", default=None)

_first = operator.itemgetter(0)
_URL_CACHE_LIMIT = 256
_URL_MAX = 1024


class Call(LazyEvents):
    """One intercepted call: what ``begin`` decided, then what ``end`` saw. A call that ended in an
    error is handed to the client as it is (the client's thread builds its events, ``events()``);
    any other as a record of plain values (interceptor/wire.py)."""

    __slots__ = (
        "library", "method", "url", "headers", "verdict", "request_size",
        "enforcement", "status", "response_size", "error", "response_headers", "duration", "wall", "count",
    )

    def __init__(
        self, library: str, method: str, url: str, headers: Any, verdict: Verdict, size: int | None, enforcement: str
    ) -> None:
        self.library = library
        self.method = method
        self.url = url
        self.headers = headers
        self.verdict = verdict
        self.request_size = size
        self.enforcement = enforcement
        self.count = 2 if verdict.decision == "deny" else 1  # events it stands for

    def events(self) -> list[Event]:
        v = self.verdict
        size_in = self.response_size if self.response_size is not None else content_length(self.response_headers)
        size_out = self.request_size if self.request_size is not None else content_length(self.headers)
        payload: dict[str, Any] = {
            "url": self.url,
            "method": self.method,
            "status_code": self.status,
            "duration_ms": round(self.duration * 1000, 3),
            "request_size_bytes": size_out,
            "response_size_bytes": size_in,
            "request_headers": HeaderPairs(self.headers).resolve(),
        }
        if self.error is not None:
            payload["error"] = redact_text(f"{type(self.error).__name__}: {self.error}")
        metadata = {
            "decision": v.decision,
            "enforcement": self.enforcement,
            "policy_ids": list(v.policy_ids),
            "blocked": v.blocked,
            "library": self.library,
        }
        name = f"{self.method} {self.url}"[:MAX_NAME_LENGTH]
        out = [stamp(Event("api_call", name, payload, metadata), self.wall)]
        if v.decision == "deny":
            out.append(stamp(Event("policy_violation", name, {**payload, "reasons": list(v.reasons)}, dict(metadata)), self.wall))
        return out


# A call between begin() and end(): (library, method, redacted url, headers, verdict, request size,
# enforcement, perf_counter at begin).
InFlight = tuple


class DecisionCore:
    def __init__(
        self,
        client: Any,
        enforcement: str,
        evaluator: CedarEvaluator | None,
        exclude: re.Pattern[str] | None,
        fail_closed: bool,
        cache_size: int,
    ) -> None:
        self.client = client
        self.enforcement = enforcement
        self.evaluator = evaluator
        self.exclude = exclude
        self.fail_closed = fail_closed
        self.cache = DecisionCache(cache_size)
        self.bundle: Any = None  # the PolicyBundleSource, when the policy comes from the server
        # No evaluator and not fail_closed: every call is allowed without a question.
        self._never_asks = evaluator is None and not fail_closed
        self._urls: dict[str, tuple[str, Any]] = {}
        self._log = client._logger

    def _redacted(self, url: str) -> tuple[str, Any]:
        """The normalized, redacted URL and its parsed form (None when not a URL), remembered per URL."""
        hit = self._urls.get(url)
        if hit is not None:
            return hit
        try:
            normalized = parse_url(url).href
            redacted = redact_url(normalized)
            parsed: Any = parse_url(redacted) if redacted is not normalized else parse_url(normalized)
        except InvalidURL:
            redacted, parsed = redact_text(redact_url(url)), None
        out = (redacted, parsed)
        if len(url) <= _URL_MAX:
            if len(self._urls) >= _URL_CACHE_LIMIT:
                self._urls.clear()
            self._urls[url] = out
        return out

    def begin(
        self, library: str, method: str, url: str, headers: Sequence[tuple[Any, Any]], request_size: int | None = None
    ) -> InFlight | None:
        """Decides a call about to be sent; ``headers`` are (name, value) pairs, str or bytes, or a
        mapping the library does not change after the call, as the library holds them (copied, not
        parsed: names are lowered and values redacted on the client's thread). A tuple of pairs is
        best: the garbage collector stops following it at its first pass (it holds only strings), so
        a call waiting for the client's thread adds no work to the collector's later passes. Returns
        what ``end`` takes (a tuple: cheaper to make than an object), or None for an excluded URL.
        Records and raises ``PolicyViolationError`` when the call is denied in block mode; never
        raises otherwise."""
        if self.exclude is not None and self.exclude.search(url):
            return None
        try:
            method = (method or "GET").upper()
            hit = self._urls.get(url)
            redacted, parsed = hit if hit is not None else self._redacted(url)
            verdict = ALLOW_UNASKED if self._never_asks else self._decide(method, redacted, parsed, headers)
        except Exception as err:  # noqa: BLE001 - a failure here never stops the host's call
            self._log.debug(f"interceptor: {err}")
            return None
        call = (library, method, redacted, headers, verdict, request_size, self.enforcement, _perf())
        if verdict.decision == "deny":
            self._announce(method, redacted, verdict)
            if verdict.blocked:
                err = PolicyViolationError(
                    method=method, url=redacted, library=library, policy_ids=verdict.policy_ids, reasons=verdict.reasons
                )
                self.end(call, None, None, err)
                raise err
        return call

    def _decide(self, method: str, redacted: str, parsed: Any, headers: Any) -> Verdict:
        evaluator = self.evaluator
        # Attributes rather than properties on this path: it runs once per intercepted call.
        if evaluator is None or evaluator._set is None:
            # The server said there is no active policy: nothing to evaluate, whatever fail_closed says.
            if not self.fail_closed or (self.bundle is not None and self.bundle.state == "none"):
                return ALLOW_UNASKED
            return decide_request(None, lambda: {}, self.enforcement, True)
        client = self.client
        agent = client._agent_name or client._agent_id
        if parsed is None:
            return decide_request(evaluator, lambda: http_request(agent, redacted, method, headers), self.enforcement)
        # The names as the library holds them key the cache: as exact as the lower-cased sorted
        # set, and free to read. The Cedar request is only built on a miss.
        if headers.__class__ is tuple:  # the adapters' pairs: the names taken in C, no list made
            names: Any = tuple(map(_first, headers))
        else:
            store = getattr(headers, "_store", None)
            if isinstance(store, dict):  # requests' CaseInsensitiveDict: its lower-cased names, read in C
                names = tuple(store)
            else:
                names = tuple(headers.keys()) if hasattr(headers, "keys") else tuple(k for k, _ in headers)
        key = (agent, method, redacted, names)
        generation = evaluator._generation
        cache = self.cache
        if generation == cache._generation:
            hit = cache._items.get(key)
            if hit is not None:
                return hit
        verdict = decide_request(evaluator, lambda: http_request(agent, parsed, method, headers), self.enforcement)
        cache.put(generation, key, verdict)
        return verdict

    def _announce(self, method: str, url: str, v: Verdict) -> None:
        what = "blocked" if v.blocked else "allowed"
        if v.blocked or self.enforcement == "warn":
            self._log.warn(f"Policy violation ({what}): {method} {url} denied ({'; '.join(v.reasons)})")

    def end(
        self,
        call: InFlight,
        status: int | None,
        response_size: int | None,
        error: BaseException | None,
        response_headers: Any = None,
    ) -> None:
        """Hands the finished call to the client, which builds its event (and a
        ``policy_violation`` for a deny) on its own thread. ``response_headers``: pairs to read
        ``Content-Length`` from when ``response_size`` is not known. Never raises."""
        try:
            library, method, url, headers, verdict, size, enforcement, started = call
            duration = _perf() - started
            client = self.client
            if error is None:  # the common case (interceptor/wire.py)
                agent, wall = client._agent_id, _wall()
                try:  # its bytes, when every piece is remembered
                    wire = hot_wire(
                        library, method, url, headers, verdict.plain, size, enforcement, status, response_size,
                        response_headers, agent, duration, wall,
                    )
                except Exception:  # noqa: BLE001 - then the client's thread says what is wrong
                    wire = None
                if wire.__class__ is bytes:
                    client._push(wire)
                    return
                if wire is not None:  # a deny: its api_call and its policy_violation
                    client._push(wire[0])
                    client._push(wire[1])
                    return
                # Else a record of plain values: the client's thread makes (and remembers) the pieces.
                client._track_lazy(
                    http_record(
                        library, method, url, headers, verdict, size, enforcement, status, response_size,
                        response_headers, agent, duration, wall,
                    )
                )
                return
            done = Call(library, method, url, headers, verdict, size, enforcement)
            done.duration = duration
            done.wall = _wall()
            done.status = status
            done.response_size = response_size
            done.error = error
            done.response_headers = response_headers
            client._track_lazy(done)
        except Exception as err:  # noqa: BLE001
            self._log.debug(f"interceptor: could not record a call: {err}")

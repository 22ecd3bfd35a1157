"""The authenticated connection to a Trusera server: buffers events and sends them in batches from
one background thread (packages/sdk/src/client/client.ts, the guarantees ported).

- ``track()`` never blocks and never raises: it appends to a bounded buffer under a lock.
- The buffer is bounded by count (at once) and bytes (once serialized); the oldest are dropped,
  counted in ``stats.dropped`` and reported to the server with the next batch.
- One worker thread serializes (redacting secrets) and sends, so at most one flush is in flight.
- A batch is retried on network errors, 5xx, 408 and 429 with exponential backoff, full jitter and
  Retry-After, under one ``Idempotency-Key``.
- ``close()`` delivers within ``close_timeout`` and never hangs; clients still open at interpreter
  exit are closed then (atexit).
- After ``os.fork()`` the child's client starts empty, with its own lock, queue and thread.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import threading
import time
import uuid
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any, Mapping

from .._log import SafeLogger
from ..events.event import Event
from ..events.lazy import RECORD_KINDS, LazyEvents
from ..events.ids import iso_timestamp, uuid7
from ..events.limits import MAX_AGENT_ID_LENGTH, MAX_DROPPED_PER_BATCH
from .options import resolve_options
from .queue import EventQueue
from .retry import backoff_delay, is_retryable_status, parse_retry_after
from .serialize import InvalidEvent, serialize_event
from .transport import PrivateTransport, Response

USER_AGENT = "trusera-sdk-python/0.1.0"
_REGISTER_RETRIES = 2
# While events keep coming, the client's thread rests this long between passes, so that one pass
# (one wake-up, one hand-over of the GIL) takes many events.
_PASS_GAP = 0.05
_INF = float("inf")

_live: "weakref.WeakSet[TruseraClient]" = weakref.WeakSet()


@dataclass(frozen=True)
class ClientStats:
    """What happened to tracked events since the client was made."""

    tracked: int  # accepted into the buffer
    queued: int  # waiting now (serialized or not)
    queued_bytes: int  # bytes of the serialized ones waiting now
    sent: int  # acknowledged by the server
    dropped: int  # buffer full, or close() ran out of time; reported to the server
    invalid: int  # not valid events, too large, or not serializable
    after_close: int  # tracked after close(), dropped
    rejected: int  # refused by the server with a 4xx other than 408 and 429
    retries: int  # requests repeated after a network error, 5xx, 408 or 429


class TruseraClient:
    """Reports an agent's events to a Trusera server.

    Example::

        client = TruseraClient(api_key="tsk_...")          # or TRUSERA_API_KEY
        client.register_agent("my-agent", "custom")
        client.track(Event(EventType.TOOL_CALL, "web_search", {"query": "cats"}))
        client.close()

    Also a context manager (``with TruseraClient(...) as client:``); ``aflush()`` and ``aclose()``
    do the same as ``flush()`` and ``close()`` without blocking an asyncio event loop.

    :raises ConfigurationError: when no API key is given (argument or ``TRUSERA_API_KEY``), or an
        option is out of range.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        agent_id: str | None = None,
        flush_interval: float = 5.0,
        batch_size: int = 100,
        timeout: float = 10.0,
        *,
        max_queue_size: int = 10_000,
        max_queue_bytes: int = 8 * 1024 * 1024,
        max_batch_bytes: int = 1024 * 1024,
        max_retries: int = 5,
        close_timeout: float = 10.0,
        retry_base_delay: float = 0.25,
        retry_max_delay: float = 30.0,
        debug: bool = False,
        logger: Any = None,
    ) -> None:
        self._o = resolve_options(
            api_key=api_key,
            base_url=base_url,
            agent_id=agent_id,
            flush_interval=flush_interval,
            batch_size=batch_size,
            timeout=timeout,
            max_queue_size=max_queue_size,
            max_queue_bytes=max_queue_bytes,
            max_batch_bytes=max_batch_bytes,
            max_retries=max_retries,
            close_timeout=close_timeout,
            retry_base_delay=retry_base_delay,
            retry_max_delay=retry_max_delay,
            debug=debug,
        )
        self._log = SafeLogger(logger, self._o.debug)
        self._events_url = self._o.base_url + "api/v1/events/batch"
        self._agent_id: str | None = self._o.agent_id
        self._agent_name: str | None = self._o.agent_id
        self._closed = False
        self._warned_auth = False
        self._init_state()
        _live.add(self)
        self._start_worker()

    def _init_state(self) -> None:
        """Everything a forked child must have of its own."""
        self._lock = threading.Lock()
        self._cv = threading.Condition(self._lock)
        self._pending: deque[Any] = deque()  # (event, agent) tuples and LazyEvents records
        self._queue = EventQueue(self._o.max_queue_size, self._o.max_queue_bytes)
        self._queued_items = self._queue._items  # its deque, for track()'s length check
        self._max_queue = self._o.max_queue_size
        self._armed = False  # the client's thread is awake or will come by: track() need not signal
        self._due = self._o.batch_size  # events waiting that make a pass due
        self._stop = False
        self._flush_req = 0
        self._flush_done = 0
        self._deadline = _INF
        self._sleeper = threading.Event()
        self._transport = PrivateTransport()
        self._worker: threading.Thread | None = None
        self._unreported_drops = 0
        self._tracked = self._sent = self._dropped = self._invalid = 0
        self._after_close = self._rejected = self._retries = 0

    # -- public API -------------------------------------------------------------------------

    @property
    def agent_id(self) -> str | None:
        """The agent id (or name) stamped on events that do not carry one."""
        return self._agent_id

    @property
    def agent_name(self) -> str | None:
        """The principal of this client's Cedar requests: the agent's name (from ``register_agent``
        or ``agent_id``), even once the server has registered it under an ``agt_...`` id."""
        return self._agent_name or self._agent_id

    @property
    def base_url(self) -> str:
        """The server this client reports to, ending in ``/``."""
        return self._o.base_url

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def stats(self) -> ClientStats:
        with self._lock:
            return ClientStats(
                tracked=self._tracked,
                queued=len(self._queue) + len(self._pending),
                queued_bytes=self._queue.bytes,
                sent=self._sent,
                dropped=self._dropped,
                invalid=self._invalid,
                after_close=self._after_close,
                rejected=self._rejected,
                retries=self._retries,
            )

    def track(self, event: Event | Mapping[str, Any]) -> None:
        """Queues one event. Never blocks, never raises: an invalid event, or one tracked after
        ``close()``, is dropped and counted (see ``stats``). Secrets in ``name``, ``payload`` and
        ``metadata`` are redacted when the client's thread serializes the event: once ``batch_size``
        events wait, at the next ``flush_interval`` tick, or on ``flush()`` / ``close()``, whichever
        comes first (do not change a payload after tracking it)."""
        try:
            if self._worker is None and not self._closed:
                self._start_worker()  # first use after a fork
            with self._lock:
                if self._closed:
                    self._after_close += 1
                    return
                self._tracked += 1
                pending = self._pending
                pending.append((event, self._agent_id))
                if len(pending) + len(self._queued_items) > self._max_queue:
                    if not self._queue.drop_oldest():
                        pending.popleft()
                    self._add_drops(1)
                if not self._armed and len(pending) >= self._due:
                    self._armed = True
                    self._cv.notify()
        except Exception:  # noqa: BLE001 - telemetry never throws into the host
            pass

    def _push(self, item: Any, n: int = 1) -> None:
        """Queues ``item``, standing for ``n`` events, for the client's thread: one event already
        serialized, redacted, valid and within the size limit (bytes: interceptor/wire.py's
        ``hot_wire``; the thread only queues it), or what ``_track_lazy`` hands over. Kept to the
        fewest operations (the lock taken without a with block): it runs once per intercepted
        call. Never raises."""
        try:
            if self._worker is None and not self._closed:
                self._start_worker()  # first use after a fork
            lock = self._lock
            lock.acquire()
            try:
                if self._closed:
                    self._after_close += n
                    return
                self._tracked += n
                pending = self._pending
                pending.append(item)
                while len(pending) + len(self._queued_items) > self._max_queue:
                    if not self._queue.drop_oldest():
                        pending.popleft()
                    self._add_drops(1)
                if not self._armed and len(pending) >= self._due:
                    self._armed = True
                    self._cv.notify()
            finally:
                lock.release()
        except Exception:  # noqa: BLE001 - telemetry never throws into the host
            pass

    def _track_lazy(self, record: LazyEvents | tuple[Any, ...]) -> None:
        """``track()`` for events the client's thread builds (see events/lazy.py): a ``LazyEvents``
        (its agent id is set on it here) or a record tuple (which carries it). Never raises."""
        try:
            if record.__class__ is tuple:
                n = record[1]
            else:
                record.agent = self._agent_id
                n = record.count
        except Exception:  # noqa: BLE001
            return
        self._push(record, n)

    def register_agent(self, name: str, framework: str = "custom") -> str:
        """Registers (or finds) the agent ``name`` in the key's project and stamps its id on later
        events. Never raises for a network or server failure: it then logs a warning and goes on
        with ``name`` as the agent id, which the server resolves to the same agent."""
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_AGENT_ID_LENGTH:
            self._log.warn(f"register_agent needs a name of 1 to {MAX_AGENT_ID_LENGTH} characters")
            return self._agent_id or ""
        if self._agent_id is None:
            self._agent_id = name
        self._agent_name = name
        body = json.dumps({"name": name, "framework": str(framework)}).encode()
        url = self._o.base_url + "api/v1/agents/register"
        for attempt in range(min(self._o.retry.max_retries, _REGISTER_RETRIES) + 1):
            wait = None
            try:
                res = self._post(url, body, None, _INF)
                if 200 <= res.status < 300:
                    agent = json.loads(res.body or b"{}").get("agent_id")
                    if isinstance(agent, str) and agent:
                        self._agent_id = agent
                        return agent
                    break
                if not is_retryable_status(res.status):
                    self._log.warn(f"register_agent: server answered {res.status}: {res.text()[:200]}")
                    break
                wait = parse_retry_after(res.headers.get("retry-after"))
            except Exception as err:  # noqa: BLE001
                self._log.debug(f"register_agent: {err}")
            if attempt < min(self._o.retry.max_retries, _REGISTER_RETRIES):
                with self._lock:
                    self._retries += 1
                time.sleep(min(wait if wait is not None else backoff_delay(self._o.retry, attempt), 5.0))
        self._log.warn(f'register_agent: could not register with {self._o.base_url}; events carry the name "{name}"')
        self._agent_id = name
        return name

    def flush(self, timeout: float | None = None) -> bool:
        """Sends everything queued. Returns True once the buffer is empty, False when the server
        could not be reached within the retry budget (events then stay queued) or ``timeout``
        seconds passed. Never raises."""
        try:
            if self._closed:
                return self._empty()
            if self._worker is None:
                self._start_worker()
            worker = self._worker
            if worker is threading.current_thread():
                return False
            end = _INF if timeout is None else time.monotonic() + timeout
            with self._cv:
                self._flush_req += 1
                req = self._flush_req
                self._cv.notify_all()
                while self._flush_done < req and worker is not None and worker.is_alive():
                    left = end - time.monotonic()
                    if left <= 0:
                        return False
                    self._cv.wait(min(left, 1.0))
            return self._empty()
        except Exception:  # noqa: BLE001
            return False

    def close(self, timeout: float | None = None) -> None:
        """Delivers everything queued within ``timeout`` (default: ``close_timeout``), then stops the
        thread and releases the connection. Events tracked afterwards are dropped (counted). Never
        hangs and never raises; safe to call more than once."""
        try:
            budget = self._o.close_timeout if timeout is None else max(0.0, float(timeout))
            with self._cv:
                already = self._closed
                self._closed = True
                if not already:
                    self._deadline = time.monotonic() + budget
                    self._stop = True
                    self._cv.notify_all()
                deadline = self._deadline
            self._sleeper.set()
            worker = self._worker
            if worker is not None and worker.is_alive() and worker is not threading.current_thread():
                # The worker bounds its own work by the deadline; the grace covers a request in flight.
                worker.join(max(0.0, deadline - time.monotonic()) + 1.0)
            elif not already and (worker is None or not worker.is_alive()):
                self._serialize_pending()
                self._drain()
            if already:
                return
            with self._lock:
                lost = self._queue.clear() + len(self._pending)
                self._pending.clear()
                self._dropped += lost
            if lost:
                self._log.warn(f"close(): {lost} events could not be delivered within {budget:g} s")
            self._transport.close()
            _live.discard(self)
        except Exception:  # noqa: BLE001
            pass

    async def aflush(self, timeout: float | None = None) -> bool:
        """``flush()`` for asyncio code: waits in an executor thread, not on the event loop."""
        return await asyncio.get_running_loop().run_in_executor(None, self.flush, timeout)

    async def aclose(self, timeout: float | None = None) -> None:
        """``close()`` for asyncio code: waits in an executor thread, not on the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.close, timeout)

    def __enter__(self) -> "TruseraClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> "TruseraClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- for the interceptor and the integrations (not public API) --------------------------

    def _get(self, url: str, headers: dict[str, str], timeout: float | None = None) -> Response:
        """A GET to the client's server over its private transport, with its API key."""
        h = {"authorization": f"Bearer {self._o.api_key}", "user-agent": USER_AGENT, **headers}
        t = self._o.timeout if timeout is None else min(timeout, self._o.timeout)
        return self._transport.send("GET", url, h, None, t)

    @property
    def _logger(self) -> SafeLogger:
        return self._log

    # -- the worker ---------------------------------------------------------------------------

    def _start_worker(self) -> None:
        with self._lock:
            if self._worker is not None:
                return
            t = threading.Thread(target=self._run, name="trusera-client", daemon=True)
            self._worker = t
        t.start()

    def _run(self) -> None:
        next_flush = time.monotonic() + self._o.flush_interval
        while True:
            with self._cv:
                # Asleep until a batch is due (track() signals once), flush(), close() or the
                # interval: no wake-up per event.
                self._armed = False
                while not (self._stop or self._flush_req > self._flush_done or len(self._pending) >= self._due):
                    left = next_flush - time.monotonic()
                    if left <= 0:
                        break
                    self._cv.wait(left)
                self._armed = True
                req, stop = self._flush_req, self._stop
            try:
                self._serialize_pending()
                now = time.monotonic()
                if stop or req > self._flush_done or now >= next_flush or len(self._queue) >= self._o.batch_size:
                    self._drain()
                    next_flush = time.monotonic() + self._o.flush_interval
            except Exception as err:  # noqa: BLE001
                self._log.debug(f"flush failed unexpectedly: {err}")
            with self._cv:
                self._flush_done = max(self._flush_done, req)
                self._cv.notify_all()
                if stop:
                    return
                # Rest before the next pass (track() does not signal meanwhile): while calls keep
                # coming, one pass takes many events. flush() and close() cut the rest short.
                end = time.monotonic() + _PASS_GAP
                while not (self._stop or self._flush_req > self._flush_done):
                    left = end - time.monotonic()
                    if left <= 0:
                        break
                    self._cv.wait(left)

    def _serialize_pending(self) -> None:
        """Redacts, serializes and queues the events tracked since the last pass."""
        while True:
            with self._lock:
                if not self._pending:
                    return
                # track() appends under this lock: the swap takes everything tracked so far.
                batch, self._pending = self._pending, deque()
            done: list[bytes] = []
            invalid = 0
            for item in batch:
                if item.__class__ is bytes:  # serialized on the calling thread (_push)
                    done.append(item)
                    continue
                if item.__class__ is tuple and len(item) == 2:  # (event, agent) from track()
                    event, agent = item
                    built: list[Any] = [event]
                else:
                    # A record tuple (kind, count, agent, ...) or a LazyEvents (events/lazy.py):
                    # its wire bytes when it makes them, else its events for the full path.
                    record = item.__class__ is tuple
                    if record:
                        wire_of, build_of = RECORD_KINDS[item[0]]
                        agent, count = item[2], item[1]
                    else:
                        agent, count = item.agent, item.count
                    try:
                        wire = wire_of(item) if record else item.wire(agent)
                    except Exception:  # noqa: BLE001 - then the full path says what is wrong
                        wire = None
                    if wire is not None:
                        done.extend(wire)
                        continue
                    try:
                        built = build_of(item) if record else item.events()
                    except Exception as err:  # noqa: BLE001
                        invalid += count
                        self._log.debug(f"could not build events: {err}")
                        continue
                    invalid += count - len(built)
                for one in built:
                    try:
                        done.append(self._serialize(one, agent))
                    except Exception as err:  # noqa: BLE001
                        invalid += 1
                        if self._o.debug:
                            self._log.debug(f"dropped an event: {err}")
            with self._lock:
                self._tracked -= invalid
                self._invalid += invalid
                self._add_drops(self._queue.push_many(done, len(self._pending)))

    @staticmethod
    def _serialize(event: Any, agent: str | None) -> bytes:
        if isinstance(event, Event):
            made_here = event._id is None and event._timestamp is None
            return serialize_event(
                event.id,
                event.type,
                event.name,
                event.payload,
                event.metadata,
                event.timestamp,
                event.agent_id if event.agent_id is not None else agent,
                made_here,
            )
        if isinstance(event, Mapping):
            ts = event.get("timestamp")
            return serialize_event(
                event.get("id") or uuid7(),
                event.get("type"),  # type: ignore[arg-type]
                event.get("name"),
                event.get("payload", {}),
                event.get("metadata", {}),
                ts if ts is not None else iso_timestamp(time.time()),
                event.get("agent_id") if event.get("agent_id") is not None else agent,
            )
        raise InvalidEvent(f"track() takes an Event or a dict, got {type(event).__name__}")

    def _drain(self) -> bool:
        """Sends batches until the buffer is empty (True) or a batch fails after its retries (False)."""
        while True:
            with self._lock:
                batch = self._queue.take(self._o.batch_size, self._o.max_batch_bytes)
                drops = min(self._unreported_drops, MAX_DROPPED_PER_BATCH)
            if not batch:
                return True
            outcome = self._send_batch(batch, drops)
            if outcome == "failed":
                with self._lock:
                    self._add_drops(self._queue.unshift(batch, len(self._pending)))
                return False

    def _send_batch(self, batch: list[bytes], drops: int) -> str:
        body = b'{"events":[' + b",".join(batch) + b"]" + (b',"dropped":%d' % drops if drops else b"") + b"}"
        key = str(uuid.uuid4())
        policy = self._o.retry
        attempt = 0
        while True:
            if time.monotonic() >= self._deadline:
                return "failed"
            wait = None
            try:
                res = self._post(self._events_url, body, key, self._deadline)
                if 200 <= res.status < 300:
                    with self._lock:
                        self._sent += len(batch)
                        self._unreported_drops -= drops
                    return "sent"
                if not is_retryable_status(res.status):
                    with self._lock:
                        self._rejected += len(batch)
                        self._unreported_drops -= drops
                    self._report_rejection(res, len(batch))
                    return "rejected"
                wait = parse_retry_after(res.headers.get("retry-after"))
                self._log.debug(f"batch of {len(batch)}: server answered {res.status}, will retry")
            except Exception as err:  # noqa: BLE001
                self._log.debug(f"batch of {len(batch)}: {err}, will retry")
            if attempt >= policy.max_retries:
                return "failed"
            delay = min(wait if wait is not None else backoff_delay(policy, attempt), policy.max_delay)
            if time.monotonic() + delay >= self._deadline:
                return "failed"
            with self._lock:
                self._retries += 1
            attempt += 1
            if not self._stop:
                self._sleeper.wait(delay)
            else:
                time.sleep(delay)  # closing: the deadline above already bounds this wait

    def _post(self, url: str, body: bytes, idempotency_key: str | None, deadline: float) -> Response:
        headers = {
            "authorization": f"Bearer {self._o.api_key}",
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        if idempotency_key:
            headers["idempotency-key"] = idempotency_key
        left = deadline - time.monotonic()
        return self._transport.send("POST", url, headers, body, max(0.001, min(self._o.timeout, left)))

    def _report_rejection(self, res: Response, count: int) -> None:
        if res.status in (401, 403):
            if self._warned_auth:
                return
            self._warned_auth = True
        self._log.warn(f"server refused a batch of {count} events ({res.status}): {res.text()[:300]}")

    def _add_drops(self, count: int) -> None:
        """Lock held."""
        if count:
            self._dropped += count
            self._unreported_drops += count
            if self._o.debug:
                self._log.debug(f"buffer full: dropped the {count} oldest events")

    def _empty(self) -> bool:
        with self._lock:
            return not self._pending and len(self._queue) == 0

    def _after_fork_in_child(self) -> None:
        self._init_state()
        if self._closed:
            return
        # The parent's buffer is the parent's to send; the child starts empty, on its own thread
        # (started by its first track()).


def _close_all_at_exit() -> None:
    for client in list(_live):
        if not client.closed:
            client.close()


def _after_fork() -> None:
    for client in list(_live):
        client._after_fork_in_child()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)

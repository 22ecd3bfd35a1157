"""An intercepted call's events straight to the bytes the wire carries.

The full path (``Call.events()`` then ``client/serialize.py``) builds an ``Event``, two dicts, redacts
every string of them and runs the JSON encoder: ~40 µs of the GIL per call on the shared development
machine, which the application's threads wait for. Here each piece of the event is the JSON the full
path writes for it, redacted by the same functions, and remembered per distinct value: URLs, header
sets and verdicts repeat from call to call, so a call costs an id, a timestamp, a few dict lookups
and one string format (2 to 5 µs there). A call whose pieces are all remembered is written by
``hot_wire`` on the calling thread, and only its bytes reach the client's thread; one with a new piece
reaches it as a record of plain values (``http_record``; events/lazy.py says why a tuple), and
``record_wire`` there makes and remembers the pieces.

Anything outside the common shape (an error, a long name, a status or size that is not a plain int,
an event over the size limit) answers None and takes the full path. tests/test_wire.py checks that
both paths write the same bytes for random calls, secrets included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..client.serialize import _dumps
from ..events.deferred import HeaderPairs
from ..events.ids import iso_timestamp, uuid7
from ..events.lazy import record_kind
from ..events.limits import MAX_AGENT_ID_LENGTH, MAX_EVENT_BYTES, MAX_NAME_LENGTH
from ..redact import redact_text, scrub_secrets

if TYPE_CHECKING:
    from .core import Call

# Each memo is bounded (cleared when full): its keys are input. Keys are the values as the library
# held them, in this process's memory only; only their redacted JSON is ever written.
_MEMO_LIMIT = 512
_KEY_MAX = 2048  # longer strings are redacted each time, not remembered

_heads: dict[tuple[str, str], tuple[str, str] | None] = {}  # (method, url) -> the events' heads; None: full path
_headers: dict[tuple[Any, ...], tuple[str, int | None]] = {}  # header pairs -> (JSON, Content-Length)
_verdicts: dict[tuple[Any, str, str], tuple[str, str]] = {}  # (verdict, enforcement, library) -> parts
_agents: dict[str, str] = {}  # agent id -> ',"agent_id":"..."'
# (method, url, header pairs, verdict, enforcement, library, agent) -> the pieces above joined as
# hot_wire writes them: one lookup per call on the calling thread instead of four.
_calls: dict[tuple[Any, ...], tuple[str, str, str, str, int | None, str]] = {}
_stamp: tuple[int, str] = (-1, "")  # the last millisecond written and its timestamp, as one value


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value


def _heads_of(method: str, url: str) -> tuple[str, str] | None:
    """What follows the id of each event, up to its status code: the type, the name and the payload's
    url and method, redacted as the full path redacts them."""
    key = (method, url)
    try:
        return _heads[key]
    except KeyError:
        pass
    name = redact_text(f"{method} {url}"[:MAX_NAME_LENGTH])
    heads = None
    # serialize.py's quick check holds below half the limit; a longer name is validated in full.
    if len(name) <= MAX_NAME_LENGTH // 2:
        rest = (
            f',"name":{_dumps(name)},"payload":{{"url":{_dumps(redact_text(url))},'
            f'"method":{_dumps(redact_text(method))},"status_code":'
        )
        heads = ('","type":"api_call"' + rest, '","type":"policy_violation"' + rest)
    if len(url) <= _KEY_MAX:
        _remember(_heads, key, heads)
    return heads


def content_length(pairs: Any) -> int | None:
    """The Content-Length that header pairs (or a mapping) state, when they state a number."""
    if hasattr(pairs, "items"):
        pairs = pairs.items()
    for k, v in pairs or ():
        if (k.lower() if isinstance(k, str) else k.lower().decode("latin-1")) == "content-length":
            text = v.decode("latin-1") if isinstance(v, bytes) else str(v)
            return int(text) if text.isdigit() else None
    return None


def _header_key(headers: Any) -> tuple[Any, ...]:
    """Header pairs as a tuple, the form the ``_headers`` memo is keyed by."""
    if headers.__class__ is tuple:  # the adapters' own form
        return headers
    store = getattr(headers, "_store", None)
    if isinstance(store, dict):  # requests' CaseInsensitiveDict: its items() are these values
        return tuple(store.values())
    if hasattr(headers, "items"):
        return tuple(headers.items())
    return tuple(headers)


def _headers_json(pairs: tuple[Any, ...]) -> tuple[str, int | None]:
    """The recorded ``request_headers`` JSON and the Content-Length that ``_header_key`` pairs state."""
    try:
        return _headers[pairs]
    except KeyError:
        pass
    except TypeError:  # a value that is a list: not a key, done each time
        return _dumps(scrub_secrets(HeaderPairs(pairs).resolve())), content_length(pairs)
    out = (_dumps(scrub_secrets(HeaderPairs(pairs).resolve())), content_length(pairs))
    _remember(_headers, pairs, out)
    return out


def _verdict_parts(verdict: tuple[Any, ...], enforcement: str, library: str) -> tuple[str, str]:
    """From the end of the payload to the timestamp's opening quote, for an ``api_call`` and for a
    ``policy_violation`` (its payload ends with the reasons). ``verdict``: ``Verdict.plain``."""
    key = (verdict, enforcement, library)
    hit = _verdicts.get(key)
    if hit is not None:
        return hit
    decision, policy_ids, reasons, blocked = verdict
    metadata = _dumps(
        scrub_secrets(
            {
                "decision": decision,
                "enforcement": enforcement,
                "policy_ids": list(policy_ids),
                "blocked": blocked,
                "library": library,
            }
        )
    )
    tail = f'}},"metadata":{metadata},"timestamp":"'
    out = (tail, f',"reasons":{_dumps(scrub_secrets(list(reasons)))}{tail}')
    _remember(_verdicts, key, out)
    return out


def _agent_json(agent: Any) -> str | None:
    if agent is None:
        return ""
    j = _agents.get(agent) if agent.__class__ is str else None
    if j is None:
        if not isinstance(agent, str) or not 0 < len(agent) <= MAX_AGENT_ID_LENGTH // 2:
            return None  # the full path validates it
        j = ',"agent_id":' + _dumps(agent)
        _remember(_agents, agent, j)
    return j


# A finished call without an error, as the client queues it (events/lazy.py, records):
# (HTTP, count, agent, library, method, url, headers, verdict (Verdict.plain), request_size,
#  enforcement, status, response_size, response_headers, duration (s), wall (time.time()))
HTTP = "http"


def http_record(
    library: str, method: str, url: str, headers: Any, verdict: Any, request_size: Any, enforcement: str,
    status: Any, response_size: Any, response_headers: Any, agent: Any, duration: float, wall: float,
) -> tuple[Any, ...]:
    return (
        HTTP, 2 if verdict.decision == "deny" else 1, agent, library, method, url, headers, verdict.plain,
        request_size, enforcement, status, response_size, response_headers, duration, wall,
    )


def record_events(rec: tuple[Any, ...]) -> list[Any]:
    """The record's events, built as the full path builds them."""
    from ..policy.decide import Verdict
    from .core import Call

    decision, policy_ids, reasons, blocked = rec[7]
    call = Call(rec[3], rec[4], rec[5], rec[6], Verdict(decision, policy_ids, reasons, blocked), rec[8], rec[9])
    call.status, call.response_size, call.response_headers, call.duration, call.wall = rec[10:15]
    call.error = None
    return call.events()


def call_wire(call: Call, agent: Any) -> tuple[bytes, ...] | None:
    """``record_wire`` of a call (None for a call that ended in an error: the full path records it)."""
    if call.error is not None:
        return None
    return record_wire(
        http_record(
            call.library, call.method, call.url, call.headers, call.verdict, call.request_size, call.enforcement,
            call.status, call.response_size, call.response_headers, agent, call.duration, call.wall,
        )
    )


def record_wire(rec: tuple[Any, ...]) -> tuple[bytes, ...] | None:
    """The wire bytes of the call's events (``api_call``, then ``policy_violation`` for a deny),
    exactly as the full path writes them; None when the call needs the full path. Makes and
    remembers each piece, so that later calls with the same pieces are made by ``hot_wire`` on
    the calling thread."""
    (_, _, agent, library, method, url, headers, verdict, size_out, enforcement, status, size_in, response_headers,
     duration, wall) = rec
    agent_json = _agent_json(agent)
    heads = _heads_of(method, url)
    if agent_json is None or heads is None:
        return None
    pairs = _header_key(headers)
    headers_json, stated = _headers_json(pairs)
    after, after_reasons = _verdict_parts(verdict, enforcement, library)
    try:
        _remember(
            _calls,
            (method, url, pairs, verdict, enforcement, library, agent),
            (heads[0], f',"request_headers":{headers_json}{after}', heads[1],
             f',"request_headers":{headers_json}{after_reasons}', stated, agent_json),
        )
    except TypeError:  # header values that are lists: not a key; the full path writes the call
        return None
    # None here when the pieces were forgotten meanwhile (the memo cleared by another thread): then
    # the full path writes the call.
    wire = hot_wire(
        library, method, url, pairs, verdict, size_out, enforcement, status, size_in, response_headers, agent,
        duration, wall,
    )
    return (wire,) if wire.__class__ is bytes else wire


def hot_wire(
    library: str, method: str, url: str, headers: Any, verdict: tuple[Any, ...], size_out: Any, enforcement: str,
    status: Any, size_in: Any, response_headers: Any, agent: Any, duration: float, wall: float,
) -> bytes | tuple[bytes, bytes] | None:
    """The call's wire bytes from remembered pieces only, so that it never redacts: the
    ``api_call`` event's bytes, or a tuple of them and the ``policy_violation``'s for a deny; None
    when a piece is not remembered yet (then ``record_wire`` on the client's thread makes and
    remembers it) or the call needs the full path. ``headers``: a tuple of pairs (other forms
    take the client's thread). ``verdict``: ``Verdict.plain``.

    Run on the calling thread by the interceptor: nothing of the call outlives it but one bytes
    object per event, which the garbage collector never follows, and the client's thread only
    queues it. (Made on the client's thread from a record instead, the same bytes cost about the
    same wall clock: docs/python.md, "Performance".) Every step here is counted: it runs once per
    intercepted call."""
    global _stamp
    try:
        head, tail, head_deny, tail_deny, stated, agent_json = _calls[
            (method, url, headers, verdict, enforcement, library, agent)
        ]
    except (KeyError, TypeError):
        return None
    if size_out is None:
        size_out = stated
    if size_in is None and response_headers is not None:
        size_in = content_length(response_headers)
    # Plain ints (or None, as null) are written here; anything else (a bool, a float) the full path writes.
    if not (
        (status is None or status.__class__ is int)
        and (size_out is None or size_out.__class__ is int)
        and (size_in is None or size_in.__class__ is int)
        and duration.__class__ is float
    ):
        return None
    # duration_ms: the full path writes round(duration * 1000, 3) with float's repr. Below 1e9 ms
    # that is the correctly rounded 3-decimal text without its trailing zeros, which one "%.3f"
    # (the same correctly rounded conversion round() makes) gives for half the cost of round()
    # and repr(); tests/test_wire.py checks the two agree. inf and NaN take the full path (null).
    ms_taken = duration * 1000
    if not -1e9 < ms_taken < 1e9:
        return None
    taken = ("%.3f" % ms_taken).rstrip("0")
    if taken[-1] == ".":
        taken += "0"
    ms = int(wall * 1000)
    stamp = _stamp  # read once: another thread may replace it meanwhile
    if stamp[0] != ms:  # calls come many to a millisecond
        stamp = _stamp = (ms, iso_timestamp(wall))
    body = (
        f'{"null" if status is None else status},"duration_ms":{taken},'
        f'"request_size_bytes":{"null" if size_out is None else size_out},'
        f'"response_size_bytes":{"null" if size_in is None else size_in}'
    )
    first = f'{{"id":"{uuid7(ms)}{head}{body}{tail}{stamp[1]}"{agent_json}}}'.encode()
    if len(first) > MAX_EVENT_BYTES:
        return None  # the full path counts it invalid, with its reason
    if verdict[0] != "deny":
        return first
    second = f'{{"id":"{uuid7(ms)}{head_deny}{body}{tail_deny}{stamp[1]}"{agent_json}}}'.encode()
    return None if len(second) > MAX_EVENT_BYTES else (first, second)


record_kind(HTTP, record_wire, record_events)

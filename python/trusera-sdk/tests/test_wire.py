"""An intercepted call's events written straight to wire bytes (interceptor/wire.py) are the same
bytes the full path writes (Call.events() then the client's serializer), secrets redacted alike, on
random calls; the client's bounds hold for intercepted calls, against a real server."""

from __future__ import annotations

import math
import os
import random
import re
import string
import uuid

import httpx
import pytest
import requests
from requests.structures import CaseInsensitiveDict
from support import Origin

from trusera_sdk import TruseraClient, intercept
from trusera_sdk.client.serialize import InvalidEvent
from trusera_sdk.interceptor.core import Call
from trusera_sdk.interceptor.wire import call_wire, http_record, record_events, record_wire
from trusera_sdk.policy.decide import ALLOW_UNASKED, Verdict

_ID = re.compile(rb'^\{"id":"[0-9a-f-]{36}"')

SECRETS = [
    "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0",
    "tsk_" + "Z" * 20,
    "AKIA" + "ABCDEFGHIJKLMNOP",
    "ghp_" + "x" * 36,
    "Bearer abc.def.ghijklmnop",
    "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJlMTIz",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
]
WORDS = ["v1", "models", "chat", "users", "a b", "q", "é", "\U0001f4a5", '"quoted"', "back\\slash", "//x", "%2F"]


def _word(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.15:
        return rng.choice(SECRETS)
    if r < 0.5:
        return rng.choice(WORDS)
    return "".join(rng.choice(string.ascii_letters + string.digits + "-_.~") for _ in range(rng.randint(1, 12)))


def _url(rng: random.Random) -> str:
    host = rng.choice(["127.0.0.1:8080", "api.example.com", "user:hunter2pass@host.example", "[::1]:9"])
    path = "/".join(_word(rng) for _ in range(rng.randint(0, 4)))
    query = ""
    if rng.random() < 0.5:
        names = ["api_key", "token", "q", "password", "page", "session_id", "max_tokens", "x"]
        query = "?" + "&".join(f"{rng.choice(names)}={_word(rng)}" for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.05:
        path += "/" + "long" * rng.randint(60, 140)  # past the name's quick-check length
    return f"{rng.choice(['http', 'https'])}://{host}/{path}{query}"


def _headers(rng: random.Random):
    names = ["Accept", "User-Agent", "Authorization", "Cookie", "X-Api-Key", "X-Custom", "Content-Length", "Host"]
    pairs = []
    for _ in range(rng.randint(0, 6)):
        name = rng.choice(names)
        value = str(rng.randint(0, 5000)) if name == "Content-Length" and rng.random() < 0.8 else _word(rng)
        pairs.append((name, value))
    form = rng.randrange(5)
    if form == 0:
        return [(k.lower().encode(), v.encode("utf-8")) for k, v in pairs]  # httpx's raw pairs
    if form == 1:
        return CaseInsensitiveDict(pairs)  # requests' prepared headers
    if form == 2:
        return dict(pairs)
    if form == 3 and pairs:
        return [(pairs[0][0], [pairs[0][1], "second"])] + pairs[1:]  # a list value: not a memo key
    return pairs


def _verdict(rng: random.Random) -> Verdict:
    r = rng.random()
    if r < 0.5:
        return ALLOW_UNASKED
    ids = tuple(rng.choice(["p1", "no-secret-path", "p-" + rng.choice(SECRETS)]) for _ in range(rng.randint(0, 2)))
    reasons = tuple(f"forbidden by policy {p}" for p in ids) or ("no policy permits it (default deny)",)
    return Verdict("deny" if r < 0.9 else "allow", ids, reasons, rng.random() < 0.3)


def _pick(rng: random.Random, common: list, odd: list):
    """Mostly a common value; now and then one only the full path writes (or refuses)."""
    return rng.choice(odd) if rng.random() < 0.05 else rng.choice(common)


def _call(rng: random.Random, verdicts: list[Verdict]) -> Call:
    verdict = rng.choice(verdicts) if verdicts and rng.random() < 0.7 else _verdict(rng)
    verdicts.append(verdict)
    size = _pick(rng, [None, 0, 17, 4096], [True, 2.5])
    call = Call(
        rng.choice(["requests", "httpx", "urllib3", "aiohttp", "urllib"]),
        rng.choice(["GET", "POST", "DELETE", "PATCH"]),
        _url(rng),
        _headers(rng),
        verdict,
        size,
        rng.choice(["log", "warn", "block"]),
    )
    call.duration = _pick(rng, [0.0, 1e-9, rng.random(), rng.random() * 100, 12345.678901], [float("inf"), float("nan")])
    call.wall = 1_765_000_000 + rng.random() * 1e8
    call.status = _pick(rng, [None, 200, 404, 503], [True, 200.0])
    call.response_size = _pick(rng, [None, None, 0, 11], [False])
    call.response_headers = rng.choice([None, [(b"content-length", b"11")], [("Content-Length", "x")], {"a": "b"}])
    call.error = ValueError(f"failed with {rng.choice(SECRETS)}") if rng.random() < 0.05 else None
    return call


def _full_path(call: Call, agent) -> list[bytes] | None:
    return _full_path_of(call.events(), agent)


def _full_path_of(events, agent) -> list[bytes] | None:
    try:
        return [TruseraClient._serialize(e, agent) for e in events]
    except InvalidEvent:
        return None


def _without_ids(events: list[bytes]) -> list[bytes]:
    return [_ID.sub(b'{"id":""', e) for e in events]


def test_wire_bytes_are_the_full_paths_bytes_on_random_calls():
    rng = random.Random(15)
    verdicts: list[Verdict] = []
    fast = 0
    for _ in range(3000):
        call = _call(rng, verdicts)
        agent = _pick(rng, [None, "agent-1", "agt_0123456789abcdef"], ["", "x" * 200, 5])
        wire = call_wire(call, agent)
        again = call_wire(call, agent)  # the remembered pieces give the same bytes
        full = _full_path(call, agent)
        if wire is None:
            assert again is None
            if call.error is None:  # the client's thread builds the record's events for the full path
                rec = http_record(
                    call.library, call.method, call.url, call.headers, call.verdict, call.request_size, call.enforcement,
                    call.status, call.response_size, call.response_headers, agent, call.duration, call.wall,
                )
                rebuilt = _full_path_of(record_events(rec), agent)
                assert (rebuilt and _without_ids(rebuilt)) == (full and _without_ids(full))
            continue
        fast += 1
        assert full is not None, (call.url, agent)
        assert _without_ids(wire) == _without_ids(full), (call.url, call.headers)
        assert _without_ids(again) == _without_ids(wire)
        for data in wire:
            assert all(s.encode() not in data for s in SECRETS[:4])
    # Most calls take the quick path; the rest (errors, non-int sizes, ...) the full one.
    assert fast > 1000


def test_wire_ids_are_distinct_uuid7s_in_order():
    call = Call("httpx", "GET", "http://127.0.0.1/x", [], Verdict("deny", ("p",), ("forbidden by policy p",)), 0, "log")
    call.duration, call.wall, call.status, call.response_size, call.response_headers, call.error = 0.1, 1.7e9, 200, 2, None, None
    # 1,200 ids in one millisecond: past a pool of random parts (512), and a counter that goes on.
    ids = [re.match(rb'\{"id":"([0-9a-f-]{36})"', e).group(1) for _ in range(600) for e in call_wire(call, None)]
    assert len(set(ids)) == 1200 and ids == sorted(ids)
    for i in ids:
        u = uuid.UUID(i.decode())
        assert u.version == 7 and u.variant == uuid.RFC_4122 and str(u).encode() == i
        # The call's millisecond, or a later one when ids were already made for later times (the
        # earlier tests' walls): ids never go back.
        assert int(i[:8] + i[9:13], 16) >= 1_700_000_000_000
    assert len({i[20:] for i in ids}) == 1200  # random bits differ from id to id


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_makes_ids_while_a_parent_thread_held_the_id_lock():
    # Ids are made on the application's threads: one may hold the lock when another forks.
    from trusera_sdk.events import ids

    before = ids.uuid7()
    ids._lock.acquire()
    try:
        pid = os.fork()
        if pid == 0:  # the child: a fresh lock and fresh random parts
            os._exit(0 if ids.uuid7() > before else 1)
    finally:
        ids._lock.release()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_duration_text_is_round_and_repr_for_random_and_halfway_durations():
    # hot_wire writes duration_ms with one "%.3f"; the full path writes round(ms, 3) with float's
    # repr. Random magnitudes, values right at and beside the halfway points of the third decimal.
    rng = random.Random(3)
    durations = [rng.random() * 10 ** rng.uniform(-10, 5.9) for _ in range(6000)]
    for k in rng.sample(range(2_000_000), 2000):
        half = k / 2_000_000 + 1 / 4_000_000
        durations += [half, math.nextafter(half, 0), math.nextafter(half, 1)]
    durations += [0.0, 1e-9, 5e-7, 999_999.999_999, 1_000_000.0, 1e7, float("inf"), float("nan")]
    pairs = (("accept", "*/*"),)
    seen = 0
    for d in durations:
        rec = http_record("httpx", "GET", "http://127.0.0.1/d", pairs, ALLOW_UNASKED, 0, "log", 200, 2, None, None, d, 1.7e9)
        wire = record_wire(rec)
        full = _full_path_of(record_events(rec), None)
        if wire is None:  # 1e9 ms and more, inf, NaN: the full path's (null for inf and NaN)
            assert not (d * 1000 < 1e9)
            continue
        seen += 1
        text = re.search(rb'"duration_ms":([^,]+),', wire[0]).group(1).decode()
        assert text == float.__repr__(round(d * 1000, 3)), d
        assert _without_ids(list(wire)) == _without_ids(full)
    assert seen == len(durations) - 4  # 1e6 s, 1e7 s, inf, NaN


def test_a_repeated_call_reaches_the_client_as_its_bytes(client, origin):
    # The first call of a URL goes to the client's thread as a record, which makes and remembers
    # its pieces; the same call again is made into bytes on the calling thread (hot_wire).
    with intercept(client):
        with httpx.Client() as h:
            assert h.get(f"{origin.url}/again?token=s3cr3t-value-123").status_code == 200
            client._serialize_pending()
            assert h.get(f"{origin.url}/again?token=s3cr3t-value-123").status_code == 200
            with client._lock:
                pending = list(client._pending)
    assert len(pending) == 1 and pending[0].__class__ is bytes
    assert b"s3cr3t-value-123" not in pending[0] and b'"url":"' + origin.url.encode() + b'/again?token=[REDACTED]"' in pending[0]
    assert client.flush(10)


@pytest.fixture
def origin():
    o = Origin()
    yield o
    o.close()


def test_intercepted_calls_keep_the_byte_bound_and_count_drops(trusera_server, agent, origin):
    # batch_size above the calls made: the client's thread stays asleep until flush(), so the pass
    # it would make is made here, and the buffer looked at in between.
    c = TruseraClient(
        api_key=trusera_server.api_key,
        base_url=trusera_server.url,
        agent_id=agent,
        flush_interval=3600,
        batch_size=1000,
        max_queue_bytes=3000,
    )
    try:
        with intercept(c):
            with requests.Session() as s:
                for i in range(12):
                    assert s.get(f"{origin.url}/bound/{i}?token={'t' * 300}").status_code == 200
            assert c.stats.queued == 12 and c.stats.queued_bytes == 0  # not serialized yet
            c._serialize_pending()
            st = c.stats
            assert 0 < st.queued_bytes <= 3000
            assert st.dropped > 0 and st.dropped == 12 - st.queued
        assert c.flush(10)
        events = trusera_server.events(agent=agent, wait_for=12 - st.dropped)
        paths = sorted(int(e["payload"]["url"].split("/bound/")[1].split("?")[0]) for e in events)
        assert paths == list(range(st.dropped, 12))  # the newest survive
        assert all("t" * 300 not in e["payload"]["url"] for e in events)
        status, body = trusera_server.api("GET", f"/api/v1/agents/{agent}")
        assert status == 200 and body["dropped_events"] == st.dropped
    finally:
        c.close(5)

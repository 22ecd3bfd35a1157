"""TruseraClient's guarantees under failure and concurrency, against a real trusera-server (behind a
loopback front that can fail, delay or hang on demand)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from support import Front, silent_listener

from trusera_sdk import Event, EventType, TruseraClient, intercept


def _client(url: str, key: str, agent: str, **kw):
    return TruseraClient(api_key=key, base_url=url, agent_id=agent, **kw)


def test_retries_keep_one_idempotency_key_per_batch_and_honour_retry_after(trusera_server, agent):
    def plan(n, seen):
        if n == 0:
            return (503, {"retry-after": "1"})
        if n == 1:
            return (429, {})
        return None

    front = Front(trusera_server.url, plan)
    c = _client(front.url, trusera_server.api_key, agent, flush_interval=3600, retry_base_delay=0.01)
    try:
        c.track(Event(EventType.TOOL_CALL, "r1"))
        assert c.flush(20)
        c.track(Event(EventType.TOOL_CALL, "r2"))
        assert c.flush(20)
        keys = [s.headers["idempotency-key"] for s in front.seen]
        assert len(keys) == 4 and keys[0] == keys[1] == keys[2] and keys[3] != keys[0]
        assert front.seen[1].at - front.seen[0].at >= 0.95  # Retry-After: 1
        assert c.stats.retries == 2 and c.stats.sent == 2
        assert sorted(e["name"] for e in trusera_server.events(agent=agent, wait_for=2)) == ["r1", "r2"]
    finally:
        c.close(5)
        front.close()


def test_a_batch_resent_after_a_lost_answer_is_stored_once(trusera_server, agent):
    # The first attempt reaches the server, but its answer is lost (the front answers 502 after
    # forwarding); the retry carries the same Idempotency-Key and the server stores the batch once.
    def plan(n, seen):
        if n == 0:
            front._forward(seen)
            return (502, {})
        return None

    front = Front(trusera_server.url, plan)
    c = _client(front.url, trusera_server.api_key, agent, flush_interval=3600, retry_base_delay=0.01)
    try:
        c.track(Event(EventType.TOOL_CALL, "once"))
        assert c.flush(20)
        time.sleep(0.2)
        assert len(trusera_server.events(agent=agent)) == 1
    finally:
        c.close(5)
        front.close()


def test_at_most_one_flush_in_flight(trusera_server, agent):
    front = Front(trusera_server.url, lambda n, seen: ("delay", 0.05))
    c = _client(front.url, trusera_server.api_key, agent, flush_interval=0.01, batch_size=5)

    def work(t: int) -> None:
        for i in range(25):
            c.track(Event(EventType.TOOL_CALL, f"t{t}-{i}"))
            if i % 10 == 0:
                c.flush(20)

    try:
        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert c.flush(30)
        assert len(front.batches()) >= 20
        assert front.max_in_flight == 1
        assert len(trusera_server.events(agent=agent, wait_for=100)) == 100
    finally:
        c.close(5)
        front.close()


def test_close_returns_within_its_deadline_when_the_server_hangs(agent):
    sock, url = silent_listener()
    c = _client(url, "tsk_hang", agent, timeout=30)
    try:
        for i in range(3):
            c.track(Event(EventType.TOOL_CALL, f"h{i}"))
        started = time.monotonic()
        c.close(1.0)
        took = time.monotonic() - started
        assert took < 2.5
        assert c.stats.dropped == 3 and c.closed
    finally:
        sock.close()


def test_flush_gives_up_when_the_server_is_down_and_keeps_the_events(trusera_server, agent):
    c = _client("http://127.0.0.1:9", trusera_server.api_key, agent, flush_interval=3600, max_retries=1, retry_base_delay=0.01)
    try:
        c.track(Event(EventType.TOOL_CALL, "kept"))
        assert c.flush(10) is False
        assert c.stats.queued == 1 and c.stats.dropped == 0
    finally:
        c.close(0.2)


def test_events_tracked_without_close_are_delivered_at_interpreter_exit(trusera_server, agent):
    script = textwrap.dedent(
        f"""
        from trusera_sdk import TruseraClient, Event, EventType
        c = TruseraClient(api_key={trusera_server.api_key!r}, base_url={trusera_server.url!r},
                          agent_id={agent!r}, flush_interval=3600)
        for i in range(5):
            c.track(Event(EventType.TOOL_CALL, f"exit{{i}}"))
        print("done")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stdout.strip() == "done", out.stderr
    assert sorted(e["name"] for e in trusera_server.events(agent=agent, wait_for=5)) == [f"exit{i}" for i in range(5)]


def test_many_threads_track_at_once_and_every_event_arrives_once(trusera_server, client, agent):
    def work(t: int) -> None:
        for i in range(250):
            client.track(Event(EventType.TOOL_CALL, f"th{t}-{i}"))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert client.flush(30)
    # Stored once each: the server counts a repeated event id as a duplicate, not a new event.
    assert trusera_server.count(agent=agent, wait_for=2000) == 2000
    s = client.stats
    assert (s.tracked, s.sent, s.dropped) == (2000, 2000, 0)


def test_asyncio_tasks_track_and_aflush_does_not_block_the_loop(trusera_server, agent):
    front = Front(trusera_server.url, lambda n, seen: ("delay", 0.3))
    c = _client(front.url, trusera_server.api_key, agent, flush_interval=3600)

    async def main() -> int:
        async def producer(k: int) -> None:
            for i in range(50):
                c.track(Event(EventType.LLM_INVOKE, f"a{k}-{i}"))
                await asyncio.sleep(0)

        await asyncio.gather(*(producer(k) for k in range(10)))
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        t = asyncio.create_task(ticker())
        assert await c.aflush(10)
        t.cancel()
        await c.aclose(5)
        return ticks

    try:
        ticks = asyncio.run(asyncio.wait_for(main(), 30))
        assert ticks >= 10  # the loop kept running while the flush waited on the slow server
        assert len(trusera_server.events(agent=agent, wait_for=500)) == 500
    finally:
        front.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_queue_and_thread(trusera_server, client, agent):
    client.track(Event(EventType.TOOL_CALL, "parent-before-fork"))
    parent_worker = client._worker
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(r)
            empty = client.stats.queued == 0
            client.track(Event(EventType.TOOL_CALL, "child"))
            own_thread = client._worker is not None and client._worker is not parent_worker
            delivered = client.flush(10)
            os.write(w, f"{empty} {own_thread} {delivered}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    report = os.read(r, 100).decode()
    os.close(r)
    assert status == 0 and report == "True True True"
    client.track(Event(EventType.TOOL_CALL, "parent-after-fork"))
    assert client.flush(10)
    names = sorted(e["name"] for e in trusera_server.events(agent=agent, wait_for=3))
    assert names == ["child", "parent-after-fork", "parent-before-fork"]  # each exactly once


def test_the_clients_own_traffic_is_never_intercepted(trusera_server, client, agent):
    interceptor = intercept(client)
    try:
        client.track(Event(EventType.TOOL_CALL, "own"))
        assert client.flush(10)
        client.register_agent(agent)
    finally:
        interceptor.uninstall()
    assert client.flush(10)
    events = trusera_server.events(agent=agent, wait_for=1)
    assert [e["name"] for e in events] == ["own"]
    assert client.stats.tracked == 1


def test_transport_keeps_no_connection_of_a_thread_that_ended():
    """Sends from threads that come and go (flush() from a pool) during an outage leave no connection
    behind: each thread's connection goes with it."""
    import gc
    import socket

    from trusera_sdk.client.transport import PrivateTransport

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    transport = PrivateTransport()
    refused = []

    def send():
        try:
            transport.send("POST", f"http://127.0.0.1:{port}/v1/events", {}, b"{}", 1.0)
        except OSError as err:
            refused.append(type(err).__name__)  # not the error: its traceback holds the frame

    for _ in range(40):
        t = threading.Thread(target=send)
        t.start()
        t.join(5)
    gc.collect()
    assert len(refused) == 40
    assert len(transport._all) <= 1
    transport.close()

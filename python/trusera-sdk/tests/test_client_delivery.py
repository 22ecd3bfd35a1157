"""TruseraClient against a real trusera-server: delivery, wire format, redaction, bounds, drops."""

from __future__ import annotations

import re
import time

import pytest

from trusera_sdk import ConfigurationError, Event, EventType, TruseraClient


def test_events_arrive_with_the_wire_format_and_secrets_redacted(trusera_server, client, agent):
    client.track(
        Event(
            EventType.TOOL_CALL,
            "web_search",
            {"query": "cats", "api_key": "abc123", "note": "key sk-proj-abcdefghijklmnopqrstuv here"},
            {"duration_ms": 12.5},
        )
    )
    client.track({"type": "decision", "name": "approve", "payload": {"confidence": 0.9}})
    assert client.flush(10) is True
    events = trusera_server.events(agent=agent, wait_for=2)
    by_name = {e["name"]: e for e in events}
    tool = by_name["web_search"]
    assert tool["type"] == "tool_call"
    assert tool["payload"] == {"query": "cats", "api_key": "[REDACTED]", "note": "key [REDACTED] here"}
    assert tool["metadata"] == {"duration_ms": 12.5}
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", tool["id"])
    assert by_name["approve"]["payload"] == {"confidence": 0.9}
    s = client.stats
    assert (s.tracked, s.sent, s.queued, s.dropped, s.invalid) == (2, 2, 0, 0, 0)


def test_register_agent_stamps_the_servers_id_and_keeps_the_name_as_principal(trusera_server, agent):
    c = TruseraClient(api_key=trusera_server.api_key, base_url=trusera_server.url)
    try:
        agent_id = c.register_agent(agent, "custom")
        assert agent_id.startswith("agt_")
        assert c.agent_id == agent_id and c.agent_name == agent
        c.track(Event(EventType.DECISION, "step"))
        assert c.flush(10)
        assert trusera_server.events(agent=agent_id, wait_for=1)[0]["agent_id"] == agent_id
    finally:
        c.close(5)


def test_track_never_raises_and_counts_what_it_drops(trusera_server, client):
    class Odd:
        def __repr__(self) -> str:
            return "Odd(password=hunter2)"

    client.track(None)  # type: ignore[arg-type]
    client.track("not an event")  # type: ignore[arg-type]
    client.track({"type": "nope", "name": "x"})
    client.track({"type": "tool_call", "name": ""})
    client.track({"type": "tool_call", "name": "list-payload", "payload": [1, 2]})
    client.track(Event(EventType.TOOL_CALL, "too-big", {"blob": "x" * (300 * 1024)}))
    # Values json cannot write are written plainly, not dropped.
    client.track(Event(EventType.TOOL_CALL, "odd-values", {"when": time, "set": {1}, "nan": float("nan"), "o": Odd()}))
    assert client.flush(10)
    s = client.stats
    assert s.invalid == 6 and s.sent == 1 and s.tracked == 1
    client.close(5)
    client.track(Event(EventType.TOOL_CALL, "late"))
    assert client.stats.after_close == 1


def test_bad_options_are_clear_errors(monkeypatch):
    monkeypatch.delenv("TRUSERA_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="needs an API key"):
        TruseraClient()
    with pytest.raises(ConfigurationError, match="must start with tsk_"):
        TruseraClient(api_key="sk-123")
    with pytest.raises(ConfigurationError, match="batch_size"):
        TruseraClient(api_key="tsk_x", batch_size=0)
    with pytest.raises(ConfigurationError, match="base_url"):
        TruseraClient(api_key="tsk_x", base_url="ftp://x")
    with pytest.raises(ValueError, match="not one of"):
        Event("tool", "x")  # type: ignore[arg-type]


def test_environment_fallbacks_and_local_default(monkeypatch, trusera_server):
    monkeypatch.setenv("TRUSERA_API_KEY", trusera_server.api_key)
    monkeypatch.delenv("TRUSERA_API_URL", raising=False)
    c = TruseraClient()
    assert c.base_url == "http://127.0.0.1:7780/"  # the local server, never a third party's host
    c.close(0.1)
    monkeypatch.setenv("TRUSERA_API_URL", trusera_server.url)
    with TruseraClient(agent_id="env-agent") as c2:
        assert c2.base_url == trusera_server.url + "/"
        c2.track(Event(EventType.DECISION, "from-env"))
        assert c2.flush(10)


def test_count_bound_drops_the_oldest_and_reports_drops_to_the_server(trusera_server, agent):
    c = TruseraClient(
        api_key=trusera_server.api_key, base_url=trusera_server.url, agent_id=agent, flush_interval=3600, max_queue_size=5
    )
    try:
        for i in range(8):
            c.track(Event(EventType.TOOL_CALL, f"e{i}"))
        assert c.stats.dropped == 3
        assert c.flush(10)
        names = sorted(e["name"] for e in trusera_server.events(agent=agent, wait_for=5))
        assert names == ["e3", "e4", "e5", "e6", "e7"]
        status, body = trusera_server.api("GET", f"/api/v1/agents/{agent}")
        assert status == 200 and body["dropped_events"] == 3
    finally:
        c.close(5)


def test_byte_bound_drops_the_oldest_once_serialized(trusera_server, agent):
    c = TruseraClient(
        api_key=trusera_server.api_key,
        base_url=trusera_server.url,
        agent_id=agent,
        flush_interval=3600,
        max_queue_bytes=4000,
    )
    try:
        for i in range(10):
            c.track(Event(EventType.TOOL_CALL, f"b{i}", {"pad": "p" * 900}))
        assert c.flush(10)
        names = sorted(e["name"] for e in trusera_server.events(agent=agent, wait_for=1))
        s = c.stats
        assert s.dropped == 10 - len(names) and 1 <= len(names) <= 4
        assert names == [f"b{i}" for i in range(10 - len(names), 10)]  # the newest survive
    finally:
        c.close(5)


def test_a_full_batch_is_sent_without_waiting_for_the_interval(trusera_server, agent):
    c = TruseraClient(
        api_key=trusera_server.api_key, base_url=trusera_server.url, agent_id=agent, flush_interval=3600, batch_size=10
    )
    try:
        for i in range(10):
            c.track(Event(EventType.TOOL_CALL, f"n{i}"))
        assert len(trusera_server.events(agent=agent, wait_for=10, timeout=5)) == 10
    finally:
        c.close(5)

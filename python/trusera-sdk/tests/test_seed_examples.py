"""The seed's Python examples run as written (docs/python.md, README): each in a process of its own,
against the real server, with only the placeholder key replaced by the server's."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

QUICK_START = textwrap.dedent(
    """
    from trusera_sdk import TruseraClient, Event, EventType
    client = TruseraClient(api_key="tsk_your_api_key")
    client.register_agent("my-agent", "custom")
    client.track(Event(
    type=EventType.TOOL_CALL,
    name="web_search",
    payload={"query": "latest AI news"}
    ))
    client.close()
    """
)

MONITOR = textwrap.dedent(
    """
    from trusera_sdk import TruseraClient, monitor, set_default_client, EventType
    client = TruseraClient(api_key="tsk_your_api_key")
    client.register_agent("custom-agent", "custom")
    set_default_client(client)
    @monitor(event_type=EventType.TOOL_CALL, name="search_db")
    def search_database(query: str) -> list[dict]:
        # Your database logic
        return [{"id": 1, "title": "Result"}]
    @monitor(event_type=EventType.DECISION, name="agent_loop")
    def agent_step(user_input: str) -> str:
        context = search_database(user_input)
        return f"Context: {context}"
    answer = agent_step("What are our top vulnerabilities?")
    print(answer)
    client.close()
    """
)


def _run(source: str, server) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRUSERA_API_URL": server.url}
    code = source.replace("tsk_your_api_key", server.api_key)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)


def test_the_quick_start_runs_as_written(trusera_server):
    out = _run(QUICK_START, trusera_server)
    assert out.returncode == 0, out.stderr
    events = trusera_server.events(type="tool_call", wait_for=1)
    assert any(e["name"] == "web_search" and e["payload"] == {"query": "latest AI news"} for e in events)


def test_the_custom_agent_monitor_example_runs_as_written(trusera_server):
    out = _run(MONITOR, trusera_server)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Context: [{'id': 1")
    names = {e["name"] for e in trusera_server.events(wait_for=2)}
    assert {"search_db", "agent_loop"} <= names

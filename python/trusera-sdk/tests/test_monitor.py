"""@monitor on sync and async functions, reported to a real trusera-server."""

from __future__ import annotations

import asyncio

import pytest

from trusera_sdk import EventType, get_default_client, monitor, set_default_client


@pytest.fixture
def default_client(client):
    set_default_client(client)
    yield client
    set_default_client(None)


def test_sync_and_async_calls_record_args_timing_result_and_errors(trusera_server, default_client, agent):
    @monitor(event_type=EventType.TOOL_CALL, name="search_db")
    def search(query: str, limit: int = 5, api_key: str = "") -> list[dict]:
        return [{"id": 1, "title": query}]

    @monitor(event_type=EventType.LLM_INVOKE)
    async def ask(prompt: str) -> str:
        await asyncio.sleep(0.01)
        return "answer with sk-proj-abcdefghijklmnopqrstuv"

    @monitor(event_type=EventType.DECISION, name="step")
    def failing(x: int) -> None:
        raise ValueError(f"bad {x}")

    class Agent:
        @monitor(name="method")
        def act(self, what: str) -> str:
            return what

    assert search("cats", api_key="hunter2") == [{"id": 1, "title": "cats"}]
    assert asyncio.run(ask("hi")) == "answer with sk-proj-abcdefghijklmnopqrstuv"
    with pytest.raises(ValueError, match="bad 3"):
        failing(3)
    assert Agent().act("go") == "go"
    assert search.__name__ == "search" and get_default_client() is default_client
    assert default_client.flush(10)
    events = {e["name"]: e for e in trusera_server.events(agent=agent, wait_for=4)}
    s = events["search_db"]
    assert s["type"] == "tool_call"
    assert s["payload"] == {"args": {"query": "cats", "api_key": "[REDACTED]"}, "result": [{"id": 1, "title": "cats"}]}
    assert s["metadata"]["status"] == "success" and s["metadata"]["duration_ms"] >= 0
    assert s["metadata"]["function"].endswith("search")
    a = events["test_sync_and_async_calls_record_args_timing_result_and_errors.<locals>.ask"]
    assert a["type"] == "llm_invoke" and a["payload"]["result"] == "answer with [REDACTED]"
    assert a["metadata"]["duration_ms"] >= 10
    f = events["step"]
    assert f["payload"] == {"args": {"x": 3}, "error": "ValueError: bad 3"} and f["metadata"]["status"] == "error"
    assert events["method"]["payload"]["args"] == {"what": "go"}


def test_without_a_client_the_function_just_runs():
    set_default_client(None)

    @monitor()
    def f(x: int) -> int:
        return x + 1

    assert f(1) == 2
    with pytest.raises(ValueError, match="not one of"):
        monitor(event_type="nope")

"""wrap_mcp_session with the real MCP Python SDK: a ClientSession talking over stdio to a real MCP
server process (mcp_server.py)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from .support import require
require("mcp")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

from trusera_sdk import PolicyViolationError  # noqa: E402
from trusera_sdk.errors import ConfigurationError  # noqa: E402
from trusera_sdk.integrations.mcp import wrap_mcp_session  # noqa: E402

from .support import TOOL_POLICIES, evaluator_with, stored_events, summary  # noqa: E402

SERVER = Path(__file__).with_name("mcp_server.py")


def received(calls_file: Path) -> list[dict]:
    if not calls_file.exists():
        return []
    return [json.loads(line) for line in calls_file.read_text().splitlines()]


async def with_session(calls_file: Path, body) -> None:
    params = StdioServerParameters(command=sys.executable, args=[str(SERVER)], env={"TRUSERA_MCP_CALLS": str(calls_file)})
    # The server's own log (a traceback for the failing tool) stays out of the test output.
    with open(os.devnull, "w") as quiet:
        async with stdio_client(params, errlog=quiet) as (read, write):
            async with ClientSession(read, write) as session:
                await body(session)


def run(calls_file: Path, body) -> None:
    asyncio.run(asyncio.wait_for(with_session(calls_file, body), timeout=30))


def test_forbidden_tool_never_reaches_the_server(server, client, agent, tmp_path):
    calls_file = tmp_path / "calls.jsonl"
    seen: dict = {}

    async def body(session: ClientSession) -> None:
        wrap_mcp_session(session, client, enforcement="block", cedar_evaluator=evaluator_with(TOOL_POLICIES))
        await session.initialize()
        seen["tools"] = sorted(t.name for t in (await session.list_tools()).tools)
        ok = await session.call_tool("read_file", {"path": "/tmp/notes"})
        seen["read"] = ok.content[0].text
        with pytest.raises(PolicyViolationError) as info:
            await session.call_tool("delete_file", {"path": "/tmp/notes"})
        seen["error"] = info.value
        with pytest.raises(PolicyViolationError):
            await session.call_tool("read_file", {"path": "/etc/shadow"})

    run(calls_file, body)
    assert seen["tools"] == ["delete_file", "fail", "read_file"]
    assert seen["read"] == "contents of /tmp/notes"
    assert seen["error"].library == "mcp" and seen["error"].policy_ids == ("no-delete",)
    assert received(calls_file) == [{"tool": "read_file", "args": {"path": "/tmp/notes"}}]
    events = stored_events(server, client, agent)
    assert summary(events) == [
        "tool_call read_file",
        "policy_violation delete_file",
        "tool_call delete_file",
        "policy_violation read_file",
        "tool_call read_file",
    ]
    assert events[0]["payload"]["server"] == "files-server"
    assert events[0]["payload"]["status"] == "ok"
    assert [e["payload"]["status"] for e in events if e["type"] == "tool_call"] == ["ok", "blocked", "blocked"]


def test_tool_errors_and_log_mode(server, client, agent, tmp_path):
    calls_file = tmp_path / "calls.jsonl"

    async def body(session: ClientSession) -> None:
        wrap_mcp_session(session, client, cedar_evaluator=evaluator_with(TOOL_POLICIES))  # log mode
        await session.initialize()
        result = await session.call_tool("fail", {"reason": "boom"})
        assert getattr(result, "is_error", None) or getattr(result, "isError", None)  # mcp 2.x, 1.x
        await session.call_tool("delete_file", {"path": "/tmp/x"})  # denied, but log mode runs it

    run(calls_file, body)
    assert [c["tool"] for c in received(calls_file)] == ["fail", "delete_file"]
    events = stored_events(server, client, agent)
    assert summary(events) == ["tool_call fail", "policy_violation delete_file", "tool_call delete_file"]
    assert (events[0]["payload"]["status"], events[0]["payload"]["is_error"]) == ("error", True)
    assert events[2]["metadata"]["decision"] == "deny" and events[2]["payload"]["status"] == "ok"


def test_needs_a_session(client):
    with pytest.raises(ConfigurationError, match="ClientSession"):
        wrap_mcp_session(object(), client)

"""The decision core every integration shares (ActionGuard), through TruseraOpenAI.wrap_tools, which
needs no framework: fail_closed, arguments no request can be built from, large and secret inputs;
and importing the integrations loads no framework."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trusera_sdk import CedarEvaluator, PolicyViolationError
from trusera_sdk.integrations.openai import TruseraOpenAI

from .support import stored_events, summary


def test_fail_closed_denies_while_no_policy_is_loaded(server, client, agent):
    ran: list[str] = []
    tools = TruseraOpenAI(client, enforcement="block", cedar_evaluator=CedarEvaluator(), fail_closed=True).wrap_tools(
        {"search": lambda query: ran.append(query)}
    )
    with pytest.raises(PolicyViolationError, match="no policy is available"):
        tools["search"](query="x")
    assert ran == []
    assert summary(stored_events(server, client, agent)) == ["policy_violation search", "tool_call search"]


def test_arguments_no_request_can_hold(server, client, agent):
    evaluator = CedarEvaluator()
    evaluator.load_policy('@id("no-x") forbid (principal, action == Action::"tool_call", resource == Tool::"x");')
    cyclic: dict = {}
    cyclic["self"] = cyclic
    open_tools = TruseraOpenAI(client, enforcement="block", cedar_evaluator=evaluator).wrap_tools({"search": lambda data: "ok"})
    assert open_tools["search"](data=cyclic) == "ok"  # no policy can be asked: allowed, as with no policy
    closed = TruseraOpenAI(client, enforcement="block", cedar_evaluator=evaluator, fail_closed=True).wrap_tools({"search": lambda data: "ok"})
    with pytest.raises(PolicyViolationError, match="the request could not be built"):
        closed["search"](data=cyclic)
    events = stored_events(server, client, agent)
    assert summary(events) == ["tool_call search", "policy_violation search", "tool_call search"]


def test_large_and_secret_inputs(server, client, agent):
    evaluator = CedarEvaluator()
    evaluator.load_policy('@id("no-big") forbid (principal, action == Action::"tool_call", resource == Tool::"upload") when { context.input like "*TAIL*" };')
    tools = TruseraOpenAI(client, enforcement="block", cedar_evaluator=evaluator).wrap_tools(
        {"upload": lambda body: "sent", "login": lambda user, api_key: "ok"}
    )
    with pytest.raises(PolicyViolationError):
        tools["upload"](body="a" * 40_000 + "TAIL")  # decided on all of it, though recorded cut
    tools["login"](user="ann", api_key="sk-live-abcdefghijklmnopqrstuvwxyz0123")
    events = stored_events(server, client, agent)
    upload = events[1]["payload"]
    assert upload["input_truncated"] is True and len(upload["input"]) <= 16_384 + 64
    login = events[2]["payload"]["input"]
    assert login["user"] == "ann" and "abcdefghij" not in str(login)


def test_importing_integrations_loads_no_framework():
    code = (
        "import sys, trusera_sdk, trusera_sdk.integrations, trusera_sdk.integrations.openai, "
        "trusera_sdk.integrations.mcp, trusera_sdk.integrations.autogen, trusera_sdk.integrations.crewai\n"
        "print(sorted(m for m in ('openai', 'mcp', 'crewai', 'autogen_agentchat', 'autogen_core', 'langchain_core', 'langchain') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

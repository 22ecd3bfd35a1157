"""TruseraCallbackHandler with real LangChain: a real agent (langchain's create_agent, on LangGraph)
driven by a fake chat model that asks for tools, and direct tool and model runs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .support import require
require("langchain_core")
require("langchain.agents")

from langchain.agents import create_agent  # noqa: E402
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402

from trusera_sdk import PolicyViolationError  # noqa: E402
from trusera_sdk.errors import ConfigurationError  # noqa: E402
from trusera_sdk.integrations.langchain import TruseraCallbackHandler  # noqa: E402

from .support import TOOL_POLICIES, evaluator_with, stored_events, summary  # noqa: E402


class ToolCallingFake(GenericFakeChatModel):
    """LangChain's fake chat model, able to be given tools (it answers its scripted messages)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ToolCallingFake:
        return self


def scripted(*messages: AIMessage) -> ToolCallingFake:
    return ToolCallingFake(messages=iter(messages))


def calls(*pairs: tuple[str, dict[str, Any]]) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[{"name": n, "args": a, "id": f"call_{i}", "type": "tool_call"} for i, (n, a) in enumerate(pairs)],
        usage_metadata={"input_tokens": 12, "output_tokens": 5, "total_tokens": 17},
    )


def make_tools(side_effects: list[str]) -> list[Any]:
    @tool
    def read_file(path: str) -> str:
        """Read a file."""
        side_effects.append(f"read {path}")
        return "contents"

    @tool
    def delete_file(path: str) -> str:
        """Delete a file."""
        side_effects.append(f"delete {path}")
        return "deleted"

    return [read_file, delete_file]


def test_agent_run_is_recorded(server, client, agent):
    effects: list[str] = []
    model = scripted(calls(("read_file", {"path": "/tmp/notes"})), AIMessage(content="done"))
    graph = create_agent(model, make_tools(effects))
    handler = TruseraCallbackHandler(client)
    out = graph.invoke({"messages": [("user", "read my notes")]}, config={"callbacks": [handler]})
    assert out["messages"][-1].content == "done"
    assert effects == ["read /tmp/notes"]
    events = stored_events(server, client, agent)
    names = summary(events)
    assert "tool_call read_file" in names
    # Each event is tracked when its run ends: the model call inside the model node, then the node.
    assert names == [
        "llm_invoke ToolCallingFake",
        "decision model",
        "tool_call read_file",
        "decision tools",
        "llm_invoke ToolCallingFake",
        "decision model",
        "decision LangGraph",
    ]
    tool_event = next(e for e in events if e["type"] == "tool_call")
    assert tool_event["payload"]["input"] == {"path": "/tmp/notes"}
    assert tool_event["payload"]["tool_call_id"] == "call_0"
    assert tool_event["payload"]["status"] == "ok"
    llm = [e for e in events if e["type"] == "llm_invoke"]
    assert len(llm) == 2
    assert (llm[0]["payload"]["input_tokens"], llm[0]["payload"]["total_tokens"]) == (12, 17)
    steps = [e["name"] for e in events if e["type"] == "decision"]
    assert steps[-1] == "LangGraph"  # the top-level run, ended last
    assert {"model", "tools"} <= set(steps)  # the graph's nodes


def test_block_mode_stops_a_forbidden_tool_in_an_agent(server, client, agent):
    effects: list[str] = []
    model = scripted(calls(("delete_file", {"path": "/tmp/important"})), AIMessage(content="done"))
    graph = create_agent(model, make_tools(effects))
    handler = TruseraCallbackHandler(client, enforcement="block", cedar_evaluator=evaluator_with(TOOL_POLICIES))
    with pytest.raises(PolicyViolationError) as info:
        graph.invoke({"messages": [("user", "delete it")]}, config={"callbacks": [handler]})
    assert effects == []  # the tool's function never ran
    assert (info.value.action, info.value.resource, info.value.policy_ids) == ("tool_call", "delete_file", ("no-delete",))
    events = stored_events(server, client, agent)
    blocked = [e for e in events if e["name"] == "delete_file"]
    assert [e["type"] for e in blocked] == ["policy_violation", "tool_call"]
    assert blocked[1]["payload"]["status"] == "blocked"
    assert blocked[1]["metadata"] == {"decision": "deny", "enforcement": "block", "policy_ids": ["no-delete"], "blocked": True, "library": "langchain"}


def test_block_mode_decides_on_arguments(server, client, agent):
    effects: list[str] = []
    read_file, _ = make_tools(effects)
    handler = TruseraCallbackHandler(client, enforcement="block", cedar_evaluator=evaluator_with(TOOL_POLICIES))
    assert read_file.invoke({"path": "/tmp/ok"}, config={"callbacks": [handler]}) == "contents"
    with pytest.raises(PolicyViolationError):
        read_file.invoke({"path": "/etc/passwd"}, config={"callbacks": [handler]})
    assert effects == ["read /tmp/ok"]


def test_async_agent_blocks_too(server, client, agent):
    effects: list[str] = []
    model = scripted(calls(("delete_file", {"path": "/x"})), AIMessage(content="done"))
    graph = create_agent(model, make_tools(effects))
    handler = TruseraCallbackHandler(client, enforcement="block", cedar_evaluator=evaluator_with(TOOL_POLICIES))
    with pytest.raises(PolicyViolationError):
        asyncio.run(graph.ainvoke({"messages": [("user", "x")]}, config={"callbacks": [handler]}))
    assert effects == []


def test_warn_mode_runs_it_and_warns(server, client, agent, caplog):
    effects: list[str] = []
    _, delete_file = make_tools(effects)
    handler = TruseraCallbackHandler(client, enforcement="warn", cedar_evaluator=evaluator_with(TOOL_POLICIES))
    with caplog.at_level("WARNING", logger="trusera_sdk"):
        delete_file.invoke({"path": "/tmp/x"}, config={"callbacks": [handler]})
    assert effects == ["delete /tmp/x"]
    assert any("Policy violation (allowed): tool delete_file (forbidden by policy no-delete)" in r.getMessage() for r in caplog.records)
    assert summary(stored_events(server, client, agent)) == ["policy_violation delete_file", "tool_call delete_file"]


def test_denied_model_is_not_called(server, client, agent):
    evaluator = evaluator_with('@id("no-fake") forbid (principal, action == Action::"llm_invoke", resource == Model::"fake-model");')
    model = scripted(AIMessage(content="never"))
    handler = TruseraCallbackHandler(client, enforcement="block", cedar_evaluator=evaluator)
    with pytest.raises(PolicyViolationError, match="model fake-model denied"):
        model.invoke("hi", config={"callbacks": [handler], "metadata": {"ls_model_name": "fake-model", "ls_provider": "fake"}})
    assert next(model.messages, None) is not None  # the scripted answer was never taken
    events = stored_events(server, client, agent)
    assert summary(events) == ["policy_violation fake-model", "llm_invoke fake-model"]
    # LangChain's own ls_provider (the model class's name) wins over the run's metadata.
    assert events[1]["payload"]["provider"] == "toolcallingfake"


def test_options_are_checked(client):
    with pytest.raises(ConfigurationError, match="steps"):
        TruseraCallbackHandler(client, steps="some")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="enforcement"):
        TruseraCallbackHandler(client, enforcement="strict")


def test_tool_node_can_tell_the_model_instead(server, client, agent):
    """The documented alternative: a ToolNode that handles PolicyViolationError hands the model a
    ToolMessage with the violation, and the tool still never runs."""
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    effects: list[str] = []
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode(make_tools(effects), handle_tool_errors=(PolicyViolationError,)))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    handler = TruseraCallbackHandler(client, enforcement="block", cedar_evaluator=evaluator_with(TOOL_POLICIES))
    out = graph.compile().invoke({"messages": [calls(("delete_file", {"path": "/tmp/x"}))]}, config={"callbacks": [handler]})
    message = out["messages"][-1]
    assert message.status == "error" and "[Trusera] Policy violation: tool delete_file denied" in message.content
    assert effects == []


@pytest.mark.parametrize("steps", ["none", "all"])
def test_steps_option(server, client, agent, steps):
    effects: list[str] = []
    model = scripted(calls(("read_file", {"path": "/tmp/n"})), AIMessage(content="done"))
    graph = create_agent(model, make_tools(effects))
    graph.invoke({"messages": [("user", "x")]}, config={"callbacks": [TruseraCallbackHandler(client, steps=steps)]})
    decisions = [e["name"] for e in stored_events(server, client, agent) if e["type"] == "decision"]
    if steps == "none":
        assert decisions == []
    else:  # every chain run LangChain reports, hidden ones aside: here the same as the graph's nodes
        assert decisions[-1] == "LangGraph" and {"model", "tools"} <= set(decisions)

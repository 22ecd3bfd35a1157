"""TruseraAutoGenHook with the current AutoGen API (autogen-agentchat's AssistantAgent), its OpenAI
model client talking to a loopback OpenAI-compatible server."""

from __future__ import annotations

import asyncio

import pytest

from .support import require
require("autogen_agentchat")
require("autogen_ext.models.openai")

from autogen_agentchat.agents import AssistantAgent  # noqa: E402
from autogen_ext.models.openai import OpenAIChatCompletionClient  # noqa: E402

from trusera_sdk import PolicyViolationError  # noqa: E402
from trusera_sdk.integrations.autogen import TruseraAutoGenHook  # noqa: E402

from .fake_openai import Reply, start_fake_openai  # noqa: E402
from .support import TOOL_POLICIES, evaluator_with, stored_events, summary  # noqa: E402


def make_agent(base_url: str, effects: list[str]) -> AssistantAgent:
    async def read_file(path: str) -> str:
        """Read a file."""
        effects.append(f"read {path}")
        return f"contents of {path}"

    def delete_file(path: str) -> str:
        """Delete a file."""
        effects.append(f"delete {path}")
        return "deleted"

    model_client = OpenAIChatCompletionClient(model="gpt-4o-mini", base_url=base_url, api_key="sk-test", max_retries=0)
    return AssistantAgent("assistant", model_client=model_client, tools=[read_file, delete_file])


def run(agent: AssistantAgent, task: str):
    async def main():
        try:
            return await asyncio.wait_for(agent.run(task=task), timeout=30)
        finally:
            await agent._model_client.close()  # noqa: SLF001 - the client the test made; closes its sockets

    return asyncio.run(main())


def test_tool_calls_observed_and_forbidden_one_blocked(server, client, agent):
    effects: list[str] = []
    replies = [Reply(tool_calls=[("read_file", {"path": "/tmp/a"}), ("delete_file", {"path": "/tmp/a"})], usage=(40, 9))]
    with start_fake_openai(replies) as fake:
        hook = TruseraAutoGenHook(client, enforcement="block", cedar_evaluator=evaluator_with(TOOL_POLICIES))
        assistant = hook.setup_agent(make_agent(fake.base_url, effects))
        result = run(assistant, "tidy up /tmp/a")
    assert effects == ["read /tmp/a"]  # the forbidden tool never ran
    results = [r for m in result.messages if m.type == "ToolCallExecutionEvent" for r in m.content]
    refused = next(r for r in results if r.name == "delete_file")
    assert refused.is_error and "[Trusera] Policy violation: tool delete_file denied" in refused.content
    events = stored_events(server, client, agent)
    assert summary(events) == [
        "llm_invoke gpt-4o-mini",
        "tool_call read_file",
        "policy_violation delete_file",
        "tool_call delete_file",
        "decision assistant",
    ] or summary(events) == [
        "llm_invoke gpt-4o-mini",
        "policy_violation delete_file",
        "tool_call delete_file",
        "tool_call read_file",
        "decision assistant",
    ]  # AutoGen runs a turn's tool calls concurrently
    llm = events[0]
    assert (llm["payload"]["input_tokens"], llm["payload"]["output_tokens"], llm["payload"]["provider"]) == (40, 9, "openai")
    assert llm["metadata"]["library"] == "autogen"
    read = next(e for e in events if e["name"] == "read_file")
    assert (read["payload"]["input"], read["payload"]["status"]) == ({"path": "/tmp/a"}, "ok")
    assert read["payload"]["tool_call_id"] == "call_1_0"
    turn = events[-1]
    assert (turn["payload"]["kind"], turn["payload"]["status"]) == ("agent_turn", "ok")


def test_denied_model_call_ends_the_run(server, client, agent):
    effects: list[str] = []
    evaluator = evaluator_with('@id("no-mini") forbid (principal, action == Action::"llm_invoke", resource == Model::"gpt-4o-mini");')
    with start_fake_openai([Reply(content="never")]) as fake:
        hook = TruseraAutoGenHook(client, enforcement="block", cedar_evaluator=evaluator)
        assistant = hook.setup_agent(make_agent(fake.base_url, effects))
        with pytest.raises(PolicyViolationError, match="model gpt-4o-mini denied"):
            run(assistant, "hello")
        assert fake.requests == []
    events = stored_events(server, client, agent)
    assert summary(events) == ["policy_violation gpt-4o-mini", "llm_invoke gpt-4o-mini", "decision assistant"]
    assert events[2]["payload"]["status"] == "error"


def test_log_mode_records_without_blocking(server, client, agent):
    effects: list[str] = []
    with start_fake_openai([Reply(tool_calls=[("delete_file", {"path": "/tmp/b"})])]) as fake:
        hook = TruseraAutoGenHook(client, cedar_evaluator=evaluator_with(TOOL_POLICIES))
        assistant = hook.setup_agent(hook.setup_agent(make_agent(fake.base_url, effects)))  # twice: wrapped once
        run(assistant, "delete /tmp/b")
    assert effects == ["delete /tmp/b"]
    events = stored_events(server, client, agent)
    assert summary(events) == ["llm_invoke gpt-4o-mini", "policy_violation delete_file", "tool_call delete_file", "decision assistant"]
    assert events[2]["metadata"]["decision"] == "deny" and events[2]["payload"]["status"] == "ok"


def test_streamed_model_calls_are_recorded(server, client, agent):
    with start_fake_openai([Reply(content="streamed answer", usage=(11, 4))]) as fake:
        model_client = OpenAIChatCompletionClient(
            model="gpt-4o-mini", base_url=fake.base_url, api_key="sk-test", max_retries=0, stream_options={"include_usage": True}
        )
        hook = TruseraAutoGenHook(client, turns=False)
        assistant = hook.setup_agent(AssistantAgent("streamer", model_client=model_client, model_client_stream=True))
        result = run(assistant, "say something")
        assert fake.requests[0]["stream"] is True
    assert result.messages[-1].content == "streamed answer"
    [event] = stored_events(server, client, agent)
    assert (event["name"], event["payload"]["input_tokens"], event["payload"]["output_tokens"]) == ("gpt-4o-mini", 11, 4)


def test_code_execution_is_decided_before_it_runs(server, client, agent, tmp_path):
    from autogen_agentchat.agents import CodeExecutorAgent
    from autogen_ext.code_executors.local import LocalCommandLineCodeExecutor

    evaluator = evaluator_with(
        '@id("no-shell") forbid (principal, action == Action::"tool_call", resource == Tool::"code_execution")'
        ' when { resource.hasTag("language") && resource.getTag("language") like "*sh*" };'
    )
    hook = TruseraAutoGenHook(client, enforcement="block", cedar_evaluator=evaluator)
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, timeout=30)
    coder = hook.setup_agent(CodeExecutorAgent("coder", code_executor=executor))

    async def main():
        shell = await coder.run(task="```sh\ntouch from_shell.txt\n```")
        python = await coder.run(task="```python\nopen('from_python.txt', 'w').write('ok')\n```")
        return shell, python

    shell, python = asyncio.run(asyncio.wait_for(main(), timeout=60))
    assert not (tmp_path / "from_shell.txt").exists()  # the refused block never ran
    assert (tmp_path / "from_python.txt").read_text() == "ok"
    assert "[Trusera] Policy violation: tool code_execution denied" in shell.messages[-1].content
    events = stored_events(server, client, agent)
    runs = [e for e in events if e["type"] == "tool_call"]
    assert [(e["payload"]["input"]["language"], e["payload"]["status"]) for e in runs] == [("sh", "blocked"), ("python", "ok")]

"""TruseraOpenAI with the real OpenAI Python SDK against a loopback OpenAI-compatible server."""

from __future__ import annotations

import asyncio

import pytest

from .support import require
openai = require("openai")

from trusera_sdk import PolicyViolationError  # noqa: E402
from trusera_sdk.integrations.openai import TruseraOpenAI  # noqa: E402

from .fake_openai import Reply, start_fake_openai  # noqa: E402
from .support import TOOL_POLICIES, evaluator_with, stored_events, summary  # noqa: E402


def test_records_model_calls_with_usage_and_cost(server, client, agent):
    with start_fake_openai([Reply(content="hi", usage=(1000, 500))]) as fake:
        oa = TruseraOpenAI(client).wrap(openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0))
        completion = oa.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        assert completion.choices[0].message.content == "hi"
    [event] = stored_events(server, client, agent)
    assert (event["type"], event["name"]) == ("llm_invoke", "gpt-4o-mini")
    p = event["payload"]
    assert (p["input_tokens"], p["output_tokens"], p["total_tokens"]) == (1000, 500, 1500)
    assert p["estimated_cost_usd"] == pytest.approx(1000 * 0.15 / 1e6 + 500 * 0.6 / 1e6)
    assert (p["provider"], p["status"], p["finish_reason"], p["tool_calls"]) == ("openai", "ok", "stop", 0)
    assert event["metadata"]["library"] == "openai"


def test_stream_is_recorded_when_read_to_its_end(server, client, agent):
    with start_fake_openai([Reply(content="streamed", usage=(10, 3))]) as fake:
        oa = TruseraOpenAI(client).wrap(openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0))
        stream = oa.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "x"}], stream=True, stream_options={"include_usage": True}
        )
        text = "".join((c.choices[0].delta.content or "") for c in stream if c.choices)
        assert text == "streamed"
    [event] = stored_events(server, client, agent)
    assert (event["name"], event["payload"]["input_tokens"], event["payload"]["output_tokens"]) == ("gpt-4o", 10, 3)


def test_denied_model_is_never_sent(server, client, agent):
    evaluator = evaluator_with('@id("no-gpt4") forbid (principal, action == Action::"llm_invoke", resource == Model::"gpt-4");')
    with start_fake_openai([Reply(content="should not be asked")]) as fake:
        oa = TruseraOpenAI(client, enforcement="block", cedar_evaluator=evaluator).wrap(
            openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
        )
        with pytest.raises(PolicyViolationError) as info:
            oa.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "x"}])
        assert fake.requests == []
    assert info.value.policy_ids == ("no-gpt4",)
    assert str(info.value) == "[Trusera] Policy violation: model gpt-4 denied - forbidden by policy no-gpt4"
    events = stored_events(server, client, agent)
    assert summary(events) == ["policy_violation gpt-4", "llm_invoke gpt-4"]
    assert events[1]["payload"]["status"] == "blocked"


def test_tool_calls_decided_before_any_runs(server, client, agent):
    ran: list[str] = []

    def read_file(path: str) -> str:
        ran.append(f"read {path}")
        return "contents"

    def delete_file(path: str) -> str:
        ran.append(f"delete {path}")
        return "deleted"

    tools = {"read_file": read_file, "delete_file": delete_file}
    evaluator = evaluator_with(TOOL_POLICIES)
    with start_fake_openai([Reply(tool_calls=[("read_file", {"path": "/tmp/a"}), ("delete_file", {"path": "/tmp/a"})])]) as fake:
        trusera = TruseraOpenAI(client, enforcement="block", cedar_evaluator=evaluator)
        oa = trusera.wrap(openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0))
        message = oa.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "clean up"}]).choices[0].message
        with pytest.raises(PolicyViolationError) as info:
            trusera.run_tool_calls(message.tool_calls, tools)
    assert ran == []  # the allowed read did not run either: the answer was refused as a whole
    assert info.value.resource == "delete_file"
    events = stored_events(server, client, agent)
    assert summary(events) == ["llm_invoke gpt-4o-mini", "tool_call read_file", "policy_violation delete_file", "tool_call delete_file"]
    assert [e["payload"]["status"] for e in events[1:] if e["type"] == "tool_call"] == ["skipped", "blocked"]
    assert events[0]["payload"]["tool_calls"] == 2


def test_allowed_tool_calls_run_and_answer_the_model(server, client, agent):
    evaluator = evaluator_with(TOOL_POLICIES)
    with start_fake_openai([Reply(tool_calls=[("read_file", {"path": "/tmp/notes"})])]) as fake:
        trusera = TruseraOpenAI(client, enforcement="block", cedar_evaluator=evaluator)
        oa = trusera.wrap(openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0))
        message = oa.chat.completions.create(model="gpt-4o-mini", messages=[]).choices[0].message
        out = trusera.run_tool_calls(message.tool_calls, {"read_file": lambda path: {"path": path, "text": "ok"}, "nope": print})
    assert out == [{"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": '{"path": "/tmp/notes", "text": "ok"}'}]
    events = stored_events(server, client, agent)
    assert summary(events) == ["llm_invoke gpt-4o-mini", "tool_call read_file"]
    assert events[1]["payload"]["input"] == {"path": "/tmp/notes"}
    assert events[1]["payload"]["tool_call_id"] == message.tool_calls[0].id


def test_wrap_tools_and_async_client(server, client, agent):
    evaluator = evaluator_with(TOOL_POLICIES)
    trusera = TruseraOpenAI(client, enforcement="block", cedar_evaluator=evaluator)
    ran: list[str] = []

    async def read_file(path: str) -> str:
        ran.append(path)
        return "x"

    guarded = trusera.wrap_tools({"read_file": read_file})

    async def main() -> None:
        with start_fake_openai([Reply(content="ok", usage=(3, 4))]) as fake:
            oa = trusera.wrap(openai.AsyncOpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0))
            await oa.chat.completions.create(model="gpt-4o-mini", messages=[])
        assert await guarded["read_file"](path="/tmp/x") == "x"
        with pytest.raises(PolicyViolationError):
            await guarded["read_file"](path="/etc/shadow")

    asyncio.run(main())
    assert ran == ["/tmp/x"]
    events = stored_events(server, client, agent)
    assert summary(events) == ["llm_invoke gpt-4o-mini", "tool_call read_file", "policy_violation read_file", "tool_call read_file"]
    assert events[0]["payload"]["total_tokens"] == 7


def test_wrapping_twice_records_once(server, client, agent):
    with start_fake_openai([Reply(content="hi")]) as fake:
        trusera = TruseraOpenAI(client)
        oa = trusera.wrap(trusera.wrap(openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)))
        oa.chat.completions.create(model="gpt-4o-mini", messages=[])
    assert summary(stored_events(server, client, agent)) == ["llm_invoke gpt-4o-mini"]


def test_bad_options_are_clear_errors(client):
    from trusera_sdk.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="enforcement"):
        TruseraOpenAI(client, enforcement="deny")
    with pytest.raises(ConfigurationError, match="fail_closed needs a cedar_evaluator"):
        TruseraOpenAI(client, fail_closed=True)
    with pytest.raises(ConfigurationError, match="needs an OpenAI client"):
        TruseraOpenAI(client).wrap(object())
    with pytest.raises(ConfigurationError, match="TruseraClient"):
        TruseraOpenAI("not a client")  # type: ignore[arg-type]


def test_async_stream_closed_early_is_still_recorded(server, client, agent):
    async def main() -> None:
        with start_fake_openai([Reply(content="one two", usage=(2, 2))]) as fake:
            oa = TruseraOpenAI(client).wrap(openai.AsyncOpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0))
            stream = await oa.chat.completions.create(model="gpt-4o", messages=[], stream=True)
            async for _chunk in stream:
                break
            await stream.close()

    asyncio.run(main())
    [event] = stored_events(server, client, agent)
    assert (event["name"], event["payload"]["status"]) == ("gpt-4o", "ok")

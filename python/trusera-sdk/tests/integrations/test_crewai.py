"""TruseraCrewCallback with real CrewAI: a crew whose agent's LLM is a loopback OpenAI-compatible
server that asks for tools."""

from __future__ import annotations

import pytest

from .support import require
require("crewai")

from crewai import LLM, Agent, Crew, Task  # noqa: E402
from crewai.events import crewai_event_bus  # noqa: E402
from crewai.tools import tool  # noqa: E402

from trusera_sdk.integrations.crewai import TruseraCrewCallback  # noqa: E402

from .fake_openai import Reply, start_fake_openai  # noqa: E402
from .support import TOOL_POLICIES, evaluator_with, stored_events, summary  # noqa: E402


def make_crew(base_url: str, effects: list[str], callback: TruseraCrewCallback) -> Crew:
    @tool("read_file")
    def read_file(path: str) -> str:
        """Read a file."""
        effects.append(f"read {path}")
        return f"contents of {path}"

    @tool("delete_file")
    def delete_file(path: str) -> str:
        """Delete a file."""
        effects.append(f"delete {path}")
        return "deleted"

    llm = LLM(model="gpt-4o-mini", base_url=base_url, api_key="sk-test", max_retries=0)
    worker = Agent(role="Cleaner", goal="Keep /tmp tidy", backstory="Careful.", tools=[read_file, delete_file], llm=llm, verbose=False, max_iter=3)
    task = Task(description="Tidy /tmp/a", expected_output="what was done", agent=worker)
    return Crew(agents=[worker], tasks=[task], step_callback=callback.step_callback, verbose=False)


def test_tool_calls_observed_and_forbidden_one_blocked(server, client, agent):
    effects: list[str] = []
    replies = [
        Reply(tool_calls=[("read_file", {"path": "/tmp/a"})], usage=(30, 5)),
        Reply(tool_calls=[("delete_file", {"path": "/tmp/a"})], usage=(40, 5)),
        Reply(content="Tidied: read it, deletion was refused.", usage=(50, 8)),
    ]
    callback = TruseraCrewCallback(client, enforcement="block", cedar_evaluator=evaluator_with(TOOL_POLICIES))
    with start_fake_openai(replies) as fake, callback:
        result = make_crew(fake.base_url, effects, callback).kickoff()
        assert len(fake.requests) == 3
        # What the model was told about the refused call, in the request after it.
        told = [m for m in fake.requests[2]["messages"] if m.get("role") == "tool"]
    assert "deletion was refused" in str(result)
    assert effects == ["read /tmp/a"]  # the forbidden tool never ran
    assert any("blocked" in str(m.get("content")) for m in told)
    assert crewai_event_bus.flush(timeout=10)  # CrewAI hands its LLM events to handlers in a thread pool
    events = stored_events(server, client, agent)
    names = summary(events)
    assert [n for n in names if not n.startswith("decision")] == [
        "llm_invoke gpt-4o-mini",
        "tool_call read_file",
        "llm_invoke gpt-4o-mini",
        "policy_violation delete_file",
        "tool_call delete_file",
        "llm_invoke gpt-4o-mini",
    ]
    llm = [e for e in events if e["type"] == "llm_invoke"]
    assert [(e["payload"]["input_tokens"], e["payload"]["output_tokens"]) for e in llm] == [(30, 5), (40, 5), (50, 8)]
    assert llm[0]["payload"]["estimated_cost_usd"] == pytest.approx((30 * 0.15 + 5 * 0.6) / 1e6)
    read = next(e for e in events if e["name"] == "read_file")
    assert (read["payload"]["input"], read["payload"]["status"], read["metadata"]["library"]) == ({"path": "/tmp/a"}, "ok", "crewai")
    deleted = next(e for e in events if e["type"] == "tool_call" and e["name"] == "delete_file")
    assert deleted["payload"]["status"] == "blocked"
    assert any(n.startswith("decision ") for n in names)  # the step callback's steps


def test_denied_model_call_is_never_made(server, client, agent):
    effects: list[str] = []
    evaluator = evaluator_with('@id("no-mini") forbid (principal, action == Action::"llm_invoke", resource == Model::"gpt-4o-mini");')
    callback = TruseraCrewCallback(client, enforcement="block", cedar_evaluator=evaluator)
    with start_fake_openai([Reply(content="never")]) as fake, callback:
        with pytest.raises(Exception, match="model gpt-4o-mini denied"):
            make_crew(fake.base_url, effects, callback).kickoff()
        assert fake.requests == []
    assert summary(stored_events(server, client, agent))[:2] == ["policy_violation gpt-4o-mini", "llm_invoke gpt-4o-mini"]


def test_uninstall_removes_the_hooks(client):
    from crewai.hooks import get_before_llm_call_hooks, get_before_tool_call_hooks

    callback = TruseraCrewCallback(client, install=False)
    before = (len(get_before_tool_call_hooks()), len(get_before_llm_call_hooks()))
    with callback:
        assert (len(get_before_tool_call_hooks()), len(get_before_llm_call_hooks())) == (before[0] + 1, before[1] + 1)
    assert (len(get_before_tool_call_hooks()), len(get_before_llm_call_hooks())) == before


def test_seed_shape_made_then_given_as_step_callback(server, client, agent):
    """As the seed writes it: the callback is made and handed to the crew; nothing else."""
    effects: list[str] = []
    replies = [Reply(tool_calls=[("read_file", {"path": "/tmp/s"})], usage=(7, 3)), Reply(content="done", usage=(9, 2))]
    callback = TruseraCrewCallback(client)
    try:
        with start_fake_openai(replies) as fake:
            make_crew(fake.base_url, effects, callback).kickoff()
        assert crewai_event_bus.flush(timeout=10)
    finally:
        callback.uninstall()
    assert effects == ["read /tmp/s"]
    names = summary(stored_events(server, client, agent))
    assert [n for n in names if not n.startswith("decision")] == ["llm_invoke gpt-4o-mini", "tool_call read_file", "llm_invoke gpt-4o-mini"]
    assert any(n.startswith("decision ") for n in names)

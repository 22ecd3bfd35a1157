"""Reading what a chat completion (or a Responses API response) says about itself: usage, finish
reason, tool calls; and recording a streamed answer when it has been read to its end."""

from __future__ import annotations

from typing import Any

from .._shared.guard import ActionRun, Outcome
from .._shared.pricing import TokenUsage, usage_of
from .._shared.relay import arelay, relay


def field(obj: Any, name: str) -> Any:
    """An attribute of an SDK model, or a key of a dict (both shapes reach us)."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def usage_of_body(body: Any) -> TokenUsage | None:
    u = field(body, "usage")
    if u is None:
        return None
    prompt = field(u, "prompt_tokens")
    completion = field(u, "completion_tokens")
    return usage_of(
        prompt if prompt is not None else field(u, "input_tokens"),
        completion if completion is not None else field(u, "output_tokens"),
        field(u, "total_tokens"),
    )


def summary_of(body: Any) -> dict[str, Any]:
    choices = field(body, "choices")
    if isinstance(choices, list) and choices:
        choice = choices[0]
        calls = field(field(choice, "message"), "tool_calls")
        return {"finish_reason": field(choice, "finish_reason"), "tool_calls": len(calls) if isinstance(calls, list) else 0}
    output = field(body, "output")
    if isinstance(output, list):
        calls = sum(1 for o in output if field(o, "type") == "function_call")
        return {"finish_reason": field(body, "status"), "tool_calls": calls}
    return {}


def observe_body(body: Any, run: ActionRun) -> None:
    run.end(Outcome(usage=usage_of_body(body), payload=summary_of(body)))


def _usage_of_item(item: Any) -> TokenUsage | None:
    return usage_of_body(item) or usage_of_body(field(item, "response"))


def is_stream(value: Any) -> bool:
    """The SDK's ``Stream`` / ``AsyncStream`` (what ``create(stream=True)`` returns)."""
    return hasattr(value, "_iterator") and (hasattr(value, "__iter__") or hasattr(value, "__aiter__"))


def observe_stream(stream: Any, run: ActionRun) -> None:
    """Records the call when the stream is read to its end, fails, or is closed early, with the usage
    its chunks carried. The SDK's ``Stream`` reads every item through its ``_iterator``, so wrapping
    that sees ``for`` loops, ``next()`` and the context manager alike."""
    usage: list[TokenUsage | None] = [None]

    def seen(item: Any) -> None:
        usage[0] = _usage_of_item(item) or usage[0]

    def outcome() -> Outcome:
        return Outcome(usage=usage[0])

    inner = stream._iterator
    if hasattr(inner, "__anext__"):
        stream._iterator = arelay(inner, run, seen, outcome)
    else:
        stream._iterator = relay(inner, run, seen, outcome)

"""What LangChain's callbacks tell about a run: its model, provider, token usage, tool input."""

from __future__ import annotations

import json
from typing import Any, Mapping

from .._shared.pricing import TokenUsage, usage_of


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _bag(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def serialized_name(serialized: Any) -> str | None:
    """A serialized runnable's name, else the last part of its id (its class name)."""
    s = _bag(serialized)
    name = _str(s.get("name"))
    if name:
        return name
    ident = s.get("id")
    return _str(ident[-1]) if isinstance(ident, list) and ident else None


def model_of(serialized: Any, kwargs: Mapping[str, Any], metadata: Mapping[str, Any] | None) -> str:
    """The model a chat model or LLM run calls: ``ls_model_name`` (set by provider packages such as
    ``ChatOpenAI``), the invocation parameters, the serialized kwargs, else the run's name."""
    params = _bag(kwargs.get("invocation_params"))
    skw = _bag(_bag(serialized).get("kwargs"))
    for candidate in (
        _bag(metadata).get("ls_model_name"),
        params.get("model"),
        params.get("model_name"),
        skw.get("model"),
        skw.get("model_name"),
        kwargs.get("name"),
        serialized_name(serialized),
    ):
        if _str(candidate):
            return candidate
    return "unknown"


def provider_of(metadata: Mapping[str, Any] | None) -> str:
    """The provider as LangChain's run metadata names it (``openai``, ``anthropic``, ...)."""
    return _str(_bag(metadata).get("ls_provider")) or "unknown"


def usage_of_result(response: Any) -> TokenUsage | None:
    """Token counts of a finished run: the messages' ``usage_metadata`` (chat models), else the
    provider's ``llm_output["token_usage"]``."""
    seen = False
    i = o = t = 0
    for generations in getattr(response, "generations", None) or []:
        for g in generations or []:
            u = getattr(getattr(g, "message", None), "usage_metadata", None)
            if not isinstance(u, Mapping):
                continue
            seen = True
            i += int(u.get("input_tokens") or 0)
            o += int(u.get("output_tokens") or 0)
            t += int(u.get("total_tokens") or 0)
    if seen:
        return usage_of(i, o, t or None)
    out = _bag(getattr(response, "llm_output", None))
    tu = _bag(out.get("token_usage") or out.get("tokenUsage") or out.get("usage"))
    if not tu:
        return None
    return usage_of(
        tu.get("prompt_tokens", tu.get("input_tokens")),
        tu.get("completion_tokens", tu.get("output_tokens")),
        tu.get("total_tokens"),
    )


def tool_input(input_str: Any, inputs: Any) -> Any:
    """A tool's arguments: the structured ``inputs`` LangChain passes, else its input string (parsed
    when it is JSON)."""
    if isinstance(inputs, Mapping):
        return dict(inputs)
    if isinstance(input_str, str):
        text = input_str.lstrip()
        if text.startswith(("{", "[")):
            try:
                return json.loads(input_str)
            except ValueError:
                pass
    return input_str

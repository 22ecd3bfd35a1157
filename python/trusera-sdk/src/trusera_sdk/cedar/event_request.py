"""The Cedar request a recorded event stands for, so that it can be decided again (replay):
packages/core/src/cedar/event-request.ts, the inverse of what the SDKs record."""

from __future__ import annotations

from typing import Any

from .._url import InvalidURL
from .requests import (
    CedarRequest,
    data_request,
    decision_request,
    file_write_request,
    http_request,
    model_request,
    tool_request,
)


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v != "" else None


def _word(name: Any, index: int) -> str | None:
    parts = name.split(" ") if isinstance(name, str) else []
    return _str(parts[index]) if len(parts) > index else None


def event_to_cedar_request(event: dict[str, Any]) -> CedarRequest | None:
    """None for events that are not decisions about an action (``policy_violation``) or that lack
    what the request needs."""
    agent = event.get("agent_id") or "unknown"
    p = event.get("payload") or {}
    m = event.get("metadata") or {}
    name = event.get("name", "")
    t = event.get("type")
    if t == "api_call":
        url = _str(p.get("url")) or _word(name, 1)
        if not url:
            return None
        method = _str(p.get("method")) or _word(name, 0) or "GET"
        headers = p.get("request_headers") if isinstance(p.get("request_headers"), dict) else None
        try:
            return http_request(agent, url, method, headers)
        except InvalidURL:
            return None
    if t == "tool_call":
        args = p.get("input") if p.get("input") is not None else (p.get("args") if p.get("args") is not None else p)
        return tool_request(agent, _str(p.get("tool")) or name, args)
    if t == "llm_invoke":
        return model_request(agent, _str(p.get("model")) or name, _str(m.get("provider")) or _str(p.get("provider")) or "unknown")
    if t == "data_access":
        return data_request(agent, _str(p.get("source")) or name, _str(p.get("operation")) or "read")
    if t == "file_write":
        return file_write_request(agent, _str(p.get("path")) or name, _str(p.get("operation")) or "write")
    if t == "decision":
        return decision_request(agent, name)
    return None

"""Builders of the Cedar requests of the request model (docs/policy-model.md), one per action: the
Python twins of packages/core/src/cedar/request-model.ts, checked against it by spec/vectors.

A request is a plain dict: ``principal``, ``action``, ``resource`` (each ``{"type", "id"}``),
``context`` and ``entities`` (the resource with its attributes, and tags for a tool).
"""

from __future__ import annotations

import json
import math
from typing import Any, Iterable

from .._url import URL, parse_url
from ..redact import header_names, redact_text

CedarRequest = dict[str, Any]


def _agent(agent_id: str | None) -> dict[str, str]:
    return {"type": "Agent", "id": agent_id or "unknown"}


def _action(name: str) -> dict[str, str]:
    return {"type": "Action", "id": name}


def js_json(value: Any) -> str:
    """``JSON.stringify(value)`` as JavaScript writes it: no spaces, non-ASCII kept, integral floats
    without ``.0``, non-finite numbers as ``null``."""
    return json.dumps(_js_ready(value), separators=(",", ":"), ensure_ascii=False, default=str)


def _js_ready(v: Any) -> Any:
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if isinstance(v, dict):
        return {str(k): _js_ready(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_js_ready(x) for x in v]
    return v


def http_request(
    agent_id: str | None,
    url: str | URL,
    method: str = "GET",
    headers: Any = None,
) -> CedarRequest:
    """An outbound HTTP call. Header names only (lower case) reach the context: values may be
    secrets. Redact the URL first (``redact_url``): the request holds it as given, normalized.

    :raises InvalidURL: (a ``ValueError``) when ``url`` is not an absolute URL.
    """
    u = url if isinstance(url, URL) else parse_url(url)
    hostname = u.hostname
    port = u.effective_port
    return {
        "principal": _agent(agent_id),
        "action": _action("api_call"),
        "resource": {"type": "Host", "id": hostname},
        "context": {
            "url": u.href,
            "method": (method or "GET").upper(),
            "hostname": hostname,
            "path": u.pathname,
            "query": u.search[1:],
            "scheme": u.scheme,
            "port": port,
            "headers": header_names(headers),
        },
        "entities": [
            {
                "uid": {"type": "Host", "id": hostname},
                "attrs": {"hostname": hostname, "scheme": u.scheme, "port": port},
                "parents": [],
            }
        ],
    }


def _tag_value(value: Any) -> str:
    if isinstance(value, str):
        return redact_text(value)
    return redact_text(js_json(value))


def tool_request(agent_id: str | None, tool: str, args: Any = None) -> CedarRequest:
    """A tool call. Each top-level argument becomes a tag of the Tool entity (strings as they are,
    other values as JSON, secrets redacted); ``context.input`` is the whole input as JSON."""
    tags: dict[str, str] = {}
    if isinstance(args, dict):
        for k, v in args.items():
            tags[str(k)] = _tag_value(v)
    return {
        "principal": _agent(agent_id),
        "action": _action("tool_call"),
        "resource": {"type": "Tool", "id": tool},
        "context": {"input": "" if args is None else _tag_value(args)},
        "entities": [
            {"uid": {"type": "Tool", "id": tool}, "attrs": {"name": tool}, "parents": [], "tags": tags}
        ],
    }


def model_request(agent_id: str | None, model: str, provider: str = "unknown") -> CedarRequest:
    """A call to a language model."""
    return {
        "principal": _agent(agent_id),
        "action": _action("llm_invoke"),
        "resource": {"type": "Model", "id": model},
        "context": {"provider": provider},
        "entities": [
            {
                "uid": {"type": "Model", "id": model},
                "attrs": {"name": model, "provider": provider},
                "parents": [],
            }
        ],
    }


def data_request(agent_id: str | None, source: str, operation: str = "read") -> CedarRequest:
    """A read or write of a data source (``operation``: read, write, delete, ...)."""
    return {
        "principal": _agent(agent_id),
        "action": _action("data_access"),
        "resource": {"type": "DataSource", "id": source},
        "context": {"operation": operation},
        "entities": [{"uid": {"type": "DataSource", "id": source}, "attrs": {"name": source}, "parents": []}],
    }


def file_write_request(agent_id: str | None, path: str, operation: str = "write") -> CedarRequest:
    """A change to a file (``operation``: write, edit, delete)."""
    slash = path.rfind("/")
    base = path[slash + 1 :]
    dot = base.rfind(".")
    attrs = {
        "path": path,
        "directory": path[:slash] if slash > 0 else ("/" if slash == 0 else ""),
        "extension": base[dot + 1 :].lower() if dot > 0 else "",
    }
    return {
        "principal": _agent(agent_id),
        "action": _action("file_write"),
        "resource": {"type": "File", "id": path},
        "context": {"operation": operation},
        "entities": [{"uid": {"type": "File", "id": path}, "attrs": attrs, "parents": []}],
    }


def decision_request(agent_id: str | None, name: str) -> CedarRequest:
    """A decision point or reasoning step of an agent."""
    return {
        "principal": _agent(agent_id),
        "action": _action("decision"),
        "resource": {"type": "Step", "id": name},
        "context": {},
        "entities": [{"uid": {"type": "Step", "id": name}, "attrs": {"name": name}, "parents": []}],
    }


def command_request(
    agent_id: str | None,
    binary: str,
    args: Iterable[str],
    action_class: str,
    cwd: str,
    hosts: Iterable[str] = (),
    host: str = "",
    path: str = "",
) -> CedarRequest:
    """A command an agent runs (``shell_exec``); ``name`` is the binary's base name."""
    name = binary[binary.rfind("/") + 1 :]
    redacted = [redact_text(a) for a in args]
    return {
        "principal": _agent(agent_id),
        "action": _action("shell_exec"),
        "resource": {"type": "Command", "id": name},
        "context": {
            "command": " ".join([name, *redacted]),
            "args": redacted,
            "action_class": action_class,
            "cwd": cwd,
            "hosts": list(hosts),
            "host": host,
            "path": path,
        },
        "entities": [
            {"uid": {"type": "Command", "id": name}, "attrs": {"name": name, "binary": binary}, "parents": []}
        ],
    }


def agent_action_request(
    agent_id: str | None, action: str, target: str, action_class: str, host: str = "", path: str = ""
) -> CedarRequest:
    """Any other action an agent takes through a governance SDK or a hook (``agent_action``)."""
    t = redact_text(target)
    return {
        "principal": _agent(agent_id),
        "action": _action("agent_action"),
        "resource": {"type": "Target", "id": t},
        "context": {"action": action, "action_class": action_class, "target": t, "host": host, "path": path},
        "entities": [{"uid": {"type": "Target", "id": t}, "attrs": {"name": t}, "parents": []}],
    }

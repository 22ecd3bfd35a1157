"""
The Cedar requests of the two actions transient-trace governs, as ``commandRequest`` and
``agentActionRequest`` in packages/core/src/cedar/request-model.ts (checked against
spec/vectors/request-model.json). ``host`` and ``path`` are the one host and file a request asks
about ("" for none): an action naming several is decided once per pair (governor.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..redact import redact_text


def _agent(agent_id: str) -> dict[str, str]:
    return {"type": "Agent", "id": agent_id or "unknown"}


def command_request(
    agent_id: str,
    binary: str,
    args: Sequence[str],
    action_class: str,
    cwd: str,
    hosts: Sequence[str] = (),
    host: str = "",
    path: str = "",
) -> dict[str, Any]:
    """A shell command: ``name`` is the binary's base name (``git``), ``binary`` what was executed."""
    name = binary[binary.rfind("/") + 1 :]
    redacted = [redact_text(a) for a in args]
    resource = {"type": "Command", "id": name}
    return {
        "principal": _agent(agent_id),
        "action": {"type": "Action", "id": "shell_exec"},
        "resource": resource,
        "context": {
            "command": " ".join([name, *redacted]),
            "args": redacted,
            "action_class": action_class,
            "cwd": cwd,
            "hosts": list(hosts),
            "host": host,
            "path": path,
        },
        "entities": [{"uid": resource, "attrs": {"name": name, "binary": binary}, "parents": []}],
    }


def agent_action_request(
    agent_id: str, action: str, target: str, action_class: str, host: str = "", path: str = ""
) -> dict[str, Any]:
    """Any other action (an SDK call): ``action`` names it, ``target`` (redacted) is what it acts on."""
    redacted = redact_text(target)
    resource = {"type": "Target", "id": redacted}
    return {
        "principal": _agent(agent_id),
        "action": {"type": "Action", "id": "agent_action"},
        "resource": resource,
        "context": {"action": action, "action_class": action_class, "target": redacted, "host": host, "path": path},
        "entities": [{"uid": resource, "attrs": {"name": redacted}, "parents": []}],
    }

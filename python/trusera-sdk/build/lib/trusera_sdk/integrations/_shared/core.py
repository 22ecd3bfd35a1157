"""The names of the SDK's core the integrations use, in one place: the only module here that knows
how the client, the evaluator and the error are shaped."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ...cedar import CedarEvaluator, decision_request, model_request, tool_request
from ...client import TruseraClient
from ...errors import ConfigurationError, PolicyViolationError
from ...events import Event
from ...policy import Verdict, decide_request
from ...redact import redact_text

__all__ = [
    "CedarEvaluator",
    "ConfigurationError",
    "PolicyViolationError",
    "TruseraClient",
    "Verdict",
    "agent_name",
    "decide_request",
    "decision_request",
    "model_request",
    "redact_text",
    "tool_request",
    "track",
    "violation",
]


def agent_name(client: TruseraClient) -> str | None:
    """The principal of the client's Cedar requests."""
    return client.agent_name


def track(client: TruseraClient, event_type: str, name: str, payload: Mapping[str, Any], metadata: Mapping[str, Any]) -> None:
    client.track(Event(event_type, name, payload, metadata))


def violation(action: str, resource: str, library: str, policy_ids: Sequence[str], reasons: Sequence[str]) -> PolicyViolationError:
    return PolicyViolationError(action=action, resource=resource, library=library, policy_ids=policy_ids, reasons=reasons)

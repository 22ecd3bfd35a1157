"""Cedar for Trusera: the request model's schema and request builders, and the evaluator.

Policies are written against ``REQUEST_MODEL_SCHEMA`` (docs/policy-model.md); the builders make the
requests the interceptor and the framework integrations ask about.
"""

from .._url import InvalidURL
from .evaluator import DEFAULT_ALLOW_POLICY_ID, CedarEvaluator
from .event_request import event_to_cedar_request
from .requests import (
    CedarRequest,
    agent_action_request,
    command_request,
    data_request,
    decision_request,
    file_write_request,
    http_request,
    model_request,
    tool_request,
)
from .schema import ACTIONS, REQUEST_MODEL_SCHEMA
from .types import CedarDecision, CedarDiagnostic, PolicyLoadResult

__all__ = [
    "ACTIONS",
    "DEFAULT_ALLOW_POLICY_ID",
    "REQUEST_MODEL_SCHEMA",
    "CedarDecision",
    "CedarDiagnostic",
    "CedarEvaluator",
    "CedarRequest",
    "InvalidURL",
    "PolicyLoadResult",
    "agent_action_request",
    "command_request",
    "data_request",
    "decision_request",
    "event_to_cedar_request",
    "file_write_request",
    "http_request",
    "model_request",
    "tool_request",
]

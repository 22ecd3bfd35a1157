"""The JSON policy format, its translation into Cedar, and the decision core."""

from .document import (
    DENY_ALL_POLICY,
    PolicyProblem,
    format_policy_problems,
    parse_policy_text,
    validate_policy,
)
from .governor import AgentAction, Decision, Governor
from .modes import ACTION_CLASSES, MODES
from .source import LoadedPolicy, load_policy
from .to_cedar import policy_to_cedar

__all__ = [
    "ACTION_CLASSES",
    "DENY_ALL_POLICY",
    "MODES",
    "AgentAction",
    "Decision",
    "Governor",
    "LoadedPolicy",
    "PolicyProblem",
    "format_policy_problems",
    "load_policy",
    "parse_policy_text",
    "policy_to_cedar",
    "validate_policy",
]

"""Deciding with policies: the verdict rules shared by the interceptor and the integrations."""

from .decide import ENFORCEMENT_MODES, NO_POLICY_REASON, Verdict, decide_request, deny_reasons

__all__ = ["ENFORCEMENT_MODES", "NO_POLICY_REASON", "Verdict", "decide_request", "deny_reasons"]

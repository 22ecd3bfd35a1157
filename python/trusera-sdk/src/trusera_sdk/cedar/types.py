"""What the evaluator answers and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Decision = Literal["allow", "deny"]


@dataclass(frozen=True)
class CedarDecision:
    """The answer to one request. ``policy_ids`` are the policies that decided it (the matching
    forbids of a deny, the matching permits of an allow); ``errors`` those that failed to evaluate."""

    decision: Decision
    policy_ids: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    reasons: tuple[str, ...] | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"


@dataclass(frozen=True)
class CedarDiagnostic:
    """A parse or validation problem, placed in the policy text (1-based line and column)."""

    severity: Literal["error", "warning"]
    message: str
    line: int
    column: int
    policy_id: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class PolicyLoadResult:
    """What ``load_policy`` reports when the set was accepted."""

    policy_ids: tuple[str, ...]
    warnings: tuple[CedarDiagnostic, ...] = field(default=())

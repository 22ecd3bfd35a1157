"""How one request is decided, the same way for HTTP calls and framework actions
(packages/sdk/src/policy/decide.ts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..cedar.evaluator import CedarEvaluator

ENFORCEMENT_MODES = ("log", "warn", "block")
# The same words as the TypeScript SDK, so events read alike whichever language recorded them.
NO_POLICY_REASON = "no policy is available and failClosed is on"


@dataclass(frozen=True)
class Verdict:
    """A decision and what enforcement makes of it."""

    decision: str  # "allow" | "deny"
    policy_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    blocked: bool = False
    errors: tuple[str, ...] = ()
    # What an event records of it, as a tuple of plain values (interceptor/wire.py's records).
    plain: tuple[Any, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", (self.decision, tuple(self.policy_ids), tuple(self.reasons), self.blocked))


ALLOW_UNASKED = Verdict("allow")


def deny_reasons(policy_ids: tuple[str, ...], errors: tuple[str, ...]) -> tuple[str, ...]:
    """Why a deny, in words: the forbidding policies, or a default deny; then evaluation errors."""
    reasons = (
        [f"forbidden by policy {p}" for p in policy_ids] if policy_ids else ["no policy permits it (default deny)"]
    )
    reasons.extend(f"evaluation error: {e}" for e in errors)
    return tuple(reasons)


def decide_request(
    evaluator: CedarEvaluator | None,
    request: Callable[[], dict[str, Any]],
    enforcement: str = "log",
    fail_closed: bool = False,
) -> Verdict:
    """With no policy loaded: allowed without asking the engine (denied with ``fail_closed``).
    Otherwise the engine's answer. ``request`` is only called when the engine is asked. Never raises."""
    if evaluator is None or not evaluator.loaded:
        if not fail_closed:
            return ALLOW_UNASKED
        return Verdict("deny", (), (NO_POLICY_REASON,), enforcement == "block")
    try:
        answer = evaluator.evaluate(request())
    except Exception as err:  # noqa: BLE001 - a request that cannot be built is denied, never raised
        return Verdict("deny", (), (f"evaluation error: {err}",), enforcement == "block", (str(err),))
    deny = answer.decision == "deny"
    return Verdict(
        answer.decision,
        answer.policy_ids,
        (answer.reasons or deny_reasons(answer.policy_ids, answer.errors)) if deny else (),
        deny and enforcement == "block",
        answer.errors,
    )

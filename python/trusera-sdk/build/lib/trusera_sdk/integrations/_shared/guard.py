"""The decision and recording core every framework integration shares (the TypeScript SDK's
packages/sdk/src/integrations/shared/guard.ts): decide a tool call, model call or agent step with
Cedar, warn or block as ``enforcement`` says, and track one event per action plus a
``policy_violation`` whenever one is denied. Nothing here raises into the host: the only error an
integration raises is the ``PolicyViolationError`` a run carries in block mode.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from . import core
from .core import PolicyViolationError, TruseraClient, Verdict
from .options import IntegrationOptions
from .pricing import TokenUsage, estimate_cost

Action = Literal["tool_call", "llm_invoke", "decision"]
NOUN = {"tool_call": "tool", "llm_invoke": "model", "decision": "step"}
# Tool inputs are recorded up to this many characters of JSON; the event limit is 256 KiB.
MAX_INPUT_CHARS = 16_384


@dataclass(frozen=True)
class GuardedCall:
    """One action a framework is about to take."""

    action: Action
    name: str
    input: Any = None
    provider: str = "unknown"


ALLOW = Verdict("allow")


@dataclass
class Outcome:
    """How an action ended, for its event."""

    error: Any = None
    usage: TokenUsage | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # For an action decided but not run by the integration: "requested" or "skipped".
    status: str | None = None
    # The action's duration as the framework measured it, when the integration saw only its end.
    duration_ms: float | None = None


def error_text(error: Any) -> str:
    """An error as one line for an event, anything secret-shaped redacted."""
    if isinstance(error, BaseException):
        text = f"{type(error).__name__}: {error}"
    else:
        text = str(error)
    return core.redact_text(text)


def resource_name(value: Any) -> str:
    """The name of an action's resource: a non-empty string, ``"unknown"`` otherwise."""
    return value if isinstance(value, str) and value else "unknown"


def _recorded_input(value: Any) -> tuple[Any, bool]:
    if value is None:
        return None, False
    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return core.redact_text(str(value)), False
    if len(text) <= MAX_INPUT_CHARS:
        return (value if isinstance(value, (dict, list, str, int, float, bool)) else json.loads(text)), False
    return core.redact_text(text[:MAX_INPUT_CHARS]), True


class ActionRun:
    """An action that was decided: blocked (its event already recorded), or running until ``end``."""

    __slots__ = ("verdict", "blocked", "_guard", "_call", "_base", "_metadata", "_started", "_done", "_lock")

    def __init__(self, guard: ActionGuard, call: GuardedCall, verdict: Verdict, base: dict[str, Any], metadata: dict[str, Any]):
        self.verdict = verdict
        self.blocked: PolicyViolationError | None = None
        self._guard = guard
        self._call = call
        self._base = base
        self._metadata = metadata
        self._started = time.perf_counter()
        self._done = False
        self._lock = threading.Lock()

    def end(self, outcome: Outcome | None = None) -> None:
        """Records the action's event, once; later calls do nothing. Never raises."""
        with self._lock:
            if self._done:
                return
            self._done = True
        o = outcome or Outcome()
        try:
            payload: dict[str, Any] = {**self._base, **o.payload}
            if self._call.action == "llm_invoke":
                payload.update(self._guard.usage_fields(self._call.name, o.usage))
            if self.blocked is not None:
                payload["duration_ms"] = 0
                payload["status"] = "blocked"
                payload["error"] = error_text(self.blocked)
            else:
                if o.duration_ms is not None:
                    payload["duration_ms"] = round(o.duration_ms, 3)
                elif o.status is None:
                    payload["duration_ms"] = round((time.perf_counter() - self._started) * 1000, 3)
                payload["status"] = o.status or ("ok" if o.error is None else "error")
                if o.error is not None:
                    payload["error"] = error_text(o.error)
            self._guard.track(self._call.action, self._call, payload, self._metadata)
        except Exception as err:  # noqa: BLE001 - telemetry never raises into the host
            self._guard.options.logger.debug("could not record %s %s: %s", NOUN[self._call.action], self._call.name, err)


class ActionGuard:
    """Decides and records the actions of one integration (``library``: langchain, crewai, ...)."""

    def __init__(self, client: TruseraClient, options: IntegrationOptions, library: str):
        self.client = client
        self.options = options
        self.library = library

    @property
    def enforcement(self) -> str:
        return self.options.enforcement

    def decide(self, call: GuardedCall) -> Verdict:
        """Decides an action without recording anything. Never raises."""
        o = self.options
        ev = o.cedar_evaluator
        request = None
        if ev is not None and ev.loaded:
            try:
                request = self._request(call)
            except Exception as err:  # noqa: BLE001
                # Arguments no request can be built from (a cycle, an object JSON cannot hold; never
                # JSON a model sent): no policy can be asked, which fail_closed decides as for a
                # missing policy.
                reason = f"the request could not be built: {error_text(err)}"
                o.logger.debug("%s %s: %s", NOUN[call.action], call.name, reason)
                if o.fail_closed:
                    return Verdict("deny", (), (reason,), o.enforcement == "block")
                return ALLOW
        verdict = core.decide_request(ev, lambda: request, o.enforcement, o.fail_closed)
        if verdict.errors:
            o.logger.debug("policy evaluation errors for %s %s: %s", NOUN[call.action], call.name, "; ".join(verdict.errors))
        return verdict

    def _request(self, call: GuardedCall) -> dict[str, Any]:
        agent = core.agent_name(self.client) or "unknown"
        if call.action == "tool_call":
            return core.tool_request(agent, call.name, call.input)
        if call.action == "llm_invoke":
            return core.model_request(agent, call.name, call.provider)
        return core.decision_request(agent, call.name)

    def begin(self, call: GuardedCall, verdict: Verdict | None = None, payload: dict[str, Any] | None = None) -> ActionRun:
        """Starts an action decided by ``verdict`` (decided now when not given). A denied one is warned
        about (warn and block modes) and its ``policy_violation`` tracked at once; a blocked one also has
        its event tracked at once, and ``blocked`` holds the error to stop it with."""
        if verdict is None:
            verdict = self.decide(call)
        base = self._base_payload(call, payload or {})
        metadata: dict[str, Any] = {
            "decision": verdict.decision,
            "enforcement": self.options.enforcement,
            "policy_ids": list(verdict.policy_ids),
            "blocked": verdict.blocked,
            "library": self.library,
        }
        if call.action == "llm_invoke":
            metadata["provider"] = call.provider
        run = ActionRun(self, call, verdict, base, metadata)
        if verdict.decision == "deny":
            what = f"{NOUN[call.action]} {call.name}"
            reasons = "; ".join(verdict.reasons)
            if verdict.blocked:
                run.blocked = core.violation(call.action, call.name, self.library, verdict.policy_ids, verdict.reasons)
                self.options.logger.warning("Policy violation (blocked): %s (%s)", what, reasons)
            elif self.options.enforcement == "warn":
                self.options.logger.warning("Policy violation (allowed): %s (%s)", what, reasons)
            self.track("policy_violation", call, {"action": call.action, **base, "reasons": list(verdict.reasons)}, metadata)
            if run.blocked is not None:
                run.end()
        return run

    def _base_payload(self, call: GuardedCall, extra: dict[str, Any]) -> dict[str, Any]:
        if call.action == "tool_call":
            value, truncated = _recorded_input(call.input)
            base: dict[str, Any] = {"tool": call.name, "input": value}
            if truncated:
                base["input_truncated"] = True
            return {**base, **extra}
        if call.action == "llm_invoke":
            return {"model": call.name, "provider": call.provider, **extra}
        return {"step": call.name, **extra}

    def usage_fields(self, model: str, usage: TokenUsage | None) -> dict[str, Any]:
        u = usage or TokenUsage(None, None, None)
        return {
            "input_tokens": u.input_tokens,
            "output_tokens": u.output_tokens,
            "total_tokens": u.total_tokens,
            "estimated_cost_usd": estimate_cost(model, u, self.options.prices),
        }

    def track(self, event_type: str, call: GuardedCall, payload: dict[str, Any], metadata: dict[str, Any]) -> None:
        # track() validates, scrubs secrets from payload and metadata, and never raises.
        name = call.name[:512] if call.name else "unknown"
        core.track(self.client, event_type, name, payload, dict(metadata))


def check_client(who: str, client: Any) -> TruseraClient:
    """The client argument of an integration, checked."""
    if not isinstance(client, TruseraClient):
        raise core.ConfigurationError(f"{who} needs a TruseraClient")
    return client

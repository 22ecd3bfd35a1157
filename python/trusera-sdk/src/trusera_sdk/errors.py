"""One error root for the SDK, with stable codes users can match on (same codes as the TypeScript SDK)."""

from __future__ import annotations

from typing import Sequence


class TruseraError(Exception):
    """Root of every error this SDK raises. ``code`` is stable, e.g. ``TRUSERA_POLICY_VIOLATION``."""

    code: str = "TRUSERA_ERROR"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ConfigurationError(TruseraError, ValueError):
    """An option or argument is missing or out of range (raised at construction, never later)."""

    code = "TRUSERA_CONFIGURATION"


_NOUN = {"tool_call": "tool", "llm_invoke": "model", "decision": "step"}


class PolicyViolationError(TruseraError):
    """A call denied by policy in ``block`` mode; it never ran (for HTTP: nothing left the process).

    For an HTTP call ``action`` is ``api_call`` and ``method`` / ``url`` say what it was; for a
    framework integration ``action`` is ``tool_call``, ``llm_invoke`` or ``decision`` and ``resource``
    names the tool, model or step (``method`` and ``url`` are then empty).

    Example::

        try:
            httpx.get("https://exfil.example/upload")
        except PolicyViolationError as err:
            print(err.policy_ids, err.reasons)
    """

    code = "TRUSERA_POLICY_VIOLATION"
    decision = "deny"

    def __init__(
        self,
        *,
        action: str = "api_call",
        resource: str = "",
        policy_ids: Sequence[str] = (),
        reasons: Sequence[str] = (),
        library: str = "",
        method: str = "",
        url: str = "",
    ) -> None:
        self.action = action
        self.policy_ids: tuple[str, ...] = tuple(policy_ids)
        self.reasons: tuple[str, ...] = tuple(reasons)
        self.library = library
        joined = "; ".join(self.reasons)
        if action == "api_call":
            self.method = method.upper()
            self.url = url or resource
            self.resource = self.url
            message = f"[Trusera] Policy violation: {self.method} {self.url} denied ({joined})"
        else:
            self.method = ""
            self.url = ""
            self.resource = resource
            noun = _NOUN.get(action, action)
            message = f"[Trusera] Policy violation: {noun} {resource} denied - {joined}"
        super().__init__(message)


class PolicyLoadError(TruseraError, ValueError):
    """``CedarEvaluator.load_policy`` refused a policy set: a syntax error, or a policy that does not
    fit the request model (``resource.hostnme``). Each diagnostic has the policy id, line and column."""

    code = "TRUSERA_POLICY_INVALID"

    def __init__(self, diagnostics: Sequence["CedarDiagnostic"]) -> None:  # noqa: F821
        self.diagnostics = tuple(diagnostics)
        lines = [
            f"{d.policy_id + ' ' if d.policy_id else ''}at {d.line}:{d.column}: {d.message}"
            for d in self.diagnostics
        ]
        super().__init__(f"Invalid Cedar policy set: {'; '.join(lines)}")

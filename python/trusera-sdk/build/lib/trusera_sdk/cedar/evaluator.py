"""Decisions with the official Cedar engine: ``cedarpy``, the Python bindings of the Rust engine
(the TypeScript SDK runs the same engine built to Wasm), so one policy decides the same call the
same way in both languages.

A set is parsed and validated once, in ``load_policy``, into a ``cedarpy.PolicySet``; ``evaluate``
asks that parsed set and never parses policy text again.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import cedarpy

from ..errors import ConfigurationError, PolicyLoadError
from .policy_text import PolicyPart, locate_named, position_at, split_policies
from .schema import REQUEST_MODEL_SCHEMA
from .types import CedarDecision, CedarDiagnostic, PolicyLoadResult

DEFAULT_ALLOW_POLICY_ID = "trusera.default-allow"
_DEFAULT_ALLOW = f'@id("{DEFAULT_ALLOW_POLICY_ID}") permit (principal, action, resource);'
_UNFINISHED = "unexpected end of input"
_UNEXPECTED = re.compile(r"^unexpected token `(.+)`$")
_FOR_POLICY = re.compile(r"^for policy `[^`]*`, ")

_UNSET: Any = object()


class _LoadedSet:
    __slots__ = ("policy_set", "ids", "names", "default_decision", "text")

    def __init__(
        self,
        policy_set: Any,
        ids: tuple[str, ...],
        names: dict[str, str],
        default_decision: str,
        text: str,
    ) -> None:
        self.policy_set = policy_set
        self.ids = ids
        self.names = names  # the engine's positional id -> the policy's id
        self.default_decision = default_decision
        self.text = text


def _check_default(value: str) -> str:
    if value not in ("allow", "deny"):
        raise ConfigurationError(f'default_decision must be "allow" or "deny", got {value!r}')
    return value


class CedarEvaluator:
    """Decides Cedar requests (see ``trusera_sdk.cedar`` for the request builders).

    ``default_decision="allow"`` (the default) makes a deny-list: an implicit permit-all with the id
    ``trusera.default-allow`` that every matching ``forbid`` overrides. ``"deny"`` is Cedar's own
    rule, an allow-list. ``schema`` is what policies are validated against: the request model by
    default, ``None`` for no validation.

    Example::

        evaluator = CedarEvaluator()
        evaluator.load_policy('forbid (principal, action == Action::"api_call", resource) '
                              'when { resource.hostname == "evil.example" };')
        evaluator.evaluate(http_request("my-agent", "https://evil.example/x")).decision  # "deny"

    Thread-safe: a load swaps the active set in one step; ``evaluate`` never sees half a set.
    """

    def __init__(self, default_decision: str = "allow", schema: str | None = _UNSET) -> None:
        self._default = _check_default(default_decision)
        self._schema: str | None = REQUEST_MODEL_SCHEMA if schema is _UNSET else schema
        self._set: _LoadedSet | None = None
        self._generation = 0
        self._load_lock = threading.Lock()

    # The seed's name for the same thing.
    def load_policy(self, text: str, default_decision: str | None = None) -> PolicyLoadResult:
        """Parses and validates a policy set and makes it the active one. On failure the previous
        set stays active.

        :raises PolicyLoadError: with the policy id, line and column of every problem.
        """
        if not isinstance(text, str):
            raise ConfigurationError("load_policy needs the policy text as a string")
        decision = _check_default(default_decision or self._default)
        with self._load_lock:
            loaded, warnings = _compile(text, self._schema, decision)
            self._set = loaded
            self._generation += 1
            return PolicyLoadResult(loaded.ids, tuple(warnings))

    def clear(self) -> None:
        """Unloads the active set: ``loaded`` becomes False."""
        with self._load_lock:
            if self._set is not None:
                self._set = None
                self._generation += 1

    def evaluate(self, request: dict[str, Any]) -> CedarDecision:
        """Decides one request. Never raises: an engine failure is a deny with the reason in
        ``errors``. With no set loaded it answers the default decision without asking the engine."""
        loaded = self._set
        if loaded is None:
            return CedarDecision(self._default, (), ("no policy loaded",))
        try:
            entities = request.get("entities") or []
            answer = cedarpy.is_authorized(
                {
                    "principal": request["principal"],
                    "action": request["action"],
                    "resource": request["resource"],
                    "context": request.get("context") or {},
                },
                loaded.policy_set,
                json.dumps(entities, separators=(",", ":")),
            )
            response = answer._authz_resp  # one dict lookup instead of three property hops
        except Exception as err:  # noqa: BLE001 - a decision never raises
            return CedarDecision("deny", (), (f"cedar: {err}",))
        diagnostics = response.get("diagnostics") or {}
        names = diagnostics.get("id_annotations_by_reason") or {}
        ids = tuple(names.get(r) or loaded.names.get(r, r) for r in diagnostics.get("reason", ()))
        errors = tuple(_error_text(e, loaded) for e in diagnostics.get("errors", ()))
        decision = response.get("decision")
        if decision == "Allow":
            return CedarDecision("allow", ids, errors)
        return CedarDecision("deny", ids, errors)

    @property
    def loaded(self) -> bool:
        return self._set is not None

    @property
    def policy_ids(self) -> tuple[str, ...]:
        s = self._set
        return s.ids if s is not None else ()

    @property
    def default_decision(self) -> str:
        s = self._set
        return s.default_decision if s is not None else self._default

    @property
    def generation(self) -> int:
        """Changes each time the active set changes; decisions cached under one stay exact."""
        return self._generation


def _error_text(error: Any, loaded: _LoadedSet) -> str:
    if isinstance(error, dict):
        pid = error.get("policy_id") or error.get("policyId") or ""
        pid = loaded.names.get(pid, pid)
        inner = error.get("error")
        msg = inner.get("message") if isinstance(inner, dict) else inner
        return f"{pid}: {msg}" if pid else str(msg)
    return str(error)


def _diag(text: str, offset: int, message: str, policy_id: str | None) -> CedarDiagnostic:
    line, column = position_at(text, offset)
    return CedarDiagnostic("error", message, line, column, policy_id)


def _parse_error(text: str, part: PolicyPart, message: str) -> CedarDiagnostic:
    """Places a parse error. A prefix of the policy's tokens that the engine reads (as a whole policy
    or as one merely unfinished) is viable; the first token that makes a prefix not viable is the bad
    one. Viable prefixes are closed under shortening, so a bisection finds it."""
    toks = part.tokens
    lo, hi = 0, len(toks)  # invariant: lo tokens are viable, hi tokens are not (the whole fails)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            cedarpy.PolicySet.from_str(text[part.offset : toks[mid - 1].end])
            viable = True
        except ValueError as err:
            viable = str(err) == _UNFINISHED
        if viable:
            lo = mid
        else:
            hi = mid
    if message == "invalid token":  # the lexer's: an unterminated string or a stray character
        bad = next((t for t in toks if t.kind in ("open_string", "other")), toks[hi - 1])
        return _diag(text, bad.start, message, part.id)
    named = _UNEXPECTED.match(message)
    if named:
        # The engine names the token it could not take; it is at or before the first token that
        # ended the viable prefix (the parser may read one token further before it gives up).
        for tok in reversed(toks[:hi]):
            if tok.text == named.group(1):
                return _diag(text, tok.start, message, part.id)
    if hi < len(toks):
        return _diag(text, toks[hi - 1].start, message, part.id)
    if message == _UNFINISHED:
        return _diag(text, toks[-1].end, message, part.id)
    # Every proper prefix reads: the engine refused the whole policy for what it names.
    return _diag(text, locate_named(part, message), message, part.id)


def _compile(text: str, schema: str | None, default_decision: str) -> tuple[_LoadedSet, list[CedarDiagnostic]]:
    parts = split_policies(text)
    errors: list[CedarDiagnostic] = []
    seen: set[str] = set()
    for part in parts:
        if any(t.kind == "slot" for t in part.tokens):
            slot = next(t for t in part.tokens if t.kind == "slot")
            errors.append(_diag(text, slot.start, "policy templates are not supported; link them first", part.id))
        elif part.id in seen or part.id == DEFAULT_ALLOW_POLICY_ID:
            errors.append(_diag(text, part.offset, f'duplicate policy id "{part.id}"', part.id))
        seen.add(part.id)
    if errors:
        raise PolicyLoadError(errors)
    try:
        policy_set = cedarpy.PolicySet.from_str(text)
    except ValueError as err:
        for part in parts:
            try:
                cedarpy.PolicySet.from_str(part.text)
            except ValueError as one:
                errors.append(_parse_error(text, part, str(one)))
        if not errors:
            errors.append(_diag(text, 0, str(err), None))
        raise PolicyLoadError(errors) from None
    if len(policy_set) != len(parts):
        raise PolicyLoadError([_diag(text, 0, "the policy text could not be split into policies", None)])
    by_engine_id = {f"policy{i}": p for i, p in enumerate(parts)}
    if schema is not None and parts:
        try:
            result = cedarpy.validate_policies(text, schema)
        except ValueError as err:
            raise PolicyLoadError([_diag(text, 0, f"schema: {err}", None)]) from None
        if not result.validation_passed:
            for e in result.errors:
                part = by_engine_id.get(e.policy_id)
                message = _FOR_POLICY.sub("", e.error)
                if part is None:
                    errors.append(_diag(text, 0, message, None))
                else:
                    errors.append(_diag(text, locate_named(part, message, (e.policy_id,)), message, part.id))
            raise PolicyLoadError(errors)
    if default_decision == "allow":
        policy_set = policy_set.with_added_str(_DEFAULT_ALLOW)
    names = {engine_id: part.id for engine_id, part in by_engine_id.items()}
    names[f"policy{len(parts)}"] = DEFAULT_ALLOW_POLICY_ID
    return _LoadedSet(policy_set, tuple(p.id for p in parts), names, default_decision, text), []

"""
The decision core, as packages/core/src/policy/governor.ts: a policy compiled into Cedar once (the
official engine through ``cedarpy``), a mode fixed at construction, and a synchronous ``decide``.
SDK actions are ``agent_action`` requests; a shell command (``shell_exec``) is decided from a
classification the caller gives (the classification table itself is the CLI's, classify.ts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cedarpy

from ..errors import ConfigurationError
from ..receipts.canonical import canonical_json
from ..receipts.hashing import sha256_hex
from .document import validate_policy
from .modes import is_action_class, is_mode
from .requests import agent_action_request, command_request
from .schema import REQUEST_MODEL_SCHEMA
from .to_cedar import DEFAULT_ALLOW_POLICY_ID, policy_to_cedar, policy_uses

_schema: Any | None = None


def _request_schema() -> Any:
    global _schema
    if _schema is None:
        _schema = cedarpy.Schema.from_str(REQUEST_MODEL_SCHEMA)
    return _schema


@dataclass(frozen=True)
class AgentAction:
    """An action the SDK decides: ``action`` names it, ``target`` is what it acts on."""

    action: str
    target: str
    action_class: str
    hosts: Sequence[str] = ()
    paths: Sequence[str] = ()


@dataclass(frozen=True)
class CommandAction:
    """A shell command, already classified: its class and the hosts and files it names."""

    binary: str
    args: Sequence[str]
    cwd: str
    action_class: str
    hosts: Sequence[str] = ()
    paths: Sequence[str] = ()


@dataclass(frozen=True)
class Decision:
    #: What the policy says (what ``strict`` mode would do).
    outcome: str
    #: Whether the caller must stop the action now, given the mode.
    block: bool
    mode: str
    #: ``rule:<id>``, ``default_allow``, ``default_deny`` or ``policy_error``.
    reason_code: str
    #: The matching deny rules for a deny, the matching allow rules otherwise, in policy order.
    rule_ids: list[str]
    action_class: str
    hosts: list[str]
    paths: list[str]
    #: Evaluation errors the engine reported (an action with errors is denied).
    errors: list[str] = field(default_factory=list)


class Governor:
    def __init__(self, policy: dict[str, Any], mode: str, home: str = "/") -> None:
        """Compiles ``policy`` (validated first). @raises ConfigurationError when it is not valid."""
        if not is_mode(mode):
            raise ConfigurationError(f"mode must be audit, strict or permissive, got {mode!r}")
        checked = validate_policy(policy)
        if not checked.ok or checked.policy is None:
            raise ConfigurationError("invalid policy: " + "; ".join(f"{e.pointer}: {e.message}" for e in checked.errors))
        self.mode = mode
        self.policy = checked.policy
        #: Hex SHA-256 of the policy's JCS form: which policy decided, written into every receipt.
        self.policy_digest = sha256_hex(canonical_json(self.policy))
        #: The generated Cedar text.
        self.cedar = policy_to_cedar(self.policy, home=home)
        self._uses_hosts, self._uses_paths = policy_uses(self.policy)
        self._rank = {r["id"]: i for i, r in enumerate(self.policy["rules"])}
        text = self.cedar
        if text:
            answer = cedarpy.validate_policies(text, _request_schema())
            if not answer.validation_passed:
                # Our translation produced Cedar the schema refuses: a bug here, not in the user's file.
                raise ConfigurationError("policy translation failed: " + "; ".join(str(e.error) for e in answer.errors))
        if self.policy["defaultAction"] == "allow":
            text += f'\n\n@id("{DEFAULT_ALLOW_POLICY_ID}")\npermit (principal, action, resource);'
        try:
            self._set = cedarpy.PolicySet.from_str(text)
        except ValueError as err:
            raise ConfigurationError(f"policy translation failed: {err}") from err

    def decide(self, agent_id: str, act: AgentAction | CommandAction) -> Decision:
        """Decides one action. Engine faults deny (``policy_error``); never raises for a well-formed action."""
        if not is_action_class(act.action_class):
            raise ConfigurationError(f"unknown action class {act.action_class!r}")
        build: Callable[[str, str], dict[str, Any]]
        if isinstance(act, CommandAction):
            cmd = act
            hosts = list(cmd.hosts)
            paths = list(cmd.paths)

            def build(host: str, path: str) -> dict[str, Any]:
                return command_request(agent_id, cmd.binary, cmd.args, cmd.action_class, cmd.cwd, hosts, host, path)
        else:
            sdk = act
            hosts = [h.lower() for h in sdk.hosts]
            paths = list(sdk.paths)

            def build(host: str, path: str) -> dict[str, Any]:
                return agent_action_request(agent_id, sdk.action, sdk.target, sdk.action_class, host, path)

        host_list = hosts if self._uses_hosts and hosts else [""]
        path_list = paths if self._uses_paths and paths else [""]

        # Every (host, file) pair must be allowed; a deny by a rule settles it at once.
        denied: tuple[list[str], list[str]] | None = None
        allowed_by: list[str] | None = None
        errors: list[str] = []
        for host in host_list:
            for path in path_list:
                decision, ids, errs = self._evaluate(build(host, path))
                errors.extend(errs)
                if decision == "deny":
                    if denied is None or (not denied[0] and ids):
                        denied = (ids, errs)
                    if ids:
                        break
                elif allowed_by is None:
                    allowed_by = ids
            else:
                continue
            break
        if denied is not None:
            rule_ids = self._order(denied[0])
            reason = f"rule:{rule_ids[0]}" if rule_ids else "policy_error" if denied[1] else "default_deny"
            block = self.mode == "strict" or (self.mode == "permissive" and (bool(rule_ids) or reason == "policy_error"))
            return Decision("deny", block, self.mode, reason, rule_ids, act.action_class, hosts, paths, errors)
        rule_ids = self._order([i for i in (allowed_by or []) if i != DEFAULT_ALLOW_POLICY_ID])
        reason = f"rule:{rule_ids[0]}" if rule_ids else "default_allow"
        return Decision("allow", False, self.mode, reason, rule_ids, act.action_class, hosts, paths, errors)

    def _evaluate(self, request: dict[str, Any]) -> tuple[str, list[str], list[str]]:
        try:
            entities = request.pop("entities")
            answer = cedarpy.is_authorized(request, self._set, entities)
        except Exception as err:  # noqa: BLE001 - any engine fault is a deny, never an exception to the host
            return "deny", [], [f"cedar: {err}"]
        diagnostics = answer.diagnostics
        by_reason = diagnostics.id_annotations_by_reason or {}
        ids = [by_reason.get(r, r) for r in diagnostics.reasons]
        errors = [str(e) for e in diagnostics.errors]
        return ("allow" if answer.allowed else "deny"), ids, errors

    def _order(self, ids: list[str]) -> list[str]:
        return sorted(ids, key=lambda i: self._rank.get(i, 10**9))

"""
The governance client: decides every action with the policy (Cedar), runs it only when allowed,
and seals a signed, chained receipt of every decision, denials included. The Python face of
packages/cli/src/sdk/client.ts, with the seed's names (``Client_init``, ``executeActionWithReceipt``).
"""

from __future__ import annotations

import inspect
import os
import secrets
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from .errors import ConfigurationError, DeniedError
from .policy.governor import AgentAction, Decision, Governor
from .policy.modes import ACTION_CLASSES, is_action_class, is_mode
from .policy.source import load_policy
from .receipts.build import build_action_receipt
from .receipts.canonical import CanonicalizationError
from .receipts.clock import now_iso
from .receipts.hashing import content_hash
from .state.paths import resolve_state_dir
from .state.writer import ReceiptWriter

T = TypeVar("T")

_CONFIG_KEYS = {"agentId", "agent_id", "policy", "mode", "stateDir", "state_dir", "connector", "fsync"}
_OPTION_KEYS = {"target", "action_class", "action", "hosts", "paths", "context", "input"}
DEFAULT_CONNECTOR = "transient-trace/python-sdk"


def _pick(config: Mapping[str, Any], camel: str, snake: str) -> Any:
    return config[camel] if camel in config else config.get(snake)


def _hash_of(value: Any) -> dict[str, str] | None:
    """The JCS hash of plain JSON data; None for anything else (an object, a cycle, NaN)."""
    if not isinstance(value, (dict, list, tuple, str, int, float, bool)) and value is not None:
        return None
    try:
        return content_hash(value)
    except (CanonicalizationError, RecursionError):
        return None


def _output_hash(result: Any) -> dict[str, str] | None:
    # A function that returns nothing (None) is TypeScript's void function: no output to hash.
    return None if result is None else _hash_of(result)


class Receipt(dict):  # type: ignore[type-arg]
    """
    A sealed receipt, exactly as written to the log. ``receipt["outcome"]`` is the seed's shorthand
    for ``receipt["decision"]["outcome"]`` (where ATP keeps it); it is not a member of the signed
    receipt, so the log stays byte for byte what the TypeScript writer would write.
    """

    def __missing__(self, key: str) -> Any:
        if key == "outcome":
            return self["decision"]["outcome"]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self or key == "outcome" else default


class TransientTraceClient:
    """Made by ``Client_init``; see there."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        if not isinstance(config, Mapping):
            raise ConfigurationError('Client_init needs a config dict: {"agentId": ..., "policy": {...}}')
        unknown = sorted(set(config) - _CONFIG_KEYS)
        if unknown:
            raise ConfigurationError(f"unknown Client_init option(s) {', '.join(unknown)} (known: {', '.join(sorted(_CONFIG_KEYS))})")
        agent_id = _pick(config, "agentId", "agent_id")
        if not isinstance(agent_id, str) or agent_id.strip() == "":
            raise ConfigurationError("agentId must be a non-empty string")
        mode = config.get("mode", "strict")
        if not is_mode(mode):
            raise ConfigurationError(f"mode must be audit, strict or permissive, got {mode!r}")
        connector = config.get("connector") or DEFAULT_CONNECTOR
        if not isinstance(connector, str):
            raise ConfigurationError("connector must be a string")
        state_dir = _pick(config, "stateDir", "state_dir")
        if state_dir is not None and not isinstance(state_dir, (str, os.PathLike)):
            raise ConfigurationError("stateDir must be a path")
        self.agent_id: str = agent_id
        #: Fixed for the client's life and never read from the environment, so a child cannot weaken it.
        self.mode: str = mode
        self.connector: str = connector
        loaded = load_policy(config.get("policy"))
        self.policy_source = loaded.where
        self.governor = Governor(loaded.policy, mode, home=os.path.expanduser("~"))
        self.state_dir: str = os.path.abspath(os.fspath(state_dir)) if state_dir is not None else resolve_state_dir()
        self._writer = ReceiptWriter(self.state_dir, fsync=bool(config.get("fsync", False)))
        self._correlation = f"{connector.rsplit('/', 1)[-1]}-{os.getpid()}-{secrets.token_hex(4)}"
        self._count = 0
        self._count_lock = threading.Lock()

    # Seed spelling first; snake_case aliases below.
    @property
    def agentId(self) -> str:  # noqa: N802 - the seed's name
        return self.agent_id

    def executeActionWithReceipt(self, fn: Callable[[], T], options: Mapping[str, Any]) -> dict[str, Any]:  # noqa: N802
        """
        Decides the action, runs ``fn`` when allowed, and returns ``{"result": ..., "receipt": {...}}``.

        Raises ``DeniedError`` (a ``RuntimeError``: ``Denied: <reason_code>``) when the policy denies
        it and the mode blocks; the receipt (``execution_status: "blocked"``) is written first. If
        ``fn`` raises, a receipt with ``execution_status: "error"`` is written and the error re-raised.
        """
        if inspect.iscoroutinefunction(fn):
            raise ConfigurationError("executeActionWithReceipt runs a plain function; use aexecute_action_with_receipt for a coroutine")
        act, decision, base = self._begin(fn, options)
        try:
            result = fn()
        except BaseException as err:
            self._seal(act, decision, "error", {**base, "error": _error_text(err)})
            raise
        if inspect.isawaitable(result):
            # The action has not run: the awaitable would run it after the receipt said "executed".
            close = getattr(result, "close", None)
            if callable(close):
                close()
            self._seal(act, decision, "error", {**base, "error": "TypeError: the action returned an awaitable"})
            raise ConfigurationError("the action returned an awaitable; use aexecute_action_with_receipt for async actions")
        return {"result": result, "receipt": self._seal(act, decision, "executed", {**base, "output_hash": _output_hash(result)})}

    async def aexecute_action_with_receipt(self, fn: Callable[[], Awaitable[T]], options: Mapping[str, Any]) -> dict[str, Any]:
        """``executeActionWithReceipt`` for async actions: ``fn()`` may return an awaitable."""
        act, decision, base = self._begin(fn, options)
        try:
            pending: Any = fn()
            result = await pending if inspect.isawaitable(pending) else pending
        except BaseException as err:
            self._seal(act, decision, "error", {**base, "error": _error_text(err)})
            raise
        return {"result": result, "receipt": self._seal(act, decision, "executed", {**base, "output_hash": _output_hash(result)})}

    execute_action_with_receipt = executeActionWithReceipt

    def decide(self, options: Mapping[str, Any]) -> Decision:
        """What the policy says about an action, without running anything or writing a receipt."""
        return self.governor.decide(self.agent_id, _action(options)[0])

    def close(self) -> None:
        """Flushes and closes the log; the client can still be used afterwards (the log reopens)."""
        self._writer.close()

    def __enter__(self) -> TransientTraceClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- internals ---

    def _begin(self, fn: Any, options: Mapping[str, Any]) -> tuple[AgentAction, dict[str, Any], dict[str, Any]]:
        if not callable(fn):
            raise ConfigurationError("executeActionWithReceipt needs a function to run")
        act, target, context, input_hash = _action(options)
        # Fail closed: a state directory that cannot take the receipt stops the action before it runs.
        self._writer.open()
        requested_at = now_iso()
        decision = self.governor.decide(self.agent_id, act)
        timed = {"decision": decision, "requested_at": requested_at, "decided_at": now_iso()}
        base = {"target": target, "context": context, "input_hash": input_hash}
        if decision.block:
            receipt = self._seal(act, timed, "blocked", base)
            raise DeniedError(decision.reason_code, receipt)
        return act, timed, base

    def _seal(self, act: AgentAction, timed: dict[str, Any], status: str, extra: dict[str, Any]) -> dict[str, Any]:
        d: Decision = timed["decision"]
        context: dict[str, Any] = dict(extra.get("context") or {})
        if d.hosts:
            context["hosts"] = d.hosts
        if d.paths:
            context["paths"] = d.paths
        with self._count_lock:
            self._count += 1
            n = self._count
        body = build_action_receipt(
            actor_id=self.agent_id,
            connector=self.connector,
            action=act.action,
            action_class=d.action_class,
            target=extra["target"],
            context=context,
            outcome=d.outcome,
            block=d.block,
            mode=d.mode,
            reason_code=d.reason_code,
            rule_ids=d.rule_ids,
            errors=d.errors,
            policy_digest=self.governor.policy_digest,
            execution_status=status,
            requested_at=timed["requested_at"],
            decided_at=timed["decided_at"],
            correlation_id=f"{self._correlation}:{n}",
            input_hash=extra.get("input_hash"),
            output_hash=extra.get("output_hash"),
            error=extra.get("error"),
        )
        return Receipt(self._writer.record(body))


def _error_text(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def _action(options: Mapping[str, Any]) -> tuple[AgentAction, dict[str, Any], dict[str, Any], dict[str, str] | None]:
    if not isinstance(options, Mapping):
        raise ConfigurationError('executeActionWithReceipt needs {"target": ..., "action_class": ...}')
    unknown = sorted(set(options) - _OPTION_KEYS)
    if unknown:
        raise ConfigurationError(f"unknown action option(s) {', '.join(unknown)} (known: {', '.join(sorted(_OPTION_KEYS))})")
    action_class: Any = options.get("action_class")
    if not is_action_class(action_class):
        raise ConfigurationError(f"action_class must be one of {', '.join(ACTION_CLASSES)}, got {action_class!r}")
    raw_target = options.get("target")
    if isinstance(raw_target, str):
        target: dict[str, Any] = {"id": raw_target}
        target_text = raw_target
    elif isinstance(raw_target, Mapping):
        target = dict(raw_target)
        target_text = target["id"] if isinstance(target.get("id"), str) else _json_text(target)
    else:
        raise ConfigurationError(f"target must be a string or a dict, got {type(raw_target).__name__}")
    action = options.get("action", "execute")
    if not isinstance(action, str) or action == "":
        raise ConfigurationError("action must be a non-empty string")
    hosts = _strings(options, "hosts")
    paths = _strings(options, "paths")
    context = options.get("context") or {}
    if not isinstance(context, Mapping):
        raise ConfigurationError("context must be a dict")
    input_hash = _hash_of(options["input"]) if "input" in options else None
    return AgentAction(action, target_text, action_class, hosts, paths), target, dict(context), input_hash


def _strings(options: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = options.get(name) or ()
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{name} must be a list of strings")
    return tuple(value)


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def Client_init(config: Mapping[str, Any]) -> TransientTraceClient:  # noqa: N802 - the seed's name
    """
    Makes a governance client: ``Client_init({"agentId": "my-agent", "policy": policy})``.

    Config: ``agentId`` (required), ``policy`` (a dict in the JSON format, its JSON text or a file
    path; left out: ``$ATP_POLICY_PATH``, then ``./.atp/policy.json``, then deny-all), ``mode``
    (``strict`` by default: a deny raises; ``permissive``; ``audit``), ``stateDir`` (default the
    CLI's: ``$TRANSIENT_TRACE_STATE_DIR``, the config's ``state_dir``, ``~/.transient-trace``),
    ``connector``, ``fsync``. snake_case spellings (``agent_id``, ``state_dir``) are accepted too.

    @raises ConfigurationError when the config or the policy is not valid.
    """
    return TransientTraceClient(config)


client_init = Client_init

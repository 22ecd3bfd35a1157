"""``TruseraCrewCallback``: governs CrewAI crews through CrewAI's step callback and its tool and LLM
call hooks."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime
from typing import Any, Mapping

from .._shared.core import ConfigurationError, TruseraClient
from .._shared.guard import ActionGuard, ActionRun, GuardedCall, Outcome, Verdict, check_client, resource_name
from .._shared.options import resolve_options
from .._shared.pricing import usage_of

WHO = "TruseraCrewCallback"


def _model_name(llm: Any) -> str:
    model = llm if isinstance(llm, str) else getattr(llm, "model", None)
    return resource_name(model)


def _provider(llm: Any, model: str) -> str:
    provider = getattr(llm, "provider", None)
    if isinstance(provider, str) and provider:
        return provider
    return model.split("/", 1)[0] if "/" in model else "unknown"


def _agent_key(agent: Any) -> str | None:
    ident = getattr(agent, "id", None)
    return None if ident is None else str(ident)


def _abort(reason: str) -> Any:
    """Stops a hooked call: ``HookAborted`` (CrewAI 1.x hands its reason to the caller), else the
    legacy ``False``. Any other exception from a hook CrewAI swallows (fail-open), so none is used."""
    try:
        from crewai.hooks import HookAborted  # noqa: PLC0415 - lazy: the framework
    except ImportError:
        return False
    raise HookAborted(reason, source=WHO)


class TruseraCrewCallback:
    """Decides and records what a CrewAI crew does: each tool call (``tool_call``) and model call
    (``llm_invoke``) through CrewAI's call hooks, and each agent step (``decision``) through the
    crew's ``step_callback``.

    In ``block`` mode a denied tool never runs (CrewAI tells the agent the call was blocked and the
    agent goes on), and a denied model call is never made (the crew's ``kickoff()`` fails). Steps are
    reported after they happened: a denied step is recorded with a ``policy_violation``, not blocked.

    The hooks are CrewAI's global hooks, installed when the callback is made (``install=False`` to
    do it later with ``install()``; it must happen before ``kickoff()``: each agent takes a snapshot
    of the LLM hooks when it starts). ``uninstall()`` removes them; a ``with`` block does both.

    Example::

        callback = TruseraCrewCallback(client, enforcement="block", cedar_evaluator=evaluator)
        crew = Crew(agents=[researcher], tasks=[task], step_callback=callback.step_callback)
        crew.kickoff()
        callback.uninstall()

    :raises ConfigurationError: when ``client`` is not a TruseraClient, an option is wrong, or (with
        ``install``) the installed CrewAI has no call hooks.
    """

    def __init__(
        self,
        client: TruseraClient,
        *,
        enforcement: str = "log",
        cedar_evaluator: Any = None,
        fail_closed: bool = False,
        prices: Mapping[str, Any] | None = None,
        logger: Any = None,
        install: bool = True,
    ) -> None:
        options = resolve_options(
            WHO, enforcement=enforcement, cedar_evaluator=cedar_evaluator, fail_closed=fail_closed, prices=prices, logger=logger
        )
        self._guard = ActionGuard(check_client(WHO, client), options, "crewai")
        self._tool_runs: dict[tuple[str, int], ActionRun] = {}
        # Model calls begun in the hook, per agent id, ended by CrewAI's LLM events (in call order:
        # one agent's model calls are sequential).
        self._llm_runs: dict[str | None, deque[ActionRun]] = {}
        self._llm_started: dict[str, datetime] = {}
        self._bus_handlers: list[tuple[Any, Any]] = []
        self._lock = threading.Lock()
        self._installed = False
        if install:
            # As the seed's example uses it: made, then handed to Crew(step_callback=...) only.
            self.install()

    # -- steps
    def step_callback(self, step: Any) -> None:
        """For ``Crew(step_callback=...)`` or ``Agent(step_callback=...)``: one ``decision`` event per
        step (``agent_action``, ``agent_finish`` or ``tool_result``). Never raises."""
        try:
            kind = {"AgentAction": "agent_action", "AgentFinish": "agent_finish", "ToolResult": "tool_result"}.get(
                type(step).__name__, "step"
            )
            payload: dict[str, Any] = {"kind": kind}
            tool = getattr(step, "tool", None)
            if isinstance(tool, str) and tool:
                payload["tool"] = tool
            thought = getattr(step, "thought", None)
            if isinstance(thought, str) and thought:
                payload["thought"] = thought[:2048]
            call = GuardedCall("decision", kind)
            v = self._guard.decide(call)
            # After the fact: recorded as decided, never blocked.
            run = self._guard.begin(call, Verdict(v.decision, v.policy_ids, v.reasons, False), payload)
            run.end(Outcome(status="ok"))
        except Exception as err:  # noqa: BLE001 - never into the host
            self._guard.options.logger.debug("%s: %s", WHO, err)

    # -- hooks
    def before_tool_call(self, context: Any) -> Any:
        """CrewAI ``before_tool_call`` hook (installed by ``install()``)."""
        name = resource_name(getattr(context, "tool_name", None))
        tool_input = getattr(context, "tool_input", None)
        try:
            run = self._guard.begin(GuardedCall("tool_call", name, dict(tool_input) if isinstance(tool_input, Mapping) else tool_input))
        except Exception as err:  # noqa: BLE001
            self._guard.options.logger.debug("%s: %s", WHO, err)
            return None
        if run.blocked is not None:
            return _abort(str(run.blocked))
        with self._lock:
            self._tool_runs[(name, id(tool_input))] = run
        return None

    def after_tool_call(self, context: Any) -> None:
        """CrewAI ``after_tool_call`` hook: ends the tool's event."""
        name = resource_name(getattr(context, "tool_name", None))
        with self._lock:
            run = self._tool_runs.pop((name, id(getattr(context, "tool_input", None))), None)
        if run is not None:
            result = getattr(context, "tool_result", None)
            failed = isinstance(result, str) and result.startswith("Error executing tool")
            run.end(Outcome(error=result) if failed else None)
        return None

    def before_llm_call(self, context: Any) -> Any:
        """CrewAI ``before_llm_call`` hook: decides the model call (a blocked one is never made)."""
        llm = getattr(context, "llm", None)
        model = _model_name(llm)
        try:
            run = self._guard.begin(GuardedCall("llm_invoke", model, provider=_provider(llm, model)))
        except Exception as err:  # noqa: BLE001
            self._guard.options.logger.debug("%s: %s", WHO, err)
            return None
        if run.blocked is not None:
            return _abort(str(run.blocked))
        key = _agent_key(getattr(context, "agent", None))
        with self._lock:
            runs = self._llm_runs.setdefault(key, deque(maxlen=64))
            runs.append(run)
        return None

    def _pop_llm_run(self, event: Any) -> ActionRun | None:
        with self._lock:
            runs = self._llm_runs.get(getattr(event, "agent_id", None))
            return runs.popleft() if runs else None

    def _on_llm_started(self, source: Any, event: Any) -> None:
        call_id = getattr(event, "call_id", None)
        if call_id is not None:
            with self._lock:
                if len(self._llm_started) > 1024:
                    self._llm_started.clear()
                self._llm_started[call_id] = event.timestamp

    def _duration(self, event: Any) -> float | None:
        with self._lock:
            started = self._llm_started.pop(getattr(event, "call_id", None), None)
        if started is None:
            return None
        return max(0.0, (event.timestamp - started).total_seconds() * 1000)

    def _on_llm_completed(self, source: Any, event: Any) -> None:
        """Ends a model call's event with the usage CrewAI reports (its hooks carry none)."""
        run = self._pop_llm_run(event)
        if run is None:
            return
        u = getattr(event, "usage", None) or {}
        usage = usage_of(
            u.get("prompt_tokens", u.get("input_tokens")), u.get("completion_tokens", u.get("output_tokens")), u.get("total_tokens")
        ) if isinstance(u, Mapping) and u else None
        finish = getattr(event, "finish_reason", None)
        run.end(Outcome(usage=usage, duration_ms=self._duration(event), payload={"finish_reason": finish} if finish else {}))

    def _on_llm_failed(self, source: Any, event: Any) -> None:
        run = self._pop_llm_run(event)
        if run is not None:
            run.end(Outcome(error=getattr(event, "error", "the model call failed"), duration_ms=self._duration(event)))

    def install(self) -> TruseraCrewCallback:
        """Registers the hooks with CrewAI (global: every crew created after this), and handlers
        for CrewAI's LLM events, which carry the token usage.

        :raises ConfigurationError: when the installed CrewAI has no call hooks (before 1.0).
        """
        if self._installed:
            return self
        try:
            from crewai import hooks  # noqa: PLC0415 - lazy: the framework
        except ImportError as err:
            raise ConfigurationError(f"{WHO}.install needs crewai 1.0 or later (crewai.hooks): {err}") from err
        try:
            from crewai.events import crewai_event_bus  # noqa: PLC0415
            from crewai.events.types.llm_events import LLMCallCompletedEvent, LLMCallFailedEvent, LLMCallStartedEvent  # noqa: PLC0415
        except ImportError as err:
            raise ConfigurationError(f"{WHO}.install needs crewai 1.0 or later (crewai.events): {err}") from err
        hooks.register_before_tool_call_hook(self.before_tool_call)
        hooks.register_after_tool_call_hook(self.after_tool_call)
        hooks.register_before_llm_call_hook(self.before_llm_call)

        self._bus_handlers = [
            (LLMCallStartedEvent, self._on_llm_started),
            (LLMCallCompletedEvent, self._on_llm_completed),
            (LLMCallFailedEvent, self._on_llm_failed),
        ]
        for event_type, handler in self._bus_handlers:
            crewai_event_bus.on(event_type)(handler)
        self._installed = True
        return self

    def uninstall(self) -> None:
        """Removes the hooks ``install()`` registered."""
        if not self._installed:
            return
        from crewai import hooks  # noqa: PLC0415

        hooks.unregister_before_tool_call_hook(self.before_tool_call)
        hooks.unregister_after_tool_call_hook(self.after_tool_call)
        hooks.unregister_before_llm_call_hook(self.before_llm_call)
        from crewai.events import crewai_event_bus  # noqa: PLC0415

        for event_type, handler in self._bus_handlers:
            crewai_event_bus.off(event_type, handler)
        self._bus_handlers = []
        self._installed = False

    def __enter__(self) -> TruseraCrewCallback:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

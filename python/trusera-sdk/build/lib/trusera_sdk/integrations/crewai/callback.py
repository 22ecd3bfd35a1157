"""``TruseraCrewCallback``: governs CrewAI crews through CrewAI's step callback and its tool and LLM
call hooks."""

from __future__ import annotations

import threading
from typing import Any, Mapping

from .._shared.core import ConfigurationError, TruseraClient
from .._shared.guard import ActionGuard, ActionRun, GuardedCall, Outcome, Verdict, check_client, resource_name
from .._shared.options import resolve_options

WHO = "TruseraCrewCallback"


def _model_name(llm: Any) -> str:
    model = llm if isinstance(llm, str) else getattr(llm, "model", None)
    return resource_name(model)


def _provider(llm: Any, model: str) -> str:
    provider = getattr(llm, "provider", None)
    if isinstance(provider, str) and provider:
        return provider
    return model.split("/", 1)[0] if "/" in model else "unknown"


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

    The hooks are CrewAI's global hooks: ``install()`` them before creating the crew (each agent
    takes a snapshot of the LLM hooks when it starts), ``uninstall()`` when done, or use a ``with``.

    Example::

        callback = TruseraCrewCallback(client, enforcement="block", cedar_evaluator=evaluator)
        with callback:
            crew = Crew(agents=[researcher], tasks=[task], step_callback=callback.step_callback)
            crew.kickoff()

    :raises ConfigurationError: when ``client`` is not a TruseraClient or an option is wrong.
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
    ) -> None:
        options = resolve_options(
            WHO, enforcement=enforcement, cedar_evaluator=cedar_evaluator, fail_closed=fail_closed, prices=prices, logger=logger
        )
        self._guard = ActionGuard(check_client(WHO, client), options, "crewai")
        self._tool_runs: dict[tuple[str, int], ActionRun] = {}
        self._llm_runs: dict[int, ActionRun] = {}
        self._lock = threading.Lock()
        self._installed = False

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
        """CrewAI ``before_llm_call`` hook."""
        llm = getattr(context, "llm", None)
        model = _model_name(llm)
        try:
            run = self._guard.begin(GuardedCall("llm_invoke", model, provider=_provider(llm, model)))
        except Exception as err:  # noqa: BLE001
            self._guard.options.logger.debug("%s: %s", WHO, err)
            return None
        if run.blocked is not None:
            return _abort(str(run.blocked))
        with self._lock:
            self._llm_runs[id(getattr(context, "messages", None))] = run
        return None

    def after_llm_call(self, context: Any) -> None:
        """CrewAI ``after_llm_call`` hook: ends the model call's event (CrewAI's hooks carry no token
        counts, so those are null)."""
        with self._lock:
            run = self._llm_runs.pop(id(getattr(context, "messages", None)), None)
        if run is not None:
            run.end()
        return None

    def install(self) -> TruseraCrewCallback:
        """Registers the four hooks with CrewAI (global: every crew created after this).

        :raises ConfigurationError: when the installed CrewAI has no call hooks (before 1.0).
        """
        if self._installed:
            return self
        try:
            from crewai import hooks  # noqa: PLC0415 - lazy: the framework
        except ImportError as err:
            raise ConfigurationError(f"{WHO}.install needs crewai 1.0 or later (crewai.hooks): {err}") from err
        hooks.register_before_tool_call_hook(self.before_tool_call)
        hooks.register_after_tool_call_hook(self.after_tool_call)
        hooks.register_before_llm_call_hook(self.before_llm_call)
        hooks.register_after_llm_call_hook(self.after_llm_call)
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
        hooks.unregister_after_llm_call_hook(self.after_llm_call)
        self._installed = False

    def __enter__(self) -> TruseraCrewCallback:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

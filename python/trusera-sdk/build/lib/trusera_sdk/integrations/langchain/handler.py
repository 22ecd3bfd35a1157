"""``TruseraCallbackHandler``: a LangChain callback handler that decides and records every model call,
tool call and agent step (the TypeScript SDK's ``TruseraLangChainHandler``)."""

from __future__ import annotations

import threading
from typing import Any, Callable, Literal, Mapping
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from .._shared.core import ConfigurationError, TruseraClient
from .._shared.guard import ActionGuard, ActionRun, GuardedCall, Outcome, check_client, resource_name
from .._shared.options import resolve_options
from .run_info import model_of, provider_of, serialized_name, tool_input, usage_of_result

WHO = "TruseraCallbackHandler"
Steps = Literal["steps", "all", "none"]


class TruseraCallbackHandler(BaseCallbackHandler):
    """Records every model call (``llm_invoke``: model, token usage, estimated cost, latency), tool
    call (``tool_call``: tool name and arguments) and agent step (``decision``: the top-level chain
    and each LangGraph node), and decides each with Cedar.

    In ``block`` mode a denied tool, model call or step does not run: the handler raises
    ``PolicyViolationError`` from its start callback (``raise_error`` is set, so LangChain lets it
    through), before the tool's function or the model is called.

    Example::

        handler = TruseraCallbackHandler(client, enforcement="block", cedar_evaluator=evaluator)
        agent.invoke({"messages": [...]}, config={"callbacks": [handler]})

    ``steps``: ``"steps"`` (default) records the top-level chain and each LangGraph node;
    ``"all"`` every chain run LangChain reports except hidden ones; ``"none"`` no steps.

    :raises ConfigurationError: when ``client`` is not a TruseraClient or an option is wrong.
    """

    # Decisions are cheap and in-process: run in the caller's thread, never in an executor, so a
    # decision is made before the run it guards, in sync and async runs alike.
    run_inline = True

    def __init__(
        self,
        client: TruseraClient,
        *,
        enforcement: str = "log",
        cedar_evaluator: Any = None,
        fail_closed: bool = False,
        prices: Mapping[str, Any] | None = None,
        logger: Any = None,
        steps: Steps = "steps",
    ) -> None:
        super().__init__()
        options = resolve_options(
            WHO, enforcement=enforcement, cedar_evaluator=cedar_evaluator, fail_closed=fail_closed, prices=prices, logger=logger
        )
        if steps not in ("steps", "all", "none"):
            raise ConfigurationError(f'{WHO}: steps must be "steps", "all" or "none", got {steps!r}')
        self._steps = steps
        self._guard = ActionGuard(check_client(WHO, client), options, "langchain")
        self._runs: dict[UUID, ActionRun] = {}
        self._lock = threading.Lock()
        # LangChain swallows a handler's error (logging it) unless raise_error is set.
        self.raise_error = options.enforcement == "block"

    # -- model calls
    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[Any]], *, run_id: UUID, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self._start_model(serialized, run_id, metadata, kwargs)

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self._start_model(serialized, run_id, metadata, kwargs)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, lambda: Outcome(usage=usage_of_result(response)))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, lambda: Outcome(error=error))

    def _start_model(self, serialized: Any, run_id: UUID, metadata: Any, kwargs: Mapping[str, Any]) -> None:
        self._start(
            run_id,
            lambda: self._guard.begin(
                GuardedCall("llm_invoke", model_of(serialized, kwargs, metadata), provider=provider_of(metadata))
            ),
        )

    # -- tool calls
    def on_tool_start(self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, inputs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        def begin() -> ActionRun:
            name = resource_name(kwargs.get("name") or serialized_name(serialized))
            call_id = kwargs.get("tool_call_id")
            payload = {"tool_call_id": call_id} if call_id else {}
            return self._guard.begin(GuardedCall("tool_call", name, tool_input(input_str, inputs)), None, payload)

        self._start(run_id, begin)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, Outcome)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, lambda: Outcome(error=error))

    # -- agent steps
    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, tags: list[str] | None = None, **kwargs: Any) -> None:
        if not self._is_step(parent_run_id, tags):
            return
        name = resource_name(kwargs.get("name") or serialized_name(serialized))
        self._start(run_id, lambda: self._guard.begin(GuardedCall("decision", name), None, {"kind": "chain"}))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, Outcome)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, lambda: Outcome(error=error))

    def _is_step(self, parent_run_id: UUID | None, tags: list[str] | None) -> bool:
        if self._steps == "none":
            return False
        t = tags if isinstance(tags, list) else []
        if "langsmith:hidden" in t:
            return False
        if self._steps == "all":
            return True
        return parent_run_id is None or any(isinstance(x, str) and x.startswith("graph:step:") for x in t)

    # -- bookkeeping
    def _start(self, run_id: UUID, begin: Callable[[], ActionRun]) -> None:
        """Decides and starts a run; raises only the deliberate PolicyViolationError of block mode."""
        try:
            run = begin()
        except Exception as err:  # noqa: BLE001 - never into the host
            self._guard.options.logger.debug("%s: %s", WHO, err)
            return
        if run.blocked is not None:
            raise run.blocked
        with self._lock:
            self._runs[run_id] = run

    def _end(self, run_id: UUID, outcome: Callable[[], Outcome]) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is None:
            return
        try:
            run.end(outcome())
        except Exception as err:  # noqa: BLE001
            self._guard.options.logger.debug("%s: %s", WHO, err)

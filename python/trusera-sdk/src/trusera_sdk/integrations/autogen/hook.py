"""``TruseraAutoGenHook``: governs agents of the current AutoGen API (``autogen-agentchat`` 0.4+):
their model calls, tool calls and turns."""

from __future__ import annotations

import functools
import inspect
from typing import Any, AsyncIterator, Mapping, TypeVar

from .._shared.core import ConfigurationError, TruseraClient
from .._shared.guard import ActionGuard, GuardedCall, Outcome, check_client, resource_name
from .._shared.options import resolve_options
from .._shared.pricing import usage_of
from .._shared.relay import arelay

WHO = "TruseraAutoGenHook"
ORIGINAL = "__trusera_original__"
A = TypeVar("A")


def _model_name(model_client: Any) -> str:
    """The model an AutoGen model client calls: its create arguments (the OpenAI clients), its
    component config, else the model family of its ``model_info``."""
    for source in (getattr(model_client, "_create_args", None), getattr(model_client, "_raw_config", None)):
        if isinstance(source, Mapping) and isinstance(source.get("model"), str) and source["model"]:
            return source["model"]
    try:
        family = model_client.model_info.get("family")
    except Exception:  # noqa: BLE001
        family = None
    return resource_name(family if isinstance(family, str) else type(model_client).__name__)


def _provider(model_client: Any) -> str:
    module = type(model_client).__module__
    for provider in ("openai", "azure", "anthropic", "ollama", "gemini", "llama_cpp", "replay"):
        if provider in module:
            return provider
    return "unknown"


def _usage(result: Any) -> Any:
    u = getattr(result, "usage", None)
    return None if u is None else usage_of(getattr(u, "prompt_tokens", None), getattr(u, "completion_tokens", None))


def _payload(result: Any) -> dict[str, Any]:
    content = getattr(result, "content", None)
    return {
        "finish_reason": getattr(result, "finish_reason", None),
        "tool_calls": len(content) if isinstance(content, list) else 0,
    }


def _call_id(call_id: Any) -> dict[str, Any]:
    # Older workbenches take no call_id: pass it on only when there is one.
    return {} if call_id is None else {"call_id": call_id}


def _tool_outcome(result: Any) -> Outcome:
    """A workbench's ToolResult: an error result (``is_error``) records the call as failed."""
    if not getattr(result, "is_error", False):
        return Outcome()
    try:
        text = result.to_text()
    except Exception:  # noqa: BLE001
        text = ""
    return Outcome(error=text or "the tool reported an error", payload={"is_error": True})


class TruseraAutoGenHook:
    """Decides and records what AutoGen agents do: every model call (``llm_invoke``, with token usage
    and cost), every tool call through the agent's workbench (``tool_call``), every code execution of
    a ``CodeExecutorAgent`` (``tool_call`` on ``Tool::"code_execution"``), and every agent turn
    (``decision`` on ``Step::"<agent name>"``, ``kind: "agent_turn"``).

    In ``block`` mode a denied tool never runs: the agent gets an error result for that call
    (``is_error``, the ``PolicyViolationError`` message), which is what the model sees, and the turn
    goes on. A denied model call or agent turn raises ``PolicyViolationError`` out of ``run()``.

    Example::

        hook = TruseraAutoGenHook(client, enforcement="block", cedar_evaluator=evaluator)
        assistant = hook.setup_agent(AssistantAgent("assistant", model_client=model_client, tools=[search]))
        await assistant.run(task="...")

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
        turns: bool = True,
    ) -> None:
        options = resolve_options(
            WHO, enforcement=enforcement, cedar_evaluator=cedar_evaluator, fail_closed=fail_closed, prices=prices, logger=logger
        )
        self._guard = ActionGuard(check_client(WHO, client), options, "autogen")
        self._turns = turns

    def setup_agent(self, agent: A) -> A:
        """Governs one agent (an ``AssistantAgent``, or any agent with a model client and
        workbenches): wraps its model client, its workbenches and its turns, and returns it. Setting
        up again replaces the previous wrappers.

        :raises ConfigurationError: when ``agent`` has no model client, workbench or turn method.
        """
        model_client = getattr(agent, "_model_client", None)
        workbenches = getattr(agent, "_workbench", None) or []
        if model_client is None and not workbenches and not callable(getattr(agent, "on_messages_stream", None)):
            raise ConfigurationError(f"{WHO}.setup_agent needs an autogen-agentchat agent (e.g. AssistantAgent)")
        if model_client is not None:
            self.wrap_model_client(model_client)
        for wb in workbenches if isinstance(workbenches, (list, tuple)) else [workbenches]:
            self.wrap_workbench(wb)
        executor = getattr(agent, "_code_executor", None)
        if callable(getattr(executor, "execute_code_blocks", None)):
            self.wrap_code_executor(executor)
        if self._turns and callable(getattr(agent, "on_messages_stream", None)):
            self._wrap_turns(agent)
        return agent

    def wrap_model_client(self, model_client: Any) -> Any:
        """Decides and records every ``create`` and ``create_stream`` of a ``ChatCompletionClient``."""
        guard = self._guard

        def begin() -> Any:
            run = guard.begin(GuardedCall("llm_invoke", _model_name(model_client), provider=_provider(model_client)))
            if run.blocked is not None:
                raise run.blocked
            return run

        create = getattr(model_client, "create", None)
        if callable(create):
            original = getattr(create, ORIGINAL, create)

            @functools.wraps(original)
            async def guarded_create(*args: Any, **kwargs: Any) -> Any:
                run = begin()
                try:
                    result = await original(*args, **kwargs)
                except BaseException as err:
                    run.end(Outcome(error=err))
                    raise
                run.end(Outcome(usage=_usage(result), payload=_payload(result)))
                return result

            setattr(guarded_create, ORIGINAL, original)
            object.__setattr__(model_client, "create", guarded_create)

        stream = getattr(model_client, "create_stream", None)
        if callable(stream):
            original_stream = getattr(stream, ORIGINAL, stream)

            @functools.wraps(original_stream)
            async def guarded_stream(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                run = begin()
                last: list[Any] = [None]
                async for item in arelay(
                    original_stream(*args, **kwargs),
                    run,
                    lambda item: last.__setitem__(0, item),
                    lambda: Outcome(usage=_usage(last[0]), payload=_payload(last[0])),
                ):
                    yield item

            setattr(guarded_stream, ORIGINAL, original_stream)
            object.__setattr__(model_client, "create_stream", guarded_stream)
        return model_client

    def wrap_workbench(self, workbench: Any) -> Any:
        """Decides and records every ``call_tool`` / ``call_tool_stream`` of a workbench (the
        agent's tools, or an MCP workbench). A blocked call returns an error result and never runs."""
        from autogen_core.tools import TextResultContent, ToolResult  # noqa: PLC0415 - lazy: the framework

        guard = self._guard

        def begin(name: str, arguments: Any, call_id: Any) -> tuple[Any, Any]:
            run = guard.begin(
                GuardedCall("tool_call", resource_name(name), dict(arguments or {})),
                None,
                {"tool_call_id": call_id} if call_id else {},
            )
            if run.blocked is None:
                return run, None
            return run, ToolResult(name=name, result=[TextResultContent(content=str(run.blocked))], is_error=True)

        call_tool = getattr(workbench, "call_tool", None)
        if callable(call_tool):
            original = getattr(call_tool, ORIGINAL, call_tool)

            @functools.wraps(original)
            async def guarded_call(name: str, arguments: Any = None, cancellation_token: Any = None, call_id: Any = None) -> Any:
                run, refused = begin(name, arguments, call_id)
                if refused is not None:
                    return refused
                try:
                    result = await original(name, arguments, cancellation_token, **_call_id(call_id))
                except BaseException as err:
                    run.end(Outcome(error=err))
                    raise
                run.end(_tool_outcome(result))
                return result

            setattr(guarded_call, ORIGINAL, original)
            object.__setattr__(workbench, "call_tool", guarded_call)

        call_stream = getattr(workbench, "call_tool_stream", None)
        if callable(call_stream) and inspect.isasyncgenfunction(getattr(call_stream, ORIGINAL, call_stream)):
            original_stream = getattr(call_stream, ORIGINAL, call_stream)

            @functools.wraps(original_stream)
            async def guarded_stream(name: str, arguments: Any = None, cancellation_token: Any = None, call_id: Any = None) -> AsyncIterator[Any]:
                run, refused = begin(name, arguments, call_id)
                if refused is not None:
                    yield refused
                    return
                last: list[Any] = [None]
                async for item in arelay(
                    original_stream(name, arguments, cancellation_token, **_call_id(call_id)),
                    run,
                    lambda item: last.__setitem__(0, item),
                    lambda: _tool_outcome(last[0]),
                ):
                    yield item

            setattr(guarded_stream, ORIGINAL, original_stream)
            object.__setattr__(workbench, "call_tool_stream", guarded_stream)
        return workbench

    def wrap_code_executor(self, executor: Any) -> Any:
        """Decides and records every ``execute_code_blocks`` of a code executor (what a
        ``CodeExecutorAgent`` runs) as a ``tool_call`` on ``Tool::"code_execution"``, with the blocks'
        ``language`` and ``code`` as tags. A blocked run never starts: it answers exit code 1 with the
        violation as output, as AutoGen does for code its approval function refuses."""
        from autogen_core.code_executor import CodeResult  # noqa: PLC0415 - lazy: the framework

        guard = self._guard
        current = executor.execute_code_blocks
        original = getattr(current, ORIGINAL, current)

        @functools.wraps(original)
        async def execute_code_blocks(code_blocks: Any, *args: Any, **kwargs: Any) -> Any:
            blocks = list(code_blocks)
            languages = sorted({str(getattr(b, "language", "")) for b in blocks})
            code = "\n".join(str(getattr(b, "code", "")) for b in blocks)
            run = guard.begin(GuardedCall("tool_call", "code_execution", {"language": ",".join(languages), "code": code}))
            if run.blocked is not None:
                return CodeResult(exit_code=1, output=str(run.blocked))
            try:
                result = await original(blocks, *args, **kwargs)
            except BaseException as err:
                run.end(Outcome(error=err))
                raise
            exit_code = getattr(result, "exit_code", 0)
            run.end(Outcome(error=f"exit code {exit_code}", payload={"exit_code": exit_code}) if exit_code else Outcome(payload={"exit_code": 0}))
            return result

        setattr(execute_code_blocks, ORIGINAL, original)
        object.__setattr__(executor, "execute_code_blocks", execute_code_blocks)
        return executor

    def _wrap_turns(self, agent: Any) -> None:
        guard = self._guard
        current = agent.on_messages_stream
        original = getattr(current, ORIGINAL, current)
        name = resource_name(getattr(agent, "name", None))

        @functools.wraps(original)
        async def on_messages_stream(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            run = guard.begin(GuardedCall("decision", name), None, {"kind": "agent_turn"})
            if run.blocked is not None:
                raise run.blocked
            async for item in arelay(original(*args, **kwargs), run):
                yield item

        setattr(on_messages_stream, ORIGINAL, original)
        object.__setattr__(agent, "on_messages_stream", on_messages_stream)

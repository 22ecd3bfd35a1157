"""``TruseraOpenAI``: governs an application built on the OpenAI Python SDK (the TypeScript SDK's
packages/sdk/src/integrations/openai/trusera-openai.ts)."""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any, Callable, Mapping, Sequence

from .._shared.core import ConfigurationError, PolicyViolationError, TruseraClient
from .._shared.guard import ActionGuard, GuardedCall, Outcome, Verdict, check_client, resource_name
from .._shared.options import resolve_options
from .observe import field, is_stream, observe_body, observe_stream

WHO = "TruseraOpenAI"
# The original of a wrapped `create` or a guarded tool, so wrapping again replaces the wrapper.
ORIGINAL = "__trusera_original__"


def _parse_arguments(text: Any) -> Any:
    """A model's tool arguments: the parsed JSON, or the text itself when the model sent invalid JSON."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _content(output: Any) -> str:
    if isinstance(output, str):
        return output
    if output is None:
        return ""
    try:
        return json.dumps(output, default=str)
    except (TypeError, ValueError):
        return str(output)


def _is_async(fn: Callable[..., Any]) -> bool:
    # The SDK's async methods are wrapped by plain functions (its `required_args`): look through them.
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(inspect.unwrap(fn))


def _invoke(fn: Callable[..., Any], args: Any) -> Any:
    """A Python tool takes the model's arguments as keywords (an object), else as one argument."""
    return fn(**args) if isinstance(args, dict) else fn(args)


class TruseraOpenAI:
    """Decides and records the model calls and tool calls of an OpenAI SDK application.

    ``wrap(openai_client)`` instruments ``chat.completions.create`` and ``responses.create`` of that
    client (``OpenAI`` or ``AsyncOpenAI``): every call is decided before it is sent (``llm_invoke`` on
    ``Model::"<model>"``) and recorded with token usage, estimated cost and latency. The tool helpers
    decide every tool call the model returns (``tool_call`` on ``Tool::"<name>"``) before your
    function runs. In ``block`` mode a denied model call is never sent and a denied tool never runs:
    both raise ``PolicyViolationError``.

    Example::

        trusera = TruseraOpenAI(client, enforcement="block", cedar_evaluator=evaluator)
        openai = trusera.wrap(OpenAI())
        completion = openai.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=schemas)
        message = completion.choices[0].message
        messages += [message, *trusera.run_tool_calls(message.tool_calls, {"get_weather": get_weather})]

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
        self._guard = ActionGuard(check_client(WHO, client), options, "openai")

    def wrap(self, openai_client: Any) -> Any:
        """Instruments ``chat.completions.create`` and ``responses.create`` of this client instance
        (other clients are untouched; wrapping again replaces the wrapper) and returns it. A streamed
        answer is recorded when it has been read to its end, with the usage of its last chunk
        (``stream_options={"include_usage": True}``).

        :raises ConfigurationError: when ``openai_client`` has no ``chat.completions.create``.
        """
        completions = getattr(getattr(openai_client, "chat", None), "completions", None)
        if not callable(getattr(completions, "create", None)):
            raise ConfigurationError(f"{WHO}.wrap needs an OpenAI client (with chat.completions.create)")
        resources = [completions]
        try:
            responses = getattr(openai_client, "responses", None)
        except Exception:  # noqa: BLE001 - an SDK without the Responses API
            responses = None
        if callable(getattr(responses, "create", None)):
            resources.append(responses)
        for resource in resources:
            current = resource.create
            original = getattr(current, ORIGINAL, current)
            resource.create = self._guarded_create(original)
        return openai_client

    def _guarded_create(self, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self._guard

        def begin(kwargs: dict[str, Any]) -> Any:
            return guard.begin(GuardedCall("llm_invoke", resource_name(kwargs.get("model")), provider="openai"))

        def observe(answer: Any, run: Any) -> Any:
            try:
                if is_stream(answer):
                    observe_stream(answer, run)
                else:
                    observe_body(answer, run)
            except Exception as err:  # noqa: BLE001 - never into the host
                guard.options.logger.debug("%s: %s", WHO, err)
                run.end()
            return answer

        if _is_async(original):

            @functools.wraps(original)
            async def acreate(*args: Any, **kwargs: Any) -> Any:
                run = begin(kwargs)
                if run.blocked is not None:
                    raise run.blocked
                try:
                    answer = await original(*args, **kwargs)
                except BaseException as err:
                    run.end(Outcome(error=err))
                    raise
                return observe(answer, run)

            setattr(acreate, ORIGINAL, original)
            return acreate

        @functools.wraps(original)
        def create(*args: Any, **kwargs: Any) -> Any:
            run = begin(kwargs)
            if run.blocked is not None:
                raise run.blocked
            try:
                answer = original(*args, **kwargs)
            except BaseException as err:
                run.end(Outcome(error=err))
                raise
            if inspect.isawaitable(answer):
                return _observe_later(answer, run)
            return observe(answer, run)

        async def _observe_later(answer: Any, run: Any) -> Any:
            try:
                result = await answer
            except BaseException as err:
                run.end(Outcome(error=err))
                raise
            return observe(result, run)

        setattr(create, ORIGINAL, original)
        return create

    def wrap_tools(self, tools: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
        """The same tools, each decided when called with the model's arguments (as keywords); a
        ``tool_call`` event per call. A denied tool in block mode raises ``PolicyViolationError``
        without running. Async tools stay async.

        :raises ConfigurationError: when a value is not callable.
        """
        out: dict[str, Callable[..., Any]] = {}
        for name, fn in (tools or {}).items():
            if not callable(fn):
                raise ConfigurationError(f"{WHO}.wrap_tools: tools[{name!r}] is not callable")
            out[name] = self._guarded_tool(name, getattr(fn, ORIGINAL, fn))
        return out

    def _guarded_tool(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self._guard

        def begin(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            value: Any = kwargs if not args else (args[0] if len(args) == 1 and not kwargs else {"args": list(args), **kwargs})
            run = guard.begin(GuardedCall("tool_call", name, value))
            if run.blocked is not None:
                raise run.blocked
            return run

        if _is_async(original):

            @functools.wraps(original)
            async def aguarded(*args: Any, **kwargs: Any) -> Any:
                run = begin(args, kwargs)
                try:
                    result = await original(*args, **kwargs)
                except BaseException as err:
                    run.end(Outcome(error=err))
                    raise
                run.end()
                return result

            setattr(aguarded, ORIGINAL, original)
            return aguarded

        @functools.wraps(original)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            run = begin(args, kwargs)
            try:
                result = original(*args, **kwargs)
            except BaseException as err:
                run.end(Outcome(error=err))
                raise
            run.end()
            return result

        setattr(guarded, ORIGINAL, original)
        return guarded

    def _decide_all(self, tool_calls: Sequence[Any] | None) -> list[tuple[Any, Any, GuardedCall, Verdict]]:
        """Every call decided first; in block mode, if one is denied none runs (the others are
        recorded as ``skipped``) and the first denial is raised."""
        decided = []
        for c in tool_calls or []:
            fn = field(c, "function")
            name = field(fn, "name")
            if not isinstance(name, str):
                continue
            args = _parse_arguments(field(fn, "arguments"))
            call = GuardedCall("tool_call", resource_name(name), args)
            decided.append((c, args, call, self._guard.decide(call)))
        if any(v.blocked for _, _, _, v in decided):
            first: PolicyViolationError | None = None
            for c, _, call, verdict in decided:
                run = self._guard.begin(call, verdict, {"tool_call_id": field(c, "id")})
                run.end(Outcome(status="skipped"))
                first = first or run.blocked
            assert first is not None
            raise first
        return decided

    def _lookup(self, tools: Mapping[str, Callable[..., Any]], c: Any, call: GuardedCall, verdict: Verdict) -> Callable[..., Any] | dict[str, Any]:
        name = field(field(c, "function"), "name")
        fn = (tools or {}).get(name)
        if not callable(fn):
            missing = f"no tool named {name!r}"
            self._guard.begin(call, verdict, {"tool_call_id": field(c, "id")}).end(Outcome(error=missing))
            return {"role": "tool", "tool_call_id": field(c, "id"), "content": f"Error: {missing}"}
        return getattr(fn, ORIGINAL, fn)

    def _start_tool(self, c: Any, args: Any, call: GuardedCall, verdict: Verdict, fn: Callable[..., Any]) -> tuple[Any, Any]:
        """Begins a decided call and calls the tool: (its run, what the tool returned)."""
        run = self._guard.begin(call, verdict, {"tool_call_id": field(c, "id")})
        try:
            return run, _invoke(fn, args)
        except BaseException as err:
            run.end(Outcome(error=err))
            raise

    def run_tool_calls(self, tool_calls: Sequence[Any] | None, tools: Mapping[str, Callable[..., Any]]) -> list[dict[str, Any]]:
        """Runs the tool calls of a chat completion message and returns the ``tool`` messages to send
        back. Every call is decided first: in block mode, if any is denied, none runs and this raises
        the ``PolicyViolationError`` of the first. A call of a tool the mapping lacks gets an error
        message for the model; an error a tool raises propagates as the tool raised it."""
        messages: list[dict[str, Any]] = []
        for c, args, call, verdict in self._decide_all(tool_calls):
            fn = self._lookup(tools, c, call, verdict)
            if isinstance(fn, dict):
                messages.append(fn)
                continue
            run, output = self._start_tool(c, args, call, verdict, fn)
            if inspect.isawaitable(output):
                getattr(output, "close", lambda: None)()  # a coroutine never awaited
                err = ConfigurationError(f"{WHO}.run_tool_calls: tool {call.name!r} is async; use arun_tool_calls")
                run.end(Outcome(error=err))
                raise err
            run.end()
            messages.append({"role": "tool", "tool_call_id": field(c, "id"), "content": _content(output)})
        return messages

    async def arun_tool_calls(self, tool_calls: Sequence[Any] | None, tools: Mapping[str, Callable[..., Any]]) -> list[dict[str, Any]]:
        """``run_tool_calls`` for async applications: tools may be sync or async."""
        messages: list[dict[str, Any]] = []
        for c, args, call, verdict in self._decide_all(tool_calls):
            fn = self._lookup(tools, c, call, verdict)
            if isinstance(fn, dict):
                messages.append(fn)
                continue
            run, output = self._start_tool(c, args, call, verdict, fn)
            if inspect.isawaitable(output):
                try:
                    output = await output
                except BaseException as err:
                    run.end(Outcome(error=err))
                    raise
            run.end()
            messages.append({"role": "tool", "tool_call_id": field(c, "id"), "content": _content(output)})
        return messages

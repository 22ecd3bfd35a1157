"""``wrap_mcp_session``: decides every ``tools/call`` an MCP ``ClientSession`` sends (the TypeScript
SDK's ``wrapMcpClient``)."""

from __future__ import annotations

import functools
from typing import Any, Mapping, TypeVar

from .._shared.core import ConfigurationError, TruseraClient
from .._shared.guard import ActionGuard, GuardedCall, Outcome, check_client, resource_name
from .._shared.options import resolve_options

WHO = "wrap_mcp_session"
ORIGINAL = "__trusera_original__"
S = TypeVar("S")


def _tool_call(request: Any) -> tuple[str, Any] | None:
    """The tool name and arguments of a ``tools/call`` request, None for any other request. mcp 1.x
    wraps requests in a ``ClientRequest`` root model; mcp 2.x passes them as they are."""
    req = getattr(request, "root", request)
    if getattr(req, "method", None) != "tools/call":
        return None
    params = getattr(req, "params", None)
    return resource_name(getattr(params, "name", None)), getattr(params, "arguments", None) or {}


def _server_name(session: Any) -> str | None:
    info = getattr(session, "server_info", None)  # mcp 2.x
    if info is None:
        result = getattr(session, "initialize_result", None) or getattr(session, "_trusera_init", None)
        info = getattr(result, "serverInfo", None) or getattr(result, "server_info", None)
    name = getattr(info, "name", None)
    return name if isinstance(name, str) and name else None


def wrap_mcp_session(
    session: S,
    client: TruseraClient,
    *,
    enforcement: str = "log",
    cedar_evaluator: Any = None,
    fail_closed: bool = False,
    logger: Any = None,
) -> S:
    """Decides every ``tools/call`` the session sends (``call_tool``, or ``send_request`` with a
    ``CallToolRequest``) as a ``tool_call`` on ``Tool::"<name>"``, its arguments as entity tags and
    ``context.input``, and records it with the server's name, its duration and whether the tool
    reported an error (``isError``). Other requests pass untouched. Returns the same session;
    wrapping again replaces the previous wrapper. In ``block`` mode a denied call is never sent:
    ``call_tool`` raises ``PolicyViolationError`` and the server never sees the request.

    Example::

        async with ClientSession(read, write) as session:
            wrap_mcp_session(session, client, enforcement="block", cedar_evaluator=evaluator)
            await session.initialize()
            await session.call_tool("delete_file", {"path": "/etc/hosts"})  # raises

    :raises ConfigurationError: when ``client`` is not a TruseraClient, an option is wrong, or
        ``session`` has no ``send_request``.
    """
    guard = ActionGuard(
        check_client(WHO, client),
        resolve_options(WHO, enforcement=enforcement, cedar_evaluator=cedar_evaluator, fail_closed=fail_closed, logger=logger),
        "mcp",
    )
    current = getattr(session, "send_request", None)
    if not callable(current):
        raise ConfigurationError(f"{WHO} needs an MCP ClientSession (with send_request)")
    original = getattr(current, ORIGINAL, current)

    @functools.wraps(original)
    async def send_request(request: Any, *args: Any, **kwargs: Any) -> Any:
        call = _tool_call(request)
        if call is None:
            result = await original(request, *args, **kwargs)
            if getattr(getattr(request, "root", request), "method", None) == "initialize":
                # mcp 1.x keeps no server info on the session: remember it for the events.
                try:
                    object.__setattr__(session, "_trusera_init", result)
                except Exception:  # noqa: BLE001
                    pass
            return result
        name, arguments = call
        extra: dict[str, Any] = {}
        server = _server_name(session)
        if server:
            extra["server"] = server
        run = guard.begin(GuardedCall("tool_call", name, arguments), None, extra)
        if run.blocked is not None:
            raise run.blocked
        try:
            result = await original(request, *args, **kwargs)
        except BaseException as err:
            run.end(Outcome(error=err))
            raise
        is_error = getattr(result, "isError", None)
        if is_error is None:
            is_error = getattr(result, "is_error", False)
        if is_error is True:
            run.end(Outcome(error="the tool reported an error (isError)", payload={"is_error": True}))
        else:
            run.end()
        return result

    setattr(send_request, ORIGINAL, original)
    object.__setattr__(session, "send_request", send_request)
    return session

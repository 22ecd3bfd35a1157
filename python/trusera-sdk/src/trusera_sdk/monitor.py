"""``@monitor``: one event per call of a function, sync or async, with its arguments, its timing and
its return value or exception. Secrets are redacted by the client before anything is sent (by
argument name, such as ``api_key``, and by shape, such as ``sk-...``)."""

from __future__ import annotations

import functools
import inspect
import time
from typing import Any, Callable, TypeVar

from .client.default import get_default_client
from .events.event import Event
from .events.event_type import EVENT_TYPES, EventType

F = TypeVar("F", bound=Callable[..., Any])


def _round3(ms: float) -> float:
    return round(ms, 3)


def monitor(
    event_type: EventType | str = EventType.TOOL_CALL,
    name: str | None = None,
    *,
    client: Any = None,
    capture_args: bool = True,
    capture_result: bool = True,
) -> Callable[[F], F]:
    """Records each call of the decorated function as an event of ``event_type`` named ``name``
    (default: the function's qualified name), to ``client`` or the default client
    (``set_default_client``). With neither, the function just runs.

    The event's payload holds ``args`` (by parameter name, without ``self`` / ``cls``) and
    ``result``, or ``error`` when it raised (the exception is raised on unchanged); its metadata holds
    ``function``, ``duration_ms`` and ``status`` (``success`` or ``error``).

    :raises ValueError: (at decoration) when ``event_type`` is not an event type.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"monitor event_type {event_type!r} is not one of {sorted(EVENT_TYPES)}")

    def decorate(fn: F) -> F:
        event_name = name or getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "function")
        qualified = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', event_name)}"
        try:
            signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):
            signature = None

        def arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
            if not capture_args:
                return {}
            if signature is None:
                return {"args": list(args), **kwargs}
            try:
                bound = signature.bind_partial(*args, **kwargs)
            except TypeError:
                return {"args": list(args), **kwargs}
            out = dict(bound.arguments)
            for skip in ("self", "cls"):
                out.pop(skip, None)
            return out

        def record(args: Any, kwargs: Any, started: float, result: Any, error: BaseException | None) -> None:
            target = client if client is not None else get_default_client()
            if target is None:
                return
            try:
                duration = _round3((time.perf_counter() - started) * 1000)
                payload: dict[str, Any] = {"args": arguments(args, kwargs)}
                if error is None:
                    if capture_result:
                        payload["result"] = result
                else:
                    payload["error"] = f"{type(error).__name__}: {error}"
                metadata = {
                    "function": qualified,
                    "duration_ms": duration,
                    "status": "success" if error is None else "error",
                }
                target.track(Event(event_type, event_name, payload, metadata))
            except Exception:  # noqa: BLE001 - telemetry never throws into the host
                pass

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as err:
                    record(args, kwargs, started, None, err)
                    raise
                record(args, kwargs, started, result, None)
                return result

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
            except BaseException as err:
                record(args, kwargs, started, None, err)
                raise
            record(args, kwargs, started, result, None)
            return result

        return wrapper  # type: ignore[return-value]

    return decorate

"""requests: ``Session.send``, which every request and every redirect hop goes through."""

from __future__ import annotations

from typing import Any

from ..core import in_hooked_call
from .. import registry
from ..registry import Patch

LIBRARY = "requests"


def _size(body: Any) -> int | None:
    if body is None:
        return 0
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    return None


def patches() -> list[Patch]:
    try:
        import requests.sessions
    except ImportError:
        return []

    def make(original: Any) -> Any:
        def send(self: Any, request: Any, **kwargs: Any) -> Any:
            core = registry._active  # an attribute read, not a call: once per intercepted call
            if core is None:
                return original(self, request, **kwargs)
            call = core.begin(LIBRARY, request.method, request.url, _pairs(request.headers), _size(request.body))
            if call is None:
                return original(self, request, **kwargs)
            token = in_hooked_call.set(LIBRARY)
            try:
                response = original(self, request, **kwargs)
            except BaseException as err:
                core.end(call, None, None, err)
                raise
            finally:
                in_hooked_call.reset(token)
            first = response.history[0] if response.history else response
            content = first.__dict__.get("_content")
            size = len(content) if isinstance(content, bytes) else _header_size(first.headers)
            core.end(call, first.status_code, size, None)
            return response

        return send

    return [Patch(requests.sessions.Session, "send", make)]


def _pairs(headers: Any) -> tuple[Any, ...]:
    """The prepared request's (name, value) pairs, as its CaseInsensitiveDict's items() gives them."""
    store = getattr(headers, "_store", None)
    if isinstance(store, dict):
        return tuple(store.values())
    return tuple(headers.items()) if headers else ()


def _header_size(headers: Any) -> int | None:
    value = headers.get("content-length") if headers is not None else None
    return int(value) if value and str(value).isdigit() else None

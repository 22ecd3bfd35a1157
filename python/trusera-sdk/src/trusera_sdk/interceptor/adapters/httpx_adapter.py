"""httpx: ``Client._send_single_request`` and ``AsyncClient._send_single_request``, which every
request and every redirect hop goes through, whatever the transport (``send`` on versions without
them)."""

from __future__ import annotations

from typing import Any

from ..registry import Patch, active

LIBRARY = "httpx"


def _request_size(request: Any) -> int | None:
    # The body when httpx holds it whole; else Content-Length, read from the headers on the client's thread.
    content = request.__dict__.get("_content")
    return len(content) if isinstance(content, bytes) else None


def _response_size(response: Any) -> int | None:
    content = response.__dict__.get("_content")
    return len(content) if isinstance(content, bytes) else None


_URL_MEMO_LIMIT = 256


def _url_text(httpx: Any) -> Any:
    """``str(request.url)``, remembered per URL: httpx rebuilds the text on every ``str()`` (about
    as much work as the rest of the hook), while its parsed form (a named tuple) hashes cheaply."""
    if not hasattr(httpx.URL("http://x/"), "_uri_reference"):
        return lambda url: str(url)
    memo: dict[Any, str] = {}

    def text(url: Any) -> str:
        key = url._uri_reference
        hit = memo.get(key)
        if hit is None:
            hit = str(url)
            if len(memo) >= _URL_MEMO_LIMIT:
                memo.clear()
            memo[key] = hit
        return hit

    return text


def patches() -> list[Patch]:
    try:
        import httpx
    except ImportError:
        return []
    url_text = _url_text(httpx)
    sync_attr = "_send_single_request" if "_send_single_request" in httpx.Client.__dict__ else "send"
    async_attr = "_send_single_request" if "_send_single_request" in httpx.AsyncClient.__dict__ else "send"

    def make_sync(original: Any) -> Any:
        def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            core = active()
            if core is None:
                return original(self, request, *args, **kwargs)
            call = core.begin(LIBRARY, request.method, url_text(request.url), tuple(request.headers.raw), _request_size(request))
            if call is None:
                return original(self, request, *args, **kwargs)
            try:
                response = original(self, request, *args, **kwargs)
            except BaseException as err:
                core.end(call, None, None, err)
                raise
            size = _response_size(response)
            core.end(call, response.status_code, size, None, None if size is not None else tuple(response.headers.raw))
            return response

        return send

    def make_async(original: Any) -> Any:
        async def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            core = active()
            if core is None:
                return await original(self, request, *args, **kwargs)
            call = core.begin(LIBRARY, request.method, url_text(request.url), tuple(request.headers.raw), _request_size(request))
            if call is None:
                return await original(self, request, *args, **kwargs)
            try:
                response = await original(self, request, *args, **kwargs)
            except BaseException as err:
                core.end(call, None, None, err)
                raise
            size = _response_size(response)
            core.end(call, response.status_code, size, None, None if size is not None else tuple(response.headers.raw))
            return response

        return send

    return [Patch(httpx.Client, sync_attr, make_sync), Patch(httpx.AsyncClient, async_attr, make_async)]

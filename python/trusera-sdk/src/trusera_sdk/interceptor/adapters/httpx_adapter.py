"""httpx: ``Client._send_single_request`` and ``AsyncClient._send_single_request``, which every
request and every redirect hop goes through, whatever the transport (``send`` on versions without
them)."""

from __future__ import annotations

from typing import Any

from .. import registry
from ..registry import Patch

LIBRARY = "httpx"


_URL_MEMO_LIMIT = 256


def patches() -> list[Patch]:
    try:
        import httpx
    except ImportError:
        return []
    sync_attr = "_send_single_request" if "_send_single_request" in httpx.Client.__dict__ else "send"
    async_attr = "_send_single_request" if "_send_single_request" in httpx.AsyncClient.__dict__ else "send"
    # str(request.url), remembered per URL: httpx rebuilds the text on every str() (about as much
    # work as the rest of the hook), while its parsed form (a named tuple, where httpx has one; else
    # the URL itself, hashed by its text) hashes cheaply.
    urls: dict[Any, str] = {}

    def url_text(url: Any) -> str:
        key = getattr(url, "_uri_reference", url)
        text = urls.get(key)
        if text is None:
            text = str(url)
            if len(urls) >= _URL_MEMO_LIMIT:
                urls.clear()
            urls[key] = text
        return text

    # The hooks below run once per intercepted call: the registry is read as an attribute and the
    # sizes inline, each a function call fewer.
    def make_sync(original: Any) -> Any:
        def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            core = registry._active
            if core is None:
                return original(self, request, *args, **kwargs)
            content = request.__dict__.get("_content")  # the body when httpx holds it whole
            call = core.begin(
                LIBRARY, request.method, url_text(request.url), tuple(request.headers.raw),
                len(content) if content.__class__ is bytes else None,
            )
            if call is None:
                return original(self, request, *args, **kwargs)
            try:
                # httpx passes the request alone: a plain call, cheaper than one that unpacks.
                response = original(self, request, *args, **kwargs) if args or kwargs else original(self, request)
            except BaseException as err:
                core.end(call, None, None, err)
                raise
            content = response.__dict__.get("_content")
            if content.__class__ is bytes:
                core.end(call, response.status_code, len(content), None)
            else:  # Content-Length, read from the headers on the client's thread
                core.end(call, response.status_code, None, None, tuple(response.headers.raw))
            return response

        return send

    def make_async(original: Any) -> Any:
        async def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            core = registry._active
            if core is None:
                return await original(self, request, *args, **kwargs)
            content = request.__dict__.get("_content")
            call = core.begin(
                LIBRARY, request.method, url_text(request.url), tuple(request.headers.raw),
                len(content) if content.__class__ is bytes else None,
            )
            if call is None:
                return await original(self, request, *args, **kwargs)
            try:
                response = await original(self, request, *args, **kwargs)
            except BaseException as err:
                core.end(call, None, None, err)
                raise
            content = response.__dict__.get("_content")
            if content.__class__ is bytes:
                core.end(call, response.status_code, len(content), None)
            else:
                core.end(call, response.status_code, None, None, tuple(response.headers.raw))
            return response

        return send

    return [Patch(httpx.Client, sync_attr, make_sync), Patch(httpx.AsyncClient, async_attr, make_async)]

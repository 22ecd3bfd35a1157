"""aiohttp: ``ClientSession._request``, where every verb of a session starts. The decision is made
on the first URL; redirects aiohttp follows itself are not decided again (see docs/python.md)."""

from __future__ import annotations

from typing import Any

from ..registry import Patch, active

LIBRARY = "aiohttp"


def _headers(session: Any, given: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for source in (getattr(session, "headers", None), given):
        if source:
            for k, v in (source.items() if hasattr(source, "items") else source):
                out[str(k)] = str(v)
    return out


def _url(session: Any, url: Any) -> str:
    text = str(url)
    base = getattr(session, "_base_url", None)
    if base is not None and "://" not in text:
        return str(base.join(type(base)(text)))
    return text


def patches() -> list[Patch]:
    try:
        import aiohttp
    except ImportError:
        return []

    def make(original: Any) -> Any:
        async def _request(self: Any, method: str, str_or_url: Any, *args: Any, **kwargs: Any) -> Any:
            core = active()
            if core is None:
                return await original(self, method, str_or_url, *args, **kwargs)
            data = kwargs.get("data")
            size = len(data) if isinstance(data, (bytes, bytearray)) else (len(data.encode()) if isinstance(data, str) else None)
            call = core.begin(LIBRARY, method, _url(self, str_or_url), tuple(_headers(self, kwargs.get("headers")).items()), size)
            if call is None:
                return await original(self, method, str_or_url, *args, **kwargs)
            try:
                response = await original(self, method, str_or_url, *args, **kwargs)
            except BaseException as err:
                core.end(call, None, None, err)
                raise
            core.end(call, response.status, response.content_length, None)
            return response

        return _request

    return [Patch(aiohttp.ClientSession, "_request", make)]

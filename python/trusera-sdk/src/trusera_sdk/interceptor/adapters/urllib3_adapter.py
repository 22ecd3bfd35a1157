"""urllib3: ``HTTPConnectionPool.urlopen``, where every pool and PoolManager request is made. A call
that another hooked library (requests) already decided is left to that library's hook."""

from __future__ import annotations

from typing import Any

from ..core import in_hooked_call
from ..registry import Patch, active

LIBRARY = "urllib3"


def _url(pool: Any, url: str) -> str:
    if "://" in url:
        return url
    host = pool.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = f":{pool.port}" if pool.port else ""
    return f"{pool.scheme}://{host}{port}{url if url.startswith('/') else '/' + url}"


def patches() -> list[Patch]:
    try:
        import urllib3.connectionpool
    except ImportError:
        return []

    def make(original: Any) -> Any:
        def urlopen(self: Any, method: str, url: str, body: Any = None, headers: Any = None, *args: Any, **kwargs: Any) -> Any:
            core = active()
            if core is None or in_hooked_call.get() is not None:
                return original(self, method, url, body, headers, *args, **kwargs)
            size = len(body) if isinstance(body, (bytes, bytearray)) else (len(body.encode()) if isinstance(body, str) else (0 if body is None else None))
            call = core.begin(LIBRARY, method, _url(self, url), tuple(headers.items()) if headers else (), size)
            if call is None:
                return original(self, method, url, body, headers, *args, **kwargs)
            token = in_hooked_call.set(LIBRARY)
            try:
                response = original(self, method, url, body, headers, *args, **kwargs)
            except BaseException as err:
                core.end(call, None, None, err)
                raise
            finally:
                in_hooked_call.reset(token)
            data = getattr(response, "_body", None)
            length = response.headers.get("content-length") if response.headers is not None else None
            size_in = len(data) if isinstance(data, bytes) else (int(length) if length and length.isdigit() else None)
            core.end(call, response.status, size_in, None)
            return response

        return urlopen

    return [Patch(urllib3.connectionpool.HTTPConnectionPool, "urlopen", make)]

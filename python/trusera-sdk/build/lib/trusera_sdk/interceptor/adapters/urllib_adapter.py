"""urllib.request: ``OpenerDirector.open``, which ``urlopen`` and every redirect hop go through."""

from __future__ import annotations

from typing import Any

from ..core import in_hooked_call
from ..registry import Patch, active

LIBRARY = "urllib"


def patches() -> list[Patch]:
    import urllib.request

    def make(original: Any) -> Any:
        def open(self: Any, fullurl: Any, data: Any = None, *args: Any, **kwargs: Any) -> Any:  # noqa: A001
            core = active()
            if core is None or in_hooked_call.get() not in (None, LIBRARY):
                return original(self, fullurl, data, *args, **kwargs)
            if isinstance(fullurl, str):
                method, url, headers = ("POST" if data is not None else "GET"), fullurl, []
                body = data
            else:
                body = data if data is not None else fullurl.data
                if data is not None:
                    fullurl.data = data
                method, url, headers = fullurl.get_method(), fullurl.full_url, fullurl.header_items()
            if not url.lower().startswith(("http://", "https://")):
                return original(self, fullurl, data, *args, **kwargs)
            size = len(body) if isinstance(body, (bytes, bytearray)) else (0 if body is None else None)
            call = core.begin(LIBRARY, method, url, headers, size)
            if call is None:
                return original(self, fullurl, data, *args, **kwargs)
            token = in_hooked_call.set(LIBRARY)
            try:
                response = original(self, fullurl, data, *args, **kwargs)
            except BaseException as err:
                status = getattr(err, "code", None)
                core.end(call, status if isinstance(status, int) else None, None, None if isinstance(status, int) else err)
                raise
            finally:
                in_hooked_call.reset(token)
            length = response.headers.get("content-length") if getattr(response, "headers", None) is not None else None
            core.end(call, getattr(response, "status", None), int(length) if length and length.isdigit() else None, None)
            return response

        return open

    return [Patch(urllib.request.OpenerDirector, "open", make)]

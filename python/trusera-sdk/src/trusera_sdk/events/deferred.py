"""A payload value whose final form is made off the application's thread: the interceptor hands
the client raw header pairs, and the client's thread turns them into the recorded dict (then
redacted like every other value), so that an intercepted call pays for neither."""

from __future__ import annotations

from typing import Any, Iterable


class Deferred:
    __slots__ = ()

    def resolve(self) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


class HeaderPairs(Deferred):
    """Header (name, value) pairs, str or bytes: recorded as a dict with lower-case names."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        self.pairs = pairs

    def resolve(self) -> dict[str, str]:
        out: dict[str, str] = {}
        pairs = self.pairs.items() if hasattr(self.pairs, "items") else self.pairs
        for k, v in pairs:
            if isinstance(k, bytes):
                k = k.decode("latin-1")
            if isinstance(v, bytes):
                v = v.decode("latin-1")
            if v is None:
                continue
            name = k.lower()
            text = ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
            out[name] = f"{out[name]}, {text}" if name in out else text
        return out


def resolve_top_level(payload: Any) -> Any:
    """The payload with its top-level deferred values made; the same dict when it has none."""
    if not isinstance(payload, dict):
        return payload
    for v in payload.values():
        if isinstance(v, Deferred):
            return {k: (x.resolve() if isinstance(x, Deferred) else x) for k, x in payload.items()}
    return payload

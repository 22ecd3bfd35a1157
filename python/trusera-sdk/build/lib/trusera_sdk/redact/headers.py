"""Headers with every credential replaced (packages/core/src/redact/headers.ts)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .patterns import REDACTED, is_sensitive_name


def _pairs(headers: Any) -> Iterable[tuple[str, Any]]:
    if headers is None:
        return ()
    if hasattr(headers, "multi_items"):  # httpx.Headers keeps repeated names apart
        return headers.multi_items()
    if isinstance(headers, Mapping) or hasattr(headers, "items"):
        return headers.items()
    return headers  # a list of pairs


def redact_headers(headers: Any) -> dict[str, str]:
    """A plain dict with lower-case names and credential values replaced by ``[REDACTED]``.
    Accepts a mapping (``requests``' and ``httpx``' header types too) or a list of pairs."""
    out: dict[str, str] = {}
    for name, value in _pairs(headers):
        if value is None:
            continue
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        lower = str(name).lower()
        text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        if lower in out and not is_sensitive_name(lower):
            text = f"{out[lower]}, {text}"
        out[lower] = REDACTED if is_sensitive_name(lower) else text
    return out


def header_names(headers: Any) -> list[str]:
    """Lower-case header names only, sorted: what the Cedar request context holds."""
    return sorted(redact_headers(headers))

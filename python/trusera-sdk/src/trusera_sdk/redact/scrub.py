"""A copy of a JSON-like value with every secret replaced (packages/core/src/redact/object.ts)."""

from __future__ import annotations

from typing import Any

from .patterns import REDACTED, is_sensitive_name
from .text import redact_text

MAX_DEPTH = 32


def scrub_secrets(value: Any) -> Any:
    """Values under a sensitive key (``password``, ``api_key``, ``authorization``, ...), whole when
    they are lists or dicts, and every string anywhere through ``redact_text``, are replaced. Returns the value itself when nothing needs
    replacing. Nesting deeper than 32 levels becomes ``[TRUNCATED]`` and a cycle ``[Circular]``, so
    the result can always be serialized."""
    return _scrub(value, 0, [])


def _holds_something(value: Any) -> bool:
    """Under a sensitive key: any scalar but None and "", and any non-empty list or dict, which is
    replaced whole (``{"credentials": {...}}``, ``{"password": ["x"]}``)."""
    if value is None or (isinstance(value, str) and value == ""):
        return False
    if isinstance(value, (dict, list, tuple)):
        return len(value) > 0
    return True


def _scrub(value: Any, depth: int, ancestors: list[int]) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, (dict, list, tuple)):
        key = id(value)
        if key in ancestors:
            return "[Circular]"
        if depth >= MAX_DEPTH:
            return "[TRUNCATED]"
        ancestors.append(key)
        try:
            if isinstance(value, dict):
                return _scrub_dict(value, depth, ancestors)
            return _scrub_list(value, depth, ancestors)
        finally:
            ancestors.pop()
    return value


def _scrub_list(value: list[Any] | tuple[Any, ...], depth: int, ancestors: list[int]) -> Any:
    copy: list[Any] | None = None
    for i, item in enumerate(value):
        nxt = _scrub(item, depth + 1, ancestors)
        if nxt is not item:
            if copy is None:
                copy = list(value)
            copy[i] = nxt
    return value if copy is None else copy


def _scrub_dict(value: dict[Any, Any], depth: int, ancestors: list[int]) -> Any:
    copy: dict[Any, Any] | None = None
    for key, current in value.items():
        if isinstance(key, str) and is_sensitive_name(key) and _holds_something(current):
            nxt: Any = REDACTED
        else:
            # Strings and plain scalars, the most common values, without a call of _scrub.
            cls = current.__class__
            if cls is str:
                nxt = redact_text(current)
            elif cls is int or cls is float or cls is bool or current is None:
                continue
            else:
                nxt = _scrub(current, depth + 1, ancestors)
        if nxt is not current:
            if copy is None:
                copy = dict(value)
            copy[key] = nxt
    return value if copy is None else copy

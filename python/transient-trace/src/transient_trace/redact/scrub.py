"""JSON-like values (object.ts): targets, contexts and metadata before a receipt holds them."""

from __future__ import annotations

from typing import Any

from .patterns import REDACTED, is_sensitive_name
from .text import redact_text

MAX_DEPTH = 32


def scrub_secrets(value: Any) -> Any:
    """
    A copy of a JSON-like value with every secret replaced: values under a sensitive key, whole when
    they are lists or dicts, and every string through ``redact_text``. Deeper than 32 levels is cut
    with ``[TRUNCATED]``; a cycle becomes ``[Circular]``.
    """
    return _scrub(value, 0, [])


def _holds_something(value: Any) -> bool:
    # None and "" have nothing to hide; a non-empty list or dict is replaced whole.
    if value is None or (isinstance(value, str) and value == ""):
        return False
    if isinstance(value, (dict, list, tuple)):
        return len(value) > 0
    return True


def _scrub(value: Any, depth: int, ancestors: list[int]) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if not isinstance(value, (dict, list, tuple)):
        return value
    if id(value) in ancestors:
        return "[Circular]"
    if depth >= MAX_DEPTH:
        return "[TRUNCATED]"
    ancestors.append(id(value))
    try:
        if isinstance(value, (list, tuple)):
            return [_scrub(v, depth + 1, ancestors) for v in value]
        return {
            key: REDACTED
            if isinstance(key, str) and is_sensitive_name(key) and _holds_something(current)
            else _scrub(current, depth + 1, ancestors)
            for key, current in value.items()
        }
    finally:
        ancestors.pop()

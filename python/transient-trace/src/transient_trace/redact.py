"""
Secrets never reach a receipt: the same names and value shapes as packages/core/src/redact/
(patterns.ts, text.ts, object.ts), so a receipt written here hides what the TypeScript writer hides.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[REDACTED]"

SENSITIVE_HEADER_NAMES = frozenset(
    ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-goog-api-key"]
)
SENSITIVE_NAME_PATTERN = re.compile(r"token|secret|key|passw|pwd|credential|signature|session|auth|cookie", re.I)
# Names that match the pattern above but carry no secret.
HARMLESS_NAMES = frozenset(
    [
        "keep-alive", "max_tokens", "max-tokens", "maxtokens", "max_completion_tokens", "prompt_tokens",
        "completion_tokens", "total_tokens", "input_tokens", "output_tokens", "tokens", "token_count",
        "primary_key", "sort_key", "keys", "key_count", "author", "authors", "session_id", "sessionid",
    ]
)

# JavaScript's \s, spelled out (Python's differs on a few code points); its \b is ASCII-only (re.A).
_WS = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"

# Values that are secrets whatever they are called. [\s\S] in the TypeScript is DOTALL's "." here.
SECRET_VALUE_PATTERN = re.compile(
    "|".join(
        [
            r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}",
            r"\btsk_[A-Za-z0-9_-]{16,}",
            r"\bAKIA[0-9A-Z]{16}\b",
            r"\bgh[pousr]_[A-Za-z0-9]{30,}",
            r"\bgithub_pat_[A-Za-z0-9_]{30,}",
            r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
            r"\bAIza[0-9A-Za-z_-]{35}",
            r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
            r"\b[Bb]earer" + _WS + r"+[A-Za-z0-9._~+/=-]{8,}",
            r"\b[Bb]asic" + _WS + r"+[A-Za-z0-9+/=]{8,}",
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
        ]
    ),
    re.S | re.A,
)
_SCHEME = re.compile(r"^(Bearer|bearer|Basic|basic)" + _WS)
MAX_DEPTH = 32


def is_sensitive_name(name: str) -> bool:
    lower = name.lower()
    if lower in SENSITIVE_HEADER_NAMES:
        return True
    if lower in HARMLESS_NAMES:
        return False
    return SENSITIVE_NAME_PATTERN.search(lower) is not None


def _replace(match: re.Match[str]) -> str:
    scheme = _SCHEME.match(match.group(0))
    return f"{scheme.group(1)} {REDACTED}" if scheme else REDACTED


def redact_text(text: str) -> str:
    """Replaces every secret-shaped run in free text; returns the same string when there is none."""
    if SECRET_VALUE_PATTERN.search(text) is None:
        return text
    return SECRET_VALUE_PATTERN.sub(_replace, text)


def scrub_secrets(value: Any) -> Any:
    """
    A copy of a JSON-like value with every secret replaced: scalar values under a sensitive key and
    secret-shaped strings anywhere. Deeper than 32 levels is cut with ``[TRUNCATED]``, a cycle
    becomes ``[Circular]``.
    """
    return _scrub(value, 0, [])


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
        out: dict[str, Any] = {}
        for key, current in value.items():
            if (
                isinstance(key, str)
                and is_sensitive_name(key)
                and current is not None
                and not isinstance(current, (dict, list, tuple))
                and current != ""
            ):
                out[key] = REDACTED
            else:
                out[key] = _scrub(current, depth + 1, ancestors)
        return out
    finally:
        ancestors.pop()

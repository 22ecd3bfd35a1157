"""Which names and which values are secrets: packages/core/src/redact/patterns.ts, checked against
spec/vectors/redaction.json (the same rules as transient_trace.redact)."""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

SENSITIVE_HEADER_NAMES = frozenset(
    ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-goog-api-key"]
)
# re.A: case-insensitive for ASCII only, as a JavaScript expression without the `u` flag.
SENSITIVE_NAME_PATTERN = re.compile(r"token|secret|key|passw|pwd|credential|signature|session|auth|cookie", re.I | re.A)
# Names that match the pattern above but carry no secret.
HARMLESS_NAMES = frozenset(
    [
        "keep-alive", "max_tokens", "max-tokens", "maxtokens", "max_completion_tokens", "prompt_tokens",
        "completion_tokens", "total_tokens", "input_tokens", "output_tokens", "tokens", "token_count",
        "primary_key", "sort_key", "keys", "key_count", "author", "authors", "session_id", "sessionid",
    ]
)

#: JavaScript's \s as the characters of a class (Python's \s differs on a few code points).
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_WS = f"[{JS_SPACE}]"

# Values that are secrets whatever they are called. \b is ASCII-only in JavaScript (re.A); its
# [\s\S] is DOTALL's "." here, and its `$` (end of input) is \Z.
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
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
        ]
    ),
    re.S | re.A,
)

#: The user info of a URL with a password (``https://user:PASS@host``): 1 is ``://user:``, 2 the password.
URL_USERINFO_PATTERN = re.compile(f"(://[^{JS_SPACE}/?#@:]*:)([^{JS_SPACE}/?#@\\[]+)@")


# Answers for names seen before: payloads repeat the same few keys. Bounded, as names are input.
_NAME_CACHE_LIMIT = 4096
_name_cache: dict[str, bool] = {}


def is_sensitive_name(name: str) -> bool:
    """True when a header, query parameter or object key with this name holds a secret."""
    cached = _name_cache.get(name)
    if cached is not None:
        return cached
    lower = name.lower()
    if lower in SENSITIVE_HEADER_NAMES:
        answer = True
    elif lower in HARMLESS_NAMES:
        answer = False
    else:
        answer = SENSITIVE_NAME_PATTERN.search(lower) is not None
    if len(name) <= 64:
        if len(_name_cache) >= _NAME_CACHE_LIMIT:
            _name_cache.clear()
        _name_cache[name] = answer
    return answer

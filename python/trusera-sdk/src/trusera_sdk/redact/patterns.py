"""Which names and which values are secrets; the same lists as packages/core/src/redact/patterns.ts."""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

SENSITIVE_HEADER_NAMES = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
    }
)

SENSITIVE_NAME_PATTERN = re.compile(
    r"token|secret|key|passw|pwd|credential|signature|session|auth|cookie", re.IGNORECASE
)

# Names that match the pattern above but carry no secret; listed so that useful data is not hidden.
HARMLESS_NAMES = frozenset(
    {
        "keep-alive",
        "max_tokens",
        "max-tokens",
        "maxtokens",
        "max_completion_tokens",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "input_tokens",
        "output_tokens",
        "tokens",
        "token_count",
        "primary_key",
        "sort_key",
        "keys",
        "key_count",
        "author",
        "authors",
        "session_id",
        "sessionid",
    }
)

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


# Values that are secrets whatever they are called. Python's \b is ASCII-aware like JavaScript's
# under re.ASCII, which keeps the two languages matching the same runs.
SECRET_VALUE_PATTERN = re.compile(
    "|".join(
        [
            r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}",  # OpenAI, Anthropic
            r"\btsk_[A-Za-z0-9_-]{16,}",  # Trusera
            r"\bAKIA[0-9A-Z]{16}\b",  # AWS access key id
            r"\bgh[pousr]_[A-Za-z0-9]{30,}",  # GitHub
            r"\bgithub_pat_[A-Za-z0-9_]{30,}",
            r"\bxox[abprs]-[A-Za-z0-9-]{10,}",  # Slack
            r"\bAIza[0-9A-Za-z_-]{35}",  # Google
            r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",  # JWT
            r"\b[Bb]earer\s+[A-Za-z0-9._~+/=-]{8,}",
            r"\b[Bb]asic\s+[A-Za-z0-9+/=]{8,}",
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
        ]
    ),
    re.ASCII,
)

"""Secret-shaped runs in free text (packages/core/src/redact/text.ts)."""

from __future__ import annotations

import re

from .patterns import REDACTED, SECRET_VALUE_PATTERN

_SCHEME = re.compile(r"^(Bearer|bearer|Basic|basic)\s")


def contains_secret(text: str) -> bool:
    return SECRET_VALUE_PATTERN.search(text) is not None


def _replace(match: re.Match[str]) -> str:
    # Keep the scheme word so that a reader still sees what kind of credential was there.
    scheme = _SCHEME.match(match.group(0))
    return f"{scheme.group(1)} {REDACTED}" if scheme else REDACTED


def redact_text(text: str) -> str:
    """Replaces every secret-shaped run; returns the same string when there is nothing to replace."""
    if SECRET_VALUE_PATTERN.search(text) is None:
        return text
    return SECRET_VALUE_PATTERN.sub(_replace, text)

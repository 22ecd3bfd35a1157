"""URLs with their secrets replaced (packages/core/src/redact/url.ts)."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from .._url import InvalidURL, parse_url
from .patterns import REDACTED, is_sensitive_name
from .text import contains_secret

_LOOSE_PAIR = re.compile(r"([?&#][^=&#]+)=([^&#]*)")


def _decode(text: str) -> str:
    try:
        return unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
        return text


def _redact_pairs(text: str) -> str | None:
    """``?a=1&b=2`` or ``#a=1&b=2`` with secret-looking values replaced; None when nothing was."""
    if len(text) < 2:
        return None
    changed = False
    parts = []
    for part in text[1:].split("&"):
        eq = part.find("=")
        if eq >= 0 and (is_sensitive_name(_decode(part[:eq])) or contains_secret(_decode(part[eq + 1 :]))):
            changed = True
            parts.append(f"{part[:eq]}={REDACTED}")
        else:
            parts.append(part)
    return f"{text[0]}{'&'.join(parts)}" if changed else None


def redact_url(url: str) -> str:
    """A URL with the password of its user info and every secret-looking value of its query and
    fragment replaced. A string that is not a URL gets its ``name=value`` pairs checked instead."""
    if "?" not in url and "@" not in url and "#" not in url:
        return url
    try:
        parsed = parse_url(url)
    except InvalidURL:

        def loose(m: re.Match[str]) -> str:
            name, value = m.group(1), m.group(2)
            if is_sensitive_name(name[1:]) or contains_secret(_decode(value)):
                return f"{name}={REDACTED}"
            return m.group(0)

        return _LOOSE_PAIR.sub(loose, url)
    changed = False
    if parsed.password:
        parsed = parsed.replace(password=REDACTED)
        changed = True
    search = _redact_pairs(parsed.search)
    if search is not None:
        parsed = parsed.replace(search=search)
        changed = True
    fragment = _redact_pairs(parsed.hash)
    if fragment is not None:
        parsed = parsed.replace(hash=fragment)
        changed = True
    return parsed.href if changed else url

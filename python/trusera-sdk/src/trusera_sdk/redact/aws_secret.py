"""40-character AWS secret access keys (aws-secret.ts)."""

from __future__ import annotations

from .patterns import REDACTED

_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def is_aws_secret_shape(text: str) -> bool:
    """
    40 characters of ``A-Z a-z 0-9 + /`` with an upper-case letter, a lower-case letter, a digit and
    at most two ``/``: lower-case hex (a git or SHA-1 id) lacks the upper case, a path has more slashes.
    """
    if len(text) != 40 or not all(c in _KEY_CHARS for c in text):
        return False
    upper = any("A" <= c <= "Z" for c in text)
    lower = any("a" <= c <= "z" for c in text)
    digit = any("0" <= c <= "9" for c in text)
    return upper and lower and digit and text.count("/") <= 2


def redact_aws_secrets(text: str) -> str:
    """Every run of exactly 40 key characters (not part of a longer run of them or of ``=``) that
    ``is_aws_secret_shape`` accepts, replaced. Returns the same string when nothing is."""
    out: list[str] = []
    copied = 0
    run = -1
    n = len(text)
    for i in range(n + 1):
        c = text[i] if i < n else " "
        if c in _KEY_CHARS or c == "=":
            if run < 0:
                run = i
            continue
        if run >= 0 and i - run == 40 and is_aws_secret_shape(text[run:i]):
            out.append(text[copied:run] + REDACTED)
            copied = i
        run = -1
    return text if copied == 0 else "".join(out) + text[copied:]

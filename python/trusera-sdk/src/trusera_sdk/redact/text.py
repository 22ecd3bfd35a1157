"""Free text (text.ts): a command line, an error message, a target."""

from __future__ import annotations

import re

from .assignments import redact_assignments
from .aws_secret import is_aws_secret_shape, redact_aws_secrets
from .patterns import JS_SPACE, REDACTED, SECRET_VALUE_PATTERN, URL_USERINFO_PATTERN

_SCHEME = re.compile(f"(Bearer|bearer|Basic|basic)[{JS_SPACE}]")


def _replace_shape(match: re.Match[str]) -> str:
    # Keep the scheme word so that a reader still sees what kind of credential was there.
    scheme = _SCHEME.match(match.group(0))
    return f"{scheme.group(1)} {REDACTED}" if scheme else REDACTED


def contains_secret(text: str) -> bool:
    """True when free text contains a secret redact_text would replace."""
    return redact_text(text) != text


# Every rule of redact_text needs one of these in the text, case aside: a secret shape's first
# characters, a sensitive name's keyword (assignments.py starts from the same words), or the "@" of a
# URL's user info. Text with none cannot hold a secret: one search instead of the rules' two or more.
# (A 40-character AWS key alone is checked before it.) tests/test_redact_fast_path.py compares.
_MAYBE_SECRET = re.compile(
    r"sk-|tsk_|akia|gh[pousr]_|github_pat_|xox[abprs]-|aiza|eyj|bearer|basic|-----begin"
    r"|token|secret|key|passw|pwd|credential|signature|session|auth|cookie|aws|@",
    re.I | re.A,
)
# Strings found clean, remembered: payloads repeat the same values. Bounded, as they are input; only
# strings that hold no secret are kept.
_CLEAN_LIMIT = 4096
_CLEAN_MAX_LENGTH = 256
_clean: set[str] = set()


def redact_text(text: str) -> str:
    """
    Replaces every secret in free text: secret-shaped runs, a URL's user-info password, the value
    after a sensitive name, and a 40-character AWS secret access key when it is the whole text or the
    text names one (``aws`` or ``secret``) or holds another secret shape. Returns the same string when
    there is nothing to replace; redacting twice changes nothing more.
    """
    if text in _clean:
        return text
    if len(text) == 40 and is_aws_secret_shape(text):
        return REDACTED
    if _MAYBE_SECRET.search(text) is None:
        if len(text) <= _CLEAN_MAX_LENGTH:
            if len(_clean) >= _CLEAN_LIMIT:
                _clean.clear()
            _clean.add(text)
        return text
    return redact_text_rules(text)


def redact_text_rules(text: str) -> str:
    """``redact_text`` without its quick check: every rule run (for the tests that compare)."""
    if len(text) == 40 and is_aws_secret_shape(text):
        return REDACTED
    out = text
    seen = False
    if SECRET_VALUE_PATTERN.search(out) is not None:
        out = SECRET_VALUE_PATTERN.sub(_replace_shape, out)
        seen = True
    if "://" in out and "@" in out:
        out = URL_USERINFO_PATTERN.sub(lambda m: f"{m.group(1)}{REDACTED}@", out)
    # A name and its value are apart by `=`, `:` or spaces: texts without any (ids, names) skip the scan.
    if " " in out or "=" in out or ":" in out or "\t" in out:
        out, seen = redact_assignments(out, seen)
    return redact_aws_secrets(out) if seen and len(out) > 40 else out

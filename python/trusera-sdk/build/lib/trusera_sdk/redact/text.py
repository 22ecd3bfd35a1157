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


def redact_text(text: str) -> str:
    """
    Replaces every secret in free text: secret-shaped runs, a URL's user-info password, the value
    after a sensitive name, and a 40-character AWS secret access key when it is the whole text or the
    text names one (``aws`` or ``secret``) or holds another secret shape. Returns the same string when
    there is nothing to replace; redacting twice changes nothing more.
    """
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

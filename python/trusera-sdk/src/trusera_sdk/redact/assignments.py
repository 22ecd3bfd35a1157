"""The value after a sensitive name in free text (assignments.ts)."""

from __future__ import annotations

import re

from .patterns import JS_SPACE, REDACTED, is_sensitive_name

# The words a sensitive name contains, and `aws`: each occurrence is where `name=value` may begin.
_KEYWORD = re.compile(r"token|secret|key|passw|pwd|credential|signature|session|auth|cookie|aws", re.I | re.A)
_MAX_NAME_REACH = 64
_JS_DOT = "[^\n\r\u2028\u2029]"  # JavaScript's "."
# What may follow a name: an optional closing quote, then `=` or `:` (spaces or tabs around) or only
# spaces; an optional scheme word; then the value: quoted (up to 1,024 characters), or a run that ends
# at a space, a quote, `&`, `,`, `;`, `}`, `<` or `>`. Used with match() at the name's end (sticky).
_AFTER_NAME = re.compile(
    "[\"']?([ \t]{0,8}[=:][ \t]{0,8}|[ \t]{1,8})((?:bearer|basic|token|digest)[ \t]{1,8})?"
    + '("(?:[^"\\\\\n]|\\\\' + _JS_DOT + '){1,1024}"'
    + "|'(?:[^'\\\\\n]|\\\\" + _JS_DOT + "){1,1024}'"
    + "|[\"']?[^" + JS_SPACE + "\"'&,;}<>]+)",
    re.I | re.A,
)
# A value after spaces only counts when it looks like a credential (8+ token characters, starting with
# a letter or digit, holding a letter and a digit), so prose (`the token expired`) and paths are kept.
_TOKEN_LIKE = re.compile(r"(?=[^\d]*\d)(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9._~+/=-]{7,}", re.A)
_LITERALS = frozenset(["null", "true", "false", "undefined", "none", "nil"])
_AWS_OR_SECRET = frozenset(["aws", "secret"])


def _is_name_char(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z") or ("0" <= c <= "9") or c in "_.-"


def redact_assignments(text: str, seen: bool = False) -> tuple[str, bool]:
    """
    The values of ``name=value``, ``name: value``, ``"name": "value"`` and ``name <credential>``
    replaced when the name is sensitive (``export OPENAI_API_KEY=...``, ``password=...``,
    ``?api_key=...``, ``Authorization: token ...``). A name right after ``//`` or ``@`` is a host and
    is left alone. Also returns ``seen``, set when the text says ``aws`` or ``secret``.
    """
    out: list[str] = []
    copied = 0
    pos = 0
    n = len(text)
    while True:
        m = _KEYWORD.search(text, pos)
        if m is None:
            break
        at, word = m.start(), m.group(0)
        if word.lower() in _AWS_OR_SECRET:
            seen = True
        start = at
        while start > copied and at - start < _MAX_NAME_REACH and _is_name_char(text[start - 1]):
            start -= 1
        end = at + len(word)
        while end < n and end - at < _MAX_NAME_REACH and _is_name_char(text[end]):
            end += 1
        pos = end
        before = text[start - 1] if start > 0 else ""
        if before == "@" or (before == "/" and start >= 2 and text[start - 2] == "/"):
            continue
        if not is_sensitive_name(text[start:end]):
            continue
        after = _AFTER_NAME.match(text, end)
        if after is None:
            continue
        whole, separator, scheme, value = after.group(0), after.group(1), after.group(2), after.group(3)
        value_at = end + len(whole) - len(value)
        quote = value[0] if value[0] in "\"'" else ""
        closed = quote != "" and len(value) > 1 and value.endswith(quote)
        bare = value if not quote else value[1:-1] if closed else value[1:]
        if bare.startswith(REDACTED) or bare.startswith("//") or bare.lower() in _LITERALS:
            pos = value_at + len(value)
            continue
        # Prose: look for names inside the word that followed, not past it.
        if "=" not in separator and ":" not in separator and not scheme and not _TOKEN_LIKE.fullmatch(bare):
            continue
        out.append(f"{text[copied:value_at]}{quote}{REDACTED}{quote if closed else ''}")
        copied = value_at + len(value)
        pos = copied
    return (text if copied == 0 else "".join(out) + text[copied:]), seen

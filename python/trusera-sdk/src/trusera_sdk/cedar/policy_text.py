"""Reading Cedar policy text well enough to split it into policies, find each one's ``@id`` and
place an error at a line and column. The engine (cedarpy) says what is wrong but not where, so
positions are found here: a parse error by asking the engine about ever longer prefixes of the
failing policy (the longest prefix it reads as merely unfinished ends right before the bad token),
a validation error by the name it quotes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<open_string>"(?:[^"\\]|\\.)*)
  | (?P<slot>\?[A-Za-z_][A-Za-z0-9_]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]+)
  | (?P<punct>::|==|!=|<=|>=|&&|\|\||[@()\[\]{};,.<>!+\-*%])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class PolicyPart:
    """One policy of a set: its text (annotations to ``;``), where it starts, and its id."""

    id: str
    text: str
    offset: int
    tokens: tuple[Token, ...]
    annotated: bool


def tokenize(text: str) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        out.append(Token(kind, m.group(0), m.start(), m.end()))
    return out


def unquote(literal: str) -> str:
    """The value of a Cedar string literal (JSON escapes, plus ``\\u{...}``, ``\\0`` and ``\\'``)."""
    body = literal[1:-1]
    body = re.sub(r"\\u\{([0-9a-fA-F]{1,6})\}", lambda m: chr(int(m.group(1), 16)), body)
    body = body.replace("\\0", "\x00").replace("\\'", "'")
    try:
        return json.loads(f'"{body}"')
    except ValueError:
        return body


def split_policies(text: str) -> list[PolicyPart]:
    """The policies of ``text`` in order, each to its ``;``. Text after the last ``;`` (an unfinished
    policy) is a part too, so that its error can be placed."""
    tokens = tokenize(text)
    parts: list[PolicyPart] = []
    current: list[Token] = []
    for tok in tokens:
        current.append(tok)
        if tok.kind == "punct" and tok.text == ";":
            parts.append(_part(text, current, len(parts)))
            current = []
    if current:
        parts.append(_part(text, current, len(parts)))
    return parts


def _part(text: str, tokens: list[Token], index: int) -> PolicyPart:
    start, end = tokens[0].start, tokens[-1].end
    pid, annotated = f"policy{index}", False
    i = 0
    # Leading annotations: @name("value") ...
    while i + 1 < len(tokens) and tokens[i].text == "@" and tokens[i + 1].kind == "ident":
        name = tokens[i + 1].text
        j = i + 2
        value = None
        if j < len(tokens) and tokens[j].text == "(":
            if j + 2 < len(tokens) and tokens[j + 1].kind == "string" and tokens[j + 2].text == ")":
                value = unquote(tokens[j + 1].text)
                j += 3
            elif j + 1 < len(tokens) and tokens[j + 1].text == ")":
                j += 2
            else:
                break
        if name == "id" and not annotated:
            pid, annotated = (value if value is not None else ""), True
        i = j
    return PolicyPart(pid, text[start:end], start, tuple(tokens), annotated)


def position_at(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


_QUOTED = re.compile(r"`([^`]+)`")


def locate_named(part: PolicyPart, message: str, skip: tuple[str, ...] = ()) -> int:
    """Offset (in the whole text) of the first name quoted in ``message`` that the policy contains,
    else the policy's start."""
    for name in _QUOTED.findall(message):
        if name in skip:
            continue
        for tok in part.tokens:
            if tok.text == name or (tok.kind == "string" and tok.text == f'"{name}"'):
                return tok.start
        m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", part.text)
        if m:
            return part.offset + m.start()
    after_colon = message.rsplit(": ", 1)
    if len(after_colon) == 2:
        word = after_colon[1].strip()
        for tok in part.tokens:
            if tok.text == word:
                return tok.start
    return part.offset

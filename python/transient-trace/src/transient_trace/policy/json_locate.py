"""JSON parsed with the place of every value, so policy errors can point into the file (json-locate.ts)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_LITERAL = re.compile(r"true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_WS = " \t\n\r"


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} at line {line}, column {column}")
        self.line = line
        self.column = column


def position_at(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    end = max(0, min(offset, len(text)))
    line = text.count("\n", 0, end) + 1
    return line, end - (text.rfind("\n", 0, end) + 1) + 1


@dataclass
class LocatedJson:
    value: Any
    #: Offset of each value by JSON Pointer (``/rules/0/action``); ``#key`` suffix for a member's name.
    offsets: dict[str, int]
    text: str

    def position_of(self, pointer: str) -> tuple[int, int]:
        # Fall back to the nearest enclosing value that was seen.
        p = pointer
        while True:
            at = self.offsets.get(p)
            if at is not None:
                return position_at(self.text, at)
            if p == "":
                return 1, 1
            p = p[: p.rfind("/")]


def parse_json_located(text: str) -> LocatedJson:
    """Parses JSON (RFC 8259) recording where each value starts; syntax errors carry line and column."""
    offsets: dict[str, int] = {}
    n = len(text)
    i = 0

    def fail(message: str, at: int | None = None) -> Any:
        line, column = position_at(text, i if at is None else at)
        raise JsonSyntaxError(message, line, column)

    def ws() -> None:
        nonlocal i
        while i < n and text[i] in _WS:
            i += 1

    def what() -> str:
        return "end of input" if i >= n else f'"{text[i]}"'

    def string() -> str:
        nonlocal i
        start = i
        i += 1
        while i < n:
            c = text[i]
            if c == '"':
                i += 1
                return json.loads(text[start:i])
            if c == "\\":
                e = text[i + 1] if i + 1 < n else ""
                if e == "u":
                    if not _HEX4.fullmatch(text[i + 2 : i + 6]):
                        fail("bad \\u escape in string")
                    i += 6
                elif e and e in '"\\/bfnrt':
                    i += 2
                else:
                    fail("bad escape in string")
            elif ord(c) < 32:
                fail("control character in string")
            else:
                i += 1
        return fail("unterminated string", start)

    def value(path: str, depth: int) -> None:
        nonlocal i
        if depth > 64:
            fail("nesting deeper than 64 levels")
        ws()
        offsets[path] = i
        c = text[i] if i < n else ""
        if c == "{":
            i += 1
            ws()
            if i < n and text[i] == "}":
                i += 1
                return
            seen: set[str] = set()
            while True:
                ws()
                if i >= n or text[i] != '"':
                    fail(f"expected a member name in quotes, found {what()}")
                key_at = i
                key = string()
                if key in seen:
                    fail(f'duplicate member "{key}"', key_at)
                seen.add(key)
                child = f"{path}/{key.replace('~', '~0').replace('/', '~1')}"
                offsets[f"{child}#key"] = key_at
                ws()
                if i >= n or text[i] != ":":
                    fail(f'expected ":" after member name, found {what()}')
                i += 1
                value(child, depth + 1)
                ws()
                if i < n and text[i] == ",":
                    i += 1
                    continue
                if i < n and text[i] == "}":
                    i += 1
                    return
                fail(f'expected "," or "}}" after a member, found {what()}')
        if c == "[":
            i += 1
            ws()
            if i < n and text[i] == "]":
                i += 1
                return
            k = 0
            while True:
                value(f"{path}/{k}", depth + 1)
                k += 1
                ws()
                if i < n and text[i] == ",":
                    i += 1
                    continue
                if i < n and text[i] == "]":
                    i += 1
                    return
                fail(f'expected "," or "]" after an element, found {what()}')
        if c == '"':
            string()
            return
        m = _LITERAL.match(text, i)
        if m is None:
            fail(f"unexpected {what()}")
            return
        i = m.end()

    value("", 0)
    ws()
    if i < n:
        fail(f"unexpected {what()} after the end of the JSON value")
    return LocatedJson(json.loads(text), offsets, text)

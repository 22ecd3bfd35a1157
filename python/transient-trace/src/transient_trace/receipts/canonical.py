"""
RFC 8785 (JCS): the bytes ATP signs and hashes. Members sorted by UTF-16 code units, numbers in
ECMAScript form, strings with JSON's minimal escapes, no whitespace: byte for byte what the
TypeScript side's ``canonicalize`` produces (checked against it in tests/test_canonical.py).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ..errors import TransientTraceError

# The C string encoder behind json.dumps(ensure_ascii=False): JSON's minimal escapes, as JCS asks.
_encode_string = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SAFE_INT = 2**53


class CanonicalizationError(TransientTraceError, ValueError):
    """A value JSON cannot hold (NaN, Infinity, a set, an object key that is not a string)."""

    code = "TRANSIENT_TRACE_INVALID"


def canonical_json(value: Any) -> str:
    """The JCS text of a JSON value (dicts, lists, tuples, str, int, float, bool, None)."""
    out: list[str] = []
    _write(value, out)
    text = "".join(out)
    # ES2019 JSON.stringify writes a lone surrogate as an escape; Python would write it raw. Outside
    # strings the text is ASCII, so one pass over the whole of it is the same as one per string.
    if not text.isascii() and _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return text


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _sorted_keys(value: dict[str, Any]) -> list[str]:
    # Code point order is UTF-16 order unless a key holds a character above U+FFFF.
    if all(key.isascii() for key in value):
        return sorted(value)
    return sorted(value, key=_utf16_key)


def _write(value: Any, out: list[str]) -> None:
    if type(value) is str:  # the common case first
        out.append(_encode_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int):
        out.append(str(value) if -_SAFE_INT < value < _SAFE_INT else number_text(float(value)))
    elif isinstance(value, float):
        out.append(number_text(value))
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalizationError(f"object keys must be strings, got {type(key).__name__}")
        out.append("{")
        first = True
        for key in _sorted_keys(value):
            if not first:
                out.append(",")
            first = False
            out.append(_encode_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise CanonicalizationError(f"{type(value).__name__} has no JSON form")


def number_text(x: float) -> str:
    """ECMAScript Number::toString of a double: the shortest digits that round-trip, ES layout."""
    if math.isnan(x) or math.isinf(x):
        raise CanonicalizationError(f"{x} has no JSON form")
    if x == 0:
        return "0"
    if x < 0:
        return "-" + number_text(-x)
    mantissa, _, exp = repr(x).partition("e")  # repr: the shortest round-trip digits, as ES uses
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    n = len(whole) + (int(exp) if exp else 0) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"

"""What makes an event valid; the same rules and words as packages/core/src/events/validate.ts."""

from __future__ import annotations

import json
import re
from typing import Any

from .event_type import EVENT_TYPES
from .limits import MAX_AGENT_ID_LENGTH, MAX_NAME_LENGTH

EVENT_ID_PATTERN = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})\Z"
)
ISO_TIMESTAMP_PATTERN = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:?\d{2})\Z"
)


def _is_object(v: Any) -> bool:
    return isinstance(v, dict)


def _js_length(s: str) -> int:
    """Length as JavaScript counts it (UTF-16 code units), so limits match the server's."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def validate_event(value: Any) -> list[str]:
    """Every problem with a candidate event (a dict as on the wire), in words; empty means valid."""
    if not _is_object(value):
        return ["event must be a JSON object"]
    e = value
    problems: list[str] = []
    eid = e.get("id")
    if not isinstance(eid, str) or not EVENT_ID_PATTERN.match(eid):
        problems.append("id must be a UUID or 32 hex characters")
    t = e.get("type")
    if not isinstance(t, str) or t not in EVENT_TYPES:
        problems.append(f"type {_js_json(t) if 'type' in e else 'undefined'} is not a known event type")
    name = e.get("name")
    if not isinstance(name, str) or name == "":
        problems.append("name must be a non-empty string")
    elif _js_length(name) > MAX_NAME_LENGTH:
        problems.append(f"name is longer than {MAX_NAME_LENGTH} characters")
    if not _is_object(e.get("payload")):
        problems.append("payload must be a JSON object")
    if not _is_object(e.get("metadata")):
        problems.append("metadata must be a JSON object")
    ts = e.get("timestamp")
    if not isinstance(ts, str) or not ISO_TIMESTAMP_PATTERN.match(ts):
        problems.append("timestamp must be an ISO-8601 date-time with a time zone")
    if "agent_id" in e:
        a = e["agent_id"]
        if not isinstance(a, str) or a == "":
            problems.append("agent_id must be a non-empty string")
        elif _js_length(a) > MAX_AGENT_ID_LENGTH:
            problems.append(f"agent_id is longer than {MAX_AGENT_ID_LENGTH} characters")
    return problems


def is_valid_event(value: Any) -> bool:
    return not validate_event(value)


def _js_json(v: Any) -> str:
    """``JSON.stringify`` of a value as the TypeScript message shows it (``undefined`` when absent)."""
    if v is None:
        return "null"
    try:
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return "undefined"

"""One event to the bytes the wire carries: redacted, validated, JSON as JavaScript writes it."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]
from typing import Any, Mapping

from ..events.deferred import resolve_top_level
from ..events.limits import MAX_AGENT_ID_LENGTH, MAX_EVENT_BYTES, MAX_NAME_LENGTH
from ..events.validate import validate_event
from ..redact import redact_text, scrub_secrets



def _not_json(o: Any) -> Any:
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


# json.dumps(separators=(",", ":"), ensure_ascii=False, allow_nan=False), with its C encoder made once
# instead of per call. No circular check: scrub_secrets has already cut cycles ("[Circular]").
if c_make_encoder is not None and c_encode_basestring is not None:
    _encode = c_make_encoder(None, _not_json, c_encode_basestring, None, ":", ",", False, False, False)

    def _dumps(o: Any) -> str:
        return "".join(_encode(o, 0))

else:  # an interpreter without json's C accelerator
    _dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


class InvalidEvent(ValueError):
    pass


def _plain(o: Any) -> Any:
    """What JSON holds for a value json cannot write (then scrubbed like the rest)."""
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    if isinstance(o, enum.Enum):
        return o.value
    if isinstance(o, (set, frozenset)):
        return list(o)
    if isinstance(o, (bytes, bytearray, memoryview)):
        return f"[{len(o)} bytes]"
    if hasattr(o, "model_dump"):  # pydantic
        try:
            return o.model_dump(mode="json")
        except Exception:  # noqa: BLE001
            pass
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    return repr(o)[:1024]


def _finite(v: Any) -> Any:
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return None  # as JSON.stringify writes NaN and Infinity
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def _json(d: dict[str, Any]) -> str:
    try:
        return _dumps(d)
    except (TypeError, ValueError, RecursionError):
        pass
    # Values json cannot write, or NaN: make them plain, then scrub again (a pydantic model's
    # api_key field is a secret too).
    text = json.dumps(d, default=_plain, allow_nan=True, separators=(",", ":"), ensure_ascii=False)
    plain = json.loads(text, parse_constant=lambda _c: None)
    plain["payload"] = scrub_secrets(plain["payload"])
    plain["metadata"] = scrub_secrets(plain["metadata"])
    return _dumps(_finite(plain))


def _as_dict(v: Any) -> Any:
    if v.__class__ is dict:  # the common case, without the Mapping ABC's slow check
        return v
    return dict(v) if isinstance(v, Mapping) and not isinstance(v, dict) else v


def _checked(d: dict[str, Any]) -> list[str]:
    """For an ``Event`` whose type, id and timestamp the SDK made (valid by construction): the rest
    of ``validate_event``'s rules, without its patterns."""
    name = d["name"]
    agent = d.get("agent_id")
    if (
        isinstance(d["payload"], dict)
        and isinstance(d["metadata"], dict)
        and len(name) <= MAX_NAME_LENGTH // 2  # within the limit however JavaScript counts it
        and (agent is None or (isinstance(agent, str) and 0 < len(agent) <= MAX_AGENT_ID_LENGTH // 2))
    ):
        return []
    return validate_event(d)


def serialize_event(
    event_id: str,
    type_: str,
    name: Any,
    payload: Any,
    metadata: Any,
    timestamp: str,
    agent_id: str | None,
    made_here: bool = False,
) -> bytes:
    """``made_here``: the id and timestamp are the SDK's own (the common case, checked faster).

    :raises InvalidEvent: with the reason, when the event cannot go on the wire."""
    d: dict[str, Any] = {
        "id": event_id,
        "type": type_,
        "name": redact_text(name) if isinstance(name, str) else name,
        "payload": scrub_secrets(resolve_top_level(_as_dict(payload))),
        "metadata": scrub_secrets(_as_dict(metadata)),
        "timestamp": timestamp,
    }
    if agent_id is not None:
        d["agent_id"] = agent_id
    problems = _checked(d) if made_here else validate_event(d)
    if problems:
        raise InvalidEvent("; ".join(problems))
    data = _json(d).encode("utf-8")
    if len(data) > MAX_EVENT_BYTES:
        raise InvalidEvent(f"larger than {MAX_EVENT_BYTES} bytes")
    return data

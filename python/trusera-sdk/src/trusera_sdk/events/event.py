"""One structured record of a single agent action; also the wire format (docs/policy-model.md)."""

from __future__ import annotations

import time
from typing import Any, Mapping

from .event_type import EVENT_TYPES, EventType
from .ids import iso_timestamp, uuid7

_now = time.time


class Event:
    """An event to ``track()``.

    ``Event(type=EventType.TOOL_CALL, name="web_search", payload={"query": "cats"})``

    Building one is cheap: the id (a UUID v7) is made on first use of ``id``, normally by the
    client's background thread, and the time is taken now and formatted later. ``payload`` and
    ``metadata`` are serialized (with secrets redacted) by the client's thread after ``track()``, at
    the latest at its next flush: do not change them afterwards.

    :raises ValueError: when ``type`` is not an event type or ``name`` is empty.
    """

    __slots__ = ("type", "name", "payload", "metadata", "_id", "_time", "_timestamp", "agent_id")

    def __init__(
        self,
        type: EventType | str,
        name: str,
        payload: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        id: str | None = None,
        timestamp: str | None = None,
        agent_id: str | None = None,
    ) -> None:
        # An EventType member is valid by construction; only other values are looked up (an Enum's
        # hash is a Python-level call, which would double the cost of the common case).
        if type.__class__ is not EventType and type not in EVENT_TYPES:
            raise ValueError(f"Event type {type!r} is not one of {sorted(EVENT_TYPES)}")
        if name.__class__ is not str and not isinstance(name, str) or not name:
            raise ValueError("Event name must be a non-empty string")
        self.type = type
        self.name = name
        self.payload = {} if payload is None else payload
        self.metadata = {} if metadata is None else metadata
        self._id = id
        self._time = _now()
        self._timestamp = timestamp
        self.agent_id = agent_id

    @property
    def id(self) -> str:
        if self._id is None:
            self._id = uuid7(int(self._time * 1000))
        return self._id

    @property
    def timestamp(self) -> str:
        if self._timestamp is None:
            self._timestamp = iso_timestamp(self._time)
        return self._timestamp

    def to_dict(self) -> dict[str, Any]:
        """The event as the wire has it (before redaction, which the client applies)."""
        out: dict[str, Any] = {
            "id": self.id,
            "type": str(self.type.value if isinstance(self.type, EventType) else self.type),
            "name": self.name,
            "payload": self.payload,
            "metadata": self.metadata,
            "timestamp": self.timestamp,
        }
        if self.agent_id is not None:
            out["agent_id"] = self.agent_id
        return out

    def __repr__(self) -> str:
        return f"Event(type={str(self.type)!r}, name={self.name!r})"

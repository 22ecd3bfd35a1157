"""Events: what an agent did, as the wire carries it."""

from .event import Event
from .event_type import EVENT_TYPES, EventType
from .ids import iso_timestamp, uuid7
from .limits import MAX_AGENT_ID_LENGTH, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_NAME_LENGTH
from .validate import is_valid_event, validate_event

__all__ = [
    "EVENT_TYPES",
    "Event",
    "EventType",
    "MAX_AGENT_ID_LENGTH",
    "MAX_BATCH_EVENTS",
    "MAX_EVENT_BYTES",
    "MAX_NAME_LENGTH",
    "is_valid_event",
    "iso_timestamp",
    "uuid7",
    "validate_event",
]

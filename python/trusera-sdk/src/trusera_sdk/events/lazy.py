"""Events built off the application's thread: an intercepted call whose pieces are not remembered yet
(interceptor/wire.py; later calls with the same pieces are made into bytes on the calling thread),
or that ended in an error, hands the client one small record, and the client's thread builds its
``api_call`` (and ``policy_violation``) events from it, so that the call pays for a tuple and an
append instead of two dicts, an event and a header copy."""

from __future__ import annotations

from typing import Any, Callable

from .event import Event

# Records: tuples of plain values, ``(kind, count, agent, ...)``, that the client's thread turns
# into events with the functions registered for ``kind``. A tuple that holds only strings, bytes,
# numbers, None and such tuples leaves the garbage collector's lists at its first pass, so thousands of
# calls waiting for the client's thread add nothing to the collector's later passes (an object
# per call would reach its oldest generation and make full collections come more often).
Wire = Callable[[tuple], "tuple[bytes, ...] | list[bytes] | None"]
Build = Callable[[tuple], "list[Event]"]
RECORD_KINDS: dict[str, tuple[Wire, Build]] = {}


def record_kind(kind: str, wire: Wire, build: Build) -> None:
    """Registers how a record of ``kind`` becomes wire bytes (or None: then ``build`` makes its
    events for the full path)."""
    RECORD_KINDS[kind] = (wire, build)


class LazyEvents:
    """Something ``TruseraClient`` turns into events on its own thread. ``count``: how many.
    ``agent``: the client's agent id when it was tracked (set by the client)."""

    __slots__ = ("agent",)
    count: int = 1  # a subclass may hold it in a slot

    def events(self) -> list[Event]:  # pragma: no cover - interface
        raise NotImplementedError

    def wire(self, agent: Any) -> list[bytes] | None:
        """The events' wire bytes made directly (redacted, valid, within the size limit), or None
        to have the client build ``events()`` and serialize them. ``agent``: the client's agent id."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def stamp(event: Event, wall_time: float) -> Event:
    """The event's time is when it happened, not when it was built."""
    event._time = wall_time
    return event


__all__ = ["RECORD_KINDS", "LazyEvents", "record_kind", "stamp"]

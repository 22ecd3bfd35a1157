"""A FIFO of serialized events bounded by count and bytes (packages/sdk/src/client/event-queue.ts).
Not locked itself: the client holds its lock around every call."""

from __future__ import annotations

from collections import deque


class EventQueue:
    __slots__ = ("max_events", "max_bytes", "_items", "bytes")

    def __init__(self, max_events: int, max_bytes: int) -> None:
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._items: deque[bytes] = deque()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def push(self, item: bytes, room_for: int = 0) -> int:
        """Appends at the tail; returns how many of the oldest were dropped to stay within bounds
        (``room_for`` events not yet serialized count against the count bound)."""
        self._items.append(item)
        self.bytes += len(item)
        return self._evict(room_for)

    def push_many(self, items: list[bytes], room_for: int = 0) -> int:
        """``push`` of each, in order, with one eviction pass at the end (the same outcome: only the
        oldest are ever evicted)."""
        self._items.extend(items)
        self.bytes += sum(map(len, items))
        return self._evict(room_for)

    def unshift(self, batch: list[bytes], room_for: int = 0) -> int:
        """Puts a batch that could not be delivered back at the head, in its order."""
        self._items.extendleft(reversed(batch))
        self.bytes += sum(len(b) for b in batch)
        return self._evict(room_for)

    def take(self, max_count: int, max_bytes: int) -> list[bytes]:
        """Up to ``max_count`` events from the head whose sizes add up to at most ``max_bytes`` (at least one)."""
        out: list[bytes] = []
        size = 0
        items = self._items
        while items and len(out) < max_count:
            nxt = items[0]
            if out and size + len(nxt) > max_bytes:
                break
            items.popleft()
            out.append(nxt)
            size += len(nxt)
        self.bytes -= size
        return out

    def drop_oldest(self) -> bool:
        if not self._items:
            return False
        self.bytes -= len(self._items.popleft())
        return True

    def clear(self) -> int:
        n = len(self._items)
        self._items.clear()
        self.bytes = 0
        return n

    def _evict(self, room_for: int) -> int:
        dropped = 0
        items = self._items
        while items and (len(items) + room_for > self.max_events or self.bytes > self.max_bytes):
            self.bytes -= len(items.popleft())
            dropped += 1
        return dropped

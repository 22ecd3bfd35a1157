"""Decisions remembered per policy set: exact, since a Cedar decision is a pure function of the
request and the set; the key holds every input the request is built from, and the whole cache is
dropped when the set changes (docs/policy-model.md, "Decision cache").

A hit is one dict lookup without a lock (atomic under the GIL); the bound evicts the oldest entry
first. (Moving each hit to the recent end, as an LRU does, cost more than the rest of a hit.)"""

from __future__ import annotations

import threading
from typing import Any, Hashable


class DecisionCache:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[Hashable, Any] = {}
        self._generation = -1
        self._lock = threading.Lock()

    def get(self, generation: int, key: Hashable) -> Any:
        if generation != self._generation:
            return None
        return self._items.get(key)

    def put(self, generation: int, key: Hashable, value: Any) -> None:
        if self._size == 0:
            return
        with self._lock:
            if generation != self._generation:
                self._items = {}
                self._generation = generation
            items = self._items
            items[key] = value
            while len(items) > self._size:
                del items[next(iter(items))]

    def __len__(self) -> int:
        return len(self._items)

"""Decisions remembered per policy set: exact, since a Cedar decision is a pure function of the
request and the set; the key holds every input the request is built from, and the whole cache is
dropped when the set changes (docs/policy-model.md, "Decision cache")."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


class DecisionCache:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._generation = -1
        self._lock = threading.Lock()

    def get(self, generation: int, key: Hashable) -> Any:
        if self._size == 0:
            return None
        with self._lock:
            if generation != self._generation:
                self._items.clear()
                self._generation = generation
                return None
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, generation: int, key: Hashable, value: Any) -> None:
        if self._size == 0:
            return
        with self._lock:
            if generation != self._generation:
                self._items.clear()
                self._generation = generation
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

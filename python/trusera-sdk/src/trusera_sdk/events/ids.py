"""Event ids and timestamps, made the way the TypeScript SDK makes them.

UUID version 7 (RFC 9562): time-ordered, so events arrive at the server nearly sorted and its unique
index grows at its right edge. Random bits come from ``os.urandom`` in pools.
"""

from __future__ import annotations

import os
import threading
import time

_POOL_WORDS = 512  # 64-bit random words, drawn from os.urandom 4 KiB at a time
_lock = threading.Lock()
_pool: "memoryview | list[int]" = []
_offset = _POOL_WORDS
_last_ms = -1
_sequence = 0
_prefix = ""  # the id's first 14 characters, the same for every id of one millisecond


def _fresh_pool_after_fork() -> None:
    # A forked child must not draw the parent's remaining random words.
    global _offset
    _offset = _POOL_WORDS


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_pool_after_fork)


def uuid7(now_ms: int | None = None) -> str:
    """A UUID v7 string; ids made in one millisecond keep their order through a 12-bit counter."""
    global _pool, _offset, _last_ms, _sequence, _prefix
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        if _offset >= _POOL_WORDS:
            _pool = memoryview(os.urandom(_POOL_WORDS * 8)).cast("Q")
            _offset = 0
        r = _pool[_offset]
        _offset += 1
        if ms > _last_ms:
            _last_ms = ms
            _sequence = (r >> 53) & 0x7FF  # random start, room to count up
            _prefix = f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-"
        else:
            _sequence += 1
            if _sequence > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                _last_ms += 1
                _sequence = 0
                _prefix = f"{_last_ms >> 16:08x}-{_last_ms & 0xFFFF:04x}-"
        seq = _sequence
        prefix = _prefix
    # Version 7 and the counter, then the variant (10) and 62 random bits: one number formatted.
    h = f"{(0x7000 | seq) << 64 | (r & 0x3FFFFFFFFFFFFFFF | 0x8000000000000000):020x}"
    return f"{prefix}{h[:4]}-{h[4:8]}-{h[8:]}"


_cached_second = -1
_cached_prefix = ""


def iso_timestamp(seconds: float) -> str:
    """``2026-11-22T02:11:33.123Z`` for a ``time.time()`` value, as JavaScript's ``toISOString`` writes it."""
    global _cached_second, _cached_prefix
    ms_total = int(seconds * 1000)
    second, ms = divmod(ms_total, 1000)
    if second != _cached_second:
        _cached_prefix = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
        _cached_second = second
    return f"{_cached_prefix}{ms:03d}Z"

"""Event ids and timestamps, made the way the TypeScript SDK makes them.

UUID version 7 (RFC 9562): time-ordered, so events arrive at the server nearly sorted and its unique
index grows at its right edge. Random bits come from ``os.urandom`` in pools.
"""

from __future__ import annotations

import os
import threading
import time

_POOL_SIZE = 4096
_lock = threading.Lock()
_pool = b""
_offset = _POOL_SIZE
_last_ms = -1
_sequence = 0


def uuid7(now_ms: int | None = None) -> str:
    """A UUID v7 string; ids made in one millisecond keep their order through a 12-bit counter."""
    global _pool, _offset, _last_ms, _sequence
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        if _offset + 10 > _POOL_SIZE:
            _pool = os.urandom(_POOL_SIZE)
            _offset = 0
        r = _pool[_offset : _offset + 10]
        _offset += 10
        if ms > _last_ms:
            _last_ms = ms
            _sequence = ((r[0] << 4) | (r[1] >> 4)) & 0x7FF  # random start, room to count up
        else:
            _sequence += 1
            if _sequence > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                _last_ms += 1
                _sequence = 0
        ms = _last_ms
        seq = _sequence
    h = (
        f"{ms:012x}"
        + f"{0x7000 | seq:04x}"
        + f"{0x80 | (r[2] & 0x3F):02x}{r[3]:02x}"
        + r[4:10].hex()
    )
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


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

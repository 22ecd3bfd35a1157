"""Event ids and timestamps, made the way the TypeScript SDK makes them.

UUID version 7 (RFC 9562): time-ordered, so events arrive at the server nearly sorted and its unique
index grows at its right edge. Random bits come from ``os.urandom`` in pools.
"""

from __future__ import annotations

import os
import threading
import time

_POOL_IDS = 512  # ids' random parts made at a time, from 4 KiB of os.urandom
# The variant (binary 10) in the top bits of each id's first random byte, over its 6 random bits.
_VARIANT = bytes((b & 0x3F) | 0x80 for b in range(256))
# Version 7 and the 12-bit counter, one string per counter value: a list index instead of an int
# formatted per id (ids are made on the application's thread for intercepted calls).
_VERSION_AND_COUNTER = [f"7{s:03x}-" for s in range(4096)]
_lock = threading.Lock()
_variant_parts: list[str] = []  # "vxxx": the variant and 14 random bits, per id
_random_parts: list[str] = []  # 48 random bits in hex, per id
_offset = _POOL_IDS
_last_ms = -1
_sequence = 0
_prefix = ""  # the id's first 14 characters, the same for every id of one millisecond


def _fresh_pool_after_fork() -> None:
    # A forked child must not draw the parent's remaining random parts, nor inherit the lock held
    # by a parent's thread that does not exist in the child.
    global _offset, _lock
    _offset = _POOL_IDS
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_pool_after_fork)


def _random_pool() -> tuple[list[str], list[str]]:
    """The random parts of the next ``_POOL_IDS`` ids, made in bulk by C code (a translate, a hex
    with separators, a split): per id, a string formatted in Python costs more than the id."""
    variant = bytearray(os.urandom(_POOL_IDS * 2))
    variant[::2] = variant[::2].translate(_VARIANT)
    return variant.hex("-", 2).split("-"), os.urandom(_POOL_IDS * 6).hex("-", 6).split("-")


def uuid7(now_ms: int | None = None) -> str:
    """A UUID v7 string; ids made in one millisecond keep their order through a 12-bit counter."""
    global _variant_parts, _random_parts, _offset, _last_ms, _sequence, _prefix
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    _lock.acquire()  # cheaper than a with block, on a path taken per intercepted call
    try:
        at = _offset
        if at >= _POOL_IDS:
            _variant_parts, _random_parts = _random_pool()
            at = 0
        _offset = at + 1
        variant, rest = _variant_parts[at], _random_parts[at]
        if ms > _last_ms:
            _last_ms = ms
            seq = _sequence = int(variant[1:], 16) & 0x7FF  # random start, room to count up
            _prefix = f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-"
        else:
            seq = _sequence = _sequence + 1
            if seq > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                _last_ms += 1
                seq = _sequence = 0
                _prefix = f"{_last_ms >> 16:08x}-{_last_ms & 0xFFFF:04x}-"
        prefix = _prefix
    finally:
        _lock.release()
    return f"{prefix}{_VERSION_AND_COUNTER[seq]}{variant}-{rest}"


_cached: tuple[int, str] = (-1, "")  # a second and its text up to the milliseconds, as one value


def iso_timestamp(seconds: float) -> str:
    """``2026-11-22T02:11:33.123Z`` for a ``time.time()`` value, as JavaScript's ``toISOString`` writes it."""
    global _cached
    second, ms = divmod(int(seconds * 1000), 1000)
    cached = _cached  # read once: another thread may replace it meanwhile
    if cached[0] != second:
        cached = _cached = (second, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second)))
    return f"{cached[1]}{ms:03d}Z"

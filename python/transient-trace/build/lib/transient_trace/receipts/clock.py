from __future__ import annotations

import time


def now_iso() -> str:
    """Now as ISO-8601 UTC with microseconds, e.g. ``2026-11-22T02:11:33.123456Z``."""
    ns = time.time_ns()
    secs, rest = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{rest // 1000:06d}Z"

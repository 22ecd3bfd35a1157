"""Receipt ids: ``TR-``/``TI-``/``TD-`` with the same digits (time in ms, a counter, six random digits)."""

from __future__ import annotations

import re
import secrets
import threading
import time

RECEIPT_ID_PATTERN = re.compile(r"TR-\d+")
INTENT_ID_PATTERN = re.compile(r"TI-\d+")
DECISION_ID_PATTERN = re.compile(r"TD-\d+")

_lock = threading.Lock()
_counter = 0


def new_id_digits(now_ms: int | None = None) -> str:
    global _counter
    with _lock:
        _counter = (_counter + 1) % 1000
        n = _counter
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return f"{ms}{n:03d}{secrets.randbelow(1_000_000):06d}"


def new_receipt_ids(now_ms: int | None = None) -> dict[str, str]:
    d = new_id_digits(now_ms)
    return {"receipt_id": f"TR-{d}", "intent_id": f"TI-{d}", "decision_id": f"TD-{d}"}

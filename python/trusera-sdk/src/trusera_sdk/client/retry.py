"""How a failed request is retried (packages/sdk/src/transport/retry.ts)."""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5  # after the first attempt, per batch
    base_delay: float = 0.25  # seconds; upper bound of the first backoff, doubling each retry
    max_delay: float = 30.0  # no single wait is longer, including one asked for by Retry-After


def is_retryable_status(status: int) -> bool:
    """Network errors, 5xx, 408 and 429 are worth another try; every other status is an answer."""
    return status in (408, 429) or status >= 500


def backoff_delay(policy: RetryPolicy, attempt: int, rand: "random.Random | None" = None) -> float:
    """Exponential backoff with full jitter: a random wait in [0, min(max, base * 2^attempt)]."""
    ceiling = min(policy.max_delay, policy.base_delay * (2**attempt))
    return (rand or random).random() * ceiling


_SECONDS = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    if _SECONDS.match(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))

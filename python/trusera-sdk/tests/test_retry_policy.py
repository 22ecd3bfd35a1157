"""The retry arithmetic the client uses between attempts (the attempts themselves are tested against a
real server in test_client_resilience.py)."""

from __future__ import annotations

import random
from email.utils import formatdate

from trusera_sdk.client.retry import RetryPolicy, backoff_delay, is_retryable_status, parse_retry_after


def test_backoff_is_exponential_with_full_jitter_and_capped():
    policy = RetryPolicy(max_retries=5, base_delay=0.25, max_delay=30.0)
    rng = random.Random(7)
    for attempt in range(8):
        ceiling = min(30.0, 0.25 * 2**attempt)
        waits = [backoff_delay(policy, attempt, rng) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8 and min(waits) < ceiling * 0.2  # spread over the whole range
        assert len(set(waits)) == 200  # jitter: no two clients wait alike


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(formatdate(1_000_030, usegmt=True), now=1_000_000) == 30.0
    assert parse_retry_after(formatdate(999_000, usegmt=True), now=1_000_000) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_which_answers_are_retried():
    assert [s for s in (200, 400, 401, 404, 408, 409, 413, 429, 500, 502, 503) if is_retryable_status(s)] == [408, 429, 500, 502, 503]

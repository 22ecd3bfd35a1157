"""The client's options, checked once at construction (packages/sdk/src/client/options.ts)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from ..errors import ConfigurationError
from .retry import RetryPolicy

# The local server started by `trusera-server start`. Never a third party's host.
DEFAULT_BASE_URL = "http://127.0.0.1:7780"


@dataclass(frozen=True)
class ClientOptions:
    api_key: str
    base_url: str  # ends with "/"
    agent_id: str | None
    flush_interval: float
    batch_size: int
    timeout: float
    max_queue_size: int
    max_queue_bytes: int
    max_batch_bytes: int
    close_timeout: float
    retry: RetryPolicy
    debug: bool


def _positive_int(name: str, value: Any, maximum: int = 2**53) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > maximum:
        raise ConfigurationError(f"TruseraClient option {name} must be a whole number from 1 to {maximum}, got {value!r}")
    return value


def _positive_seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"TruseraClient option {name} must be a positive number of seconds, got {value!r}")
    return float(value)


def resolve_options(
    *,
    api_key: str | None,
    base_url: str | None,
    agent_id: str | None,
    flush_interval: float,
    batch_size: int,
    timeout: float,
    max_queue_size: int,
    max_queue_bytes: int,
    max_batch_bytes: int,
    max_retries: int,
    close_timeout: float,
    retry_base_delay: float,
    retry_max_delay: float,
    debug: bool,
    env: Mapping[str, str] | None = None,
) -> ClientOptions:
    """:raises ConfigurationError: when the API key is missing or an option is out of range."""
    env = os.environ if env is None else env
    key = api_key if api_key is not None else env.get("TRUSERA_API_KEY")
    if not key:
        raise ConfigurationError(
            "TruseraClient needs an API key: pass api_key='tsk_...' or set TRUSERA_API_KEY "
            "(a local server prints one on first start and writes it to <data-dir>/api-key)"
        )
    if not isinstance(key, str) or not key.startswith("tsk_"):
        raise ConfigurationError("TruseraClient API key must start with tsk_ (create one with `trusera-server keys create`)")
    raw = base_url if base_url is not None else env.get("TRUSERA_API_URL") or DEFAULT_BASE_URL
    parts = urlsplit(raw) if isinstance(raw, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"TruseraClient base_url must be an http or https URL, got {raw!r}")
    url = raw if raw.endswith("/") else raw + "/"
    if agent_id is not None and (not isinstance(agent_id, str) or not agent_id or len(agent_id) > 256):
        raise ConfigurationError("TruseraClient agent_id must be a string of 1 to 256 characters")
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 20:
        raise ConfigurationError(f"TruseraClient option max_retries must be a whole number from 0 to 20, got {max_retries!r}")
    return ClientOptions(
        api_key=key,
        base_url=url,
        agent_id=agent_id,
        flush_interval=_positive_seconds("flush_interval", flush_interval),
        batch_size=_positive_int("batch_size", batch_size, 1000),
        timeout=_positive_seconds("timeout", timeout),
        max_queue_size=_positive_int("max_queue_size", max_queue_size),
        max_queue_bytes=_positive_int("max_queue_bytes", max_queue_bytes),
        max_batch_bytes=_positive_int("max_batch_bytes", max_batch_bytes),
        close_timeout=_positive_seconds("close_timeout", close_timeout),
        retry=RetryPolicy(
            max_retries,
            _positive_seconds("retry_base_delay", retry_base_delay),
            _positive_seconds("retry_max_delay", retry_max_delay),
        ),
        debug=bool(debug),
    )

"""SHA-256 over JCS bytes: chain links, snapshot hashes, content hashes."""

from __future__ import annotations

import hashlib
from typing import Any

from .canonical import canonical_json


def sha256_hex(data: str | bytes) -> str:
    """Lower-case hex SHA-256 of a text's UTF-8 bytes (or of raw bytes)."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def event_snapshot_hash(snapshot: Any) -> str:
    """``event_snapshot_hash`` by the ATP rule: hex SHA-256 of the snapshot's JCS encoding."""
    return sha256_hex(canonical_json(snapshot))


def content_hash(value: Any) -> dict[str, str]:
    """``{"alg": "sha256", "digest"}`` of a JSON value's JCS encoding (``input_hash`` / ``output_hash``)."""
    return {"alg": "sha256", "digest": sha256_hex(canonical_json(value))}

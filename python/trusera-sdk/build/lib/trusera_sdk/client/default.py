"""The process-wide client that ``@monitor`` (and integrations given no client) report to."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .client import TruseraClient

_lock = threading.Lock()
_default: "TruseraClient | None" = None


def set_default_client(client: "TruseraClient | None") -> None:
    """Makes ``client`` the one ``@monitor`` reports to (``None`` unsets it)."""
    global _default
    with _lock:
        _default = client


def get_default_client() -> "TruseraClient | None":
    """The client set by ``set_default_client``, or None."""
    return _default

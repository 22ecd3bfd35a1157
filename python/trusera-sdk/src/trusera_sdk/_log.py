"""Where the SDK writes what it has to say: the ``trusera_sdk`` logger, lines prefixed ``[Trusera]``.

Never raises into the host: a failing handler is the logging module's business, and ours is wrapped.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("trusera_sdk")


class SafeLogger:
    """Warnings always, debug lines only when ``debug`` is on; a logger that raises is ignored."""

    __slots__ = ("_target", "debug_enabled")

    def __init__(self, target: Any = None, debug: bool = False) -> None:
        self._target = target if target is not None else logger
        self.debug_enabled = debug

    def warn(self, message: str) -> None:
        try:
            self._target.warning("[Trusera] %s", message)
        except Exception:  # noqa: BLE001 - telemetry never throws into the host
            pass

    def debug(self, message: str) -> None:
        if not self.debug_enabled:
            return
        try:
            self._target.debug("[Trusera] %s", message)
        except Exception:  # noqa: BLE001
            pass

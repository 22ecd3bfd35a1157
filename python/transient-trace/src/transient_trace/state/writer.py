"""Seals receipts into a state directory: the key made (and pinned) on first use, then the chained log."""

from __future__ import annotations

import threading
from typing import Any

from ..errors import StateError
from .key_store import KeyStore
from .paths import StatePaths
from .receipt_log import ReceiptLog


class ReceiptWriter:
    def __init__(self, state_dir: str, fsync: bool = False) -> None:
        self.paths = StatePaths.of(state_dir)
        self.keys = KeyStore(self.paths)
        self.fsync = fsync
        self._log: ReceiptLog | None = None
        self._open_lock = threading.Lock()

    def open(self) -> ReceiptLog:
        """The log, opened (and the key made) on first use. @raises StateError when the state
        directory cannot be used, so a caller can find out before it runs anything."""
        with self._open_lock:
            if self._log is None:
                try:
                    self._log = ReceiptLog(self.paths, self.keys.signing_key(), fsync=self.fsync)
                except OSError as err:
                    raise StateError(f"cannot write receipts in {self.paths.root}: {err}") from err
            return self._log

    def record(self, body: dict[str, Any]) -> dict[str, Any]:
        """Chains, signs and appends one receipt body; returns the sealed receipt."""
        log = self.open()
        try:
            return log.append(body)
        except OSError as err:
            raise StateError(f"cannot append to {self.paths.log}: {err}") from err

    def close(self) -> None:
        with self._open_lock:
            log, self._log = self._log, None
        if log is not None:
            log.close()

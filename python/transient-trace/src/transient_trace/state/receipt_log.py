"""
The append-only receipt log of a state directory (``receipts/receipts.ndjson``), written exactly as
packages/core/src/state/receipt-log.ts writes it, so Python and TypeScript processes can append to
one log and the chain stays single: each append takes the shared file lock, re-reads the tail if
another process wrote since, writes its line with one ``write`` on an ``O_APPEND`` descriptor, and
rewrites the head copy (``receipts/head.json``) in place.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from typing import Any

from ..errors import StateError
from ..receipts.canonical import canonical_json
from ..receipts.hashing import sha256_hex
from ..receipts.keys import SigningKey
from ..receipts.sign import sign_receipt
from ..receipts.verify_log import GENESIS_HASH
from .lock import file_lock
from .paths import StatePaths, ensure_private_dir

_TAIL_CHUNK = 64 * 1024

_open_logs: weakref.WeakSet[ReceiptLog] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # Another thread of the parent may have held a log's lock at the fork; the child must not wait on it.
    for log in list(_open_logs):
        log._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class ReceiptLog:
    def __init__(self, paths: StatePaths, key: SigningKey, fsync: bool = False, lock_timeout_s: float = 5.0) -> None:
        self.paths = paths
        self.key = key
        self.fsync = fsync
        self.lock_timeout_s = lock_timeout_s
        self._known_size = -1
        self._seq = 0
        self._last_hash = GENESIS_HASH
        self._needs_newline = False
        self._closed = False
        self._lock = threading.Lock()  # this object's fields; other writers are kept out by the file lock
        ensure_private_dir(paths.receipts_dir)
        try:
            self._fd = os.open(paths.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._head_fd = os.open(paths.head, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise StateError(f"cannot open the receipt log in {paths.receipts_dir}: {err}") from err
        _open_logs.add(self)

    def append(self, body: dict[str, Any]) -> dict[str, Any]:
        """Chains, signs and appends one receipt; returns it sealed."""
        with self._lock:
            if self._closed:
                raise StateError("the receipt log is closed")
            with file_lock(self.paths.log_lock, timeout_s=self.lock_timeout_s):
                size = os.fstat(self._fd).st_size
                if size != self._known_size:
                    self._read_tail(size)
                unsigned = {**body, "chain": {"seq": self._seq + 1, "prev_hash": self._last_hash}}
                signed = sign_receipt(unsigned, self.key)
                data = (("\n" if self._needs_newline else "") + signed.canonical + "\n").encode("utf-8")
                _write_all(self._fd, data, None)
                if self.fsync:
                    os.fsync(self._fd)
                self._known_size = size + len(data)
                self._needs_newline = False
                self._seq += 1
                self._last_hash = signed.hash
                # The head copy is written in place at offset 0; readers take its first line.
                _write_all(self._head_fd, (signed.canonical + "\n").encode("utf-8"), 0)
                return signed.receipt

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                os.fsync(self._fd)
            except OSError:
                pass  # best effort: the data is already in the kernel
            os.close(self._fd)
            os.close(self._head_fd)

    def _read_tail(self, size: int) -> None:
        """Finds the last complete receipt (seq and hash) from the end of the file; skips a torn last line."""
        self._seq = 0
        self._last_hash = GENESIS_HASH
        self._needs_newline = False
        if size == 0:
            self._known_size = 0
            return
        rfd = os.open(self.paths.log, os.O_RDONLY)
        try:
            self._needs_newline = os.pread(rfd, 1, size - 1) != b"\n"
            chunk = _TAIL_CHUNK
            while True:
                start = max(0, size - chunk)
                text = os.pread(rfd, size - start, start).decode("utf-8", "replace")
                # Unless we read from the start, the first piece may be the end of a longer line: drop it.
                if start > 0:
                    text = text[text.find("\n") + 1 :]
                for line in reversed(text.split("\n")):
                    if not line:
                        continue
                    try:
                        value = json.loads(line)
                        chain = value.get("chain") if isinstance(value, dict) else None
                        seq = chain.get("seq") if isinstance(chain, dict) else None
                        if not isinstance(seq, (int, float)) or isinstance(seq, bool):
                            continue
                        last_hash = sha256_hex(canonical_json(value))
                    except ValueError:
                        continue  # torn: a writer was killed mid-write; verify reports it
                    self._seq = int(seq)
                    self._last_hash = last_hash
                    self._known_size = size
                    return
                if start == 0:
                    break
                chunk *= 4
            self._known_size = size  # nothing readable: start a chain at seq 1 (verify reports the rest)
        finally:
            os.close(rfd)


def _write_all(fd: int, data: bytes, position: int | None) -> None:
    off = 0
    while off < len(data):
        n = os.write(fd, data[off:]) if position is None else os.pwrite(fd, data[off:], position + off)
        if n <= 0:
            raise StateError("write to the receipt log made no progress")
        off += n


def read_receipt_log(paths: StatePaths) -> tuple[str, str | None, bool]:
    """The log's text, the head checkpoint's first line, and whether the log exists."""
    try:
        with open(paths.log, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        return "", None, False
    try:
        with open(paths.head, encoding="utf-8", errors="replace", newline="") as f:
            head: str | None = f.read().split("\n", 1)[0]
    except OSError:
        head = None
    return text, head, True

"""
The lock protocol of packages/core/src/state/lock.ts, so Python and TypeScript writers exclude each
other: a symbolic link whose target is the holder's pid, made in one system call and removed in one.
A lock whose holder is dead is broken at once; one older than ``stale_s`` is broken too (pid reuse).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import StateError

# The file lock treats a lock naming this process as left over (TypeScript never overlaps two
# critical sections in one process); Python threads can, so they are serialized per path first.
_thread_locks: dict[str, threading.Lock] = {}
_registry_guard = threading.Lock()


def _thread_lock(path: str) -> threading.Lock:
    with _registry_guard:
        lock = _thread_locks.get(path)
        if lock is None:
            lock = _thread_locks[path] = threading.Lock()
        return lock


def _after_fork_in_child() -> None:
    # A lock another thread of the parent held would never be released in the child.
    global _registry_guard
    _thread_locks.clear()
    _registry_guard = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _holder_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    # A lock naming this process is left over from an append that raised mid-way, or from a forked
    # parent: appends hold the lock only inside one call, so it cannot be live here.
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except OSError:
        return False


@contextmanager
def file_lock(path: str, timeout_s: float = 5.0, stale_s: float = 10.0) -> Iterator[None]:
    local = _thread_lock(os.path.abspath(path))
    if not local.acquire(timeout=timeout_s):
        raise StateError(f"timed out after {int(timeout_s * 1000)} ms waiting for the lock {path} held by another thread")
    try:
        _acquire(path, timeout_s, stale_s)
        try:
            yield
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass  # broken by another process as stale: nothing left to release
    finally:
        local.release()


def _acquire(path: str, timeout_s: float, stale_s: float) -> None:
    me = str(os.getpid())
    deadline = time.monotonic() + timeout_s
    attempt = 0
    while True:
        attempt += 1
        try:
            os.symlink(me, path)
            return
        except FileExistsError:
            pass
        except OSError as err:
            raise StateError(f"cannot lock {path}: {err}") from err
        try:
            holder = os.readlink(path)
            age = time.time() - os.lstat(path).st_mtime
        except OSError:
            continue  # released between our attempts: try again at once
        try:
            pid = int(holder)
        except ValueError:
            pid = 0
        if not _holder_alive(pid) or age > stale_s:
            try:
                os.unlink(path)
            except OSError:
                pass  # someone else broke it first
            continue
        if time.monotonic() > deadline:
            raise StateError(f"timed out after {int(timeout_s * 1000)} ms waiting for the lock {path} held by pid {holder}")
        time.sleep(0 if attempt < 10 else 0.001)

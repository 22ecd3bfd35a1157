"""The lock protocol shared with the TypeScript writer (packages/core/src/state/lock.ts)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from transient_trace import Client_init, StateError, verify_state_dir
from transient_trace.state.lock import file_lock

ALLOW = {"version": 1, "defaultAction": "allow", "rules": []}


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_lock_left_by_a_dead_writer_is_broken(state_dir: Path) -> None:
    (state_dir / "receipts").mkdir(parents=True)
    os.symlink(str(dead_pid()), state_dir / "receipts" / ".lock")
    client = Client_init({"agentId": "a", "policy": ALLOW})
    started = time.monotonic()
    client.executeActionWithReceipt(lambda: 1, {"target": "x", "action_class": "read"})
    assert time.monotonic() - started < 2
    assert not (state_dir / "receipts" / ".lock").exists()
    assert verify_state_dir().report.ok


def test_a_lock_held_by_a_live_process_waits_then_times_out(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock = tmp_path / ".lock"
        os.symlink(str(holder.pid), lock)
        with pytest.raises(StateError, match=f"held by pid {holder.pid}"):
            with file_lock(str(lock), timeout_s=0.2):
                pass
        assert os.readlink(lock) == str(holder.pid)  # not broken: its holder is alive
    finally:
        holder.kill()
        holder.wait()
    with file_lock(str(lock), timeout_s=1):  # the holder died: broken at once
        assert os.readlink(lock) == str(os.getpid())
    assert not lock.exists()


def test_a_stale_lock_is_broken_even_if_its_pid_lives(tmp_path: Path) -> None:
    lock = tmp_path / ".lock"
    os.symlink("1", lock)  # pid 1 is alive, but the lock is older than stale_s
    old = time.time() - 60
    os.utime(lock, (old, old), follow_symlinks=False)
    with file_lock(str(lock), timeout_s=1, stale_s=10):
        assert os.readlink(lock) == str(os.getpid())


def test_a_typescript_writer_waits_for_a_python_held_lock(node, state_dir: Path) -> None:
    client = Client_init({"agentId": "py", "policy": ALLOW})
    client.executeActionWithReceipt(lambda: 1, {"target": "x", "action_class": "read"})
    script = """
        import { Client_init } from SDK;
        const client = Client_init({ agentId: "ts", policy: { version: 1, defaultAction: "allow", rules: [] }, stateDir: process.argv[1] });
        await client.ready();
        process.stdout.write("ready\\n");
        const t = Date.now();
        await client.executeActionWithReceipt(() => 1, { target: "y", action_class: "read" });
        process.stdout.write(String(Date.now() - t));
    """
    with file_lock(str(state_dir / "receipts" / ".lock")):
        proc = subprocess.Popen(
            ["node", "--input-type=module", "-e", script.replace("SDK", f'"{(node_dist() / "index.js").as_uri()}"'), str(state_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting for our lock
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert int(out) >= 400
    assert verify_state_dir().report.receipts == 2


def node_dist() -> Path:
    from conftest import CLI_DIST

    return CLI_DIST


LOOP_WRITER = """
import sys
from transient_trace import Client_init
client = Client_init({"agentId": "loop", "policy": {"version": 1, "defaultAction": "allow", "rules": []}, "stateDir": sys.argv[1]})
client.executeActionWithReceipt(lambda: 0, {"target": "first", "action_class": "read"})
print("ready", flush=True)
while True:
    client.executeActionWithReceipt(lambda: 1, {"target": "x" * 2000, "action_class": "read"})
"""


def test_a_writer_killed_mid_append_loses_nothing_it_wrote(state_dir: Path) -> None:
    """SIGKILL a Python writer appending in a tight loop, three times: each time the log still verifies
    (a torn last line at worst, linked across by the next writer) and the next writer goes on."""
    import signal

    counts = []
    for round_ in range(3):
        p = subprocess.Popen([sys.executable, "-c", LOOP_WRITER, str(state_dir)], stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
        time.sleep(0.2 + 0.1 * round_)
        p.send_signal(signal.SIGKILL)
        p.wait()
        result = verify_state_dir()
        assert result.report.ok, result.report.problems
        assert result.exit_code in (0, 3)
        counts.append(result.report.receipts)
    assert counts[0] > 1 and counts[0] < counts[1] < counts[2]

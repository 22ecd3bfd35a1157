"""
One log, two languages: the TypeScript CLI verifies what Python wrote, the Python verifier what
TypeScript wrote, tampered copies fail both ways, and Python and TypeScript writers appending to one
log at the same time leave one valid chain.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from transient_trace import Client_init, verify_state_dir
from transient_trace.cli import main as py_cli
from transient_trace.receipts.keys import SigningKey, public_jwk
from transient_trace.receipts.sign import sign_receipt

POLICY = {"version": 1, "defaultAction": "allow", "rules": [{"id": "no-delete", "action": "deny", "actionClasses": ["delete"]}]}


def write_python(state_dir: Path, n: int = 3) -> None:
    client = Client_init({"agentId": "py-agent", "policy": POLICY, "stateDir": str(state_dir)})
    for i in range(n):
        client.executeActionWithReceipt(lambda: i, {"target": f"r{i}", "action_class": "read"})
    with pytest.raises(RuntimeError):
        client.executeActionWithReceipt(lambda: 0, {"target": "gone", "action_class": "delete"})
    client.close()


TS_WRITER = """
    import { Client_init } from SDK;
    const [stateDir, n, agentId] = [process.argv[1], Number(process.argv[2]), process.argv[3]];
    const policy = { version: 1, defaultAction: "allow", rules: [{ id: "no-delete", action: "deny", actionClasses: ["delete"] }] };
    const client = Client_init({ agentId, policy, stateDir });
    for (let i = 0; i < n; i++) await client.executeActionWithReceipt(() => i, { target: `ts-${i}`, action_class: "read" });
    try { await client.executeActionWithReceipt(() => 0, { target: "gone", action_class: "delete" }); } catch {}
    await client.close();
"""


def lines_of(state_dir: Path) -> list[str]:
    return (state_dir / "receipts" / "receipts.ndjson").read_text(encoding="utf-8").splitlines()


def write_lines(state_dir: Path, lines: list[str]) -> None:
    (state_dir / "receipts" / "receipts.ndjson").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def copy_state(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def kid_of(state_dir: Path) -> str:
    return json.loads(lines_of(state_dir)[0])["signature"]["kid"]


def tampered_copies(src: Path, root: Path) -> dict[str, Path]:
    """Each way of tampering docs/receipts-policy.md lists, on its own copy of the state directory."""
    out: dict[str, Path] = {}
    lines = lines_of(src)

    d = out["field edited"] = copy_state(src, root / "edited")
    r = json.loads(lines[1])
    r["intent"]["target"] = {"id": "something-else"}
    write_lines(d, [lines[0], json.dumps(r, separators=(",", ":")), *lines[2:]])

    d = out["receipt deleted"] = copy_state(src, root / "deleted")
    write_lines(d, [lines[0], *lines[2:]])

    d = out["tail cut"] = copy_state(src, root / "cut")
    write_lines(d, lines[:-1])

    d = out["swapped"] = copy_state(src, root / "swapped")
    write_lines(d, [lines[1], lines[0], *lines[2:]])

    # Re-signed with a new key written into the state directory's own JWKS: only the anchor catches it.
    d = out["re-signed"] = copy_state(src, root / "resigned")
    key = SigningKey.generate()
    prev, new = "0" * 64, []
    for line in lines:
        body = {k: v for k, v in json.loads(line).items() if k != "signature"}
        body["chain"] = {"seq": len(new) + 1, "prev_hash": prev}
        signed = sign_receipt(body, key)
        new.append(signed.canonical)
        prev = signed.hash
    write_lines(d, new)
    (d / "receipts" / "head.json").write_text(new[-1] + "\n")
    (d / "keys" / "jwks.json").write_text(json.dumps({"keys": [{**public_jwk(key.public_key), "status": "active"}]}))
    return out


def test_typescript_cli_verifies_a_log_python_wrote(node, state_dir: Path, tmp_path: Path) -> None:
    write_python(state_dir)
    ok = node.cli("receipts", "verify", "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    doc = json.loads(ok.stdout)
    assert doc["report"]["receipts"] == 4
    report = doc
    # The Python writer pinned its key in the trust file, where the TypeScript verifier looks.
    assert report["trust"]["anchored"] is True

    # The CLI's other readers take Python's receipts as their own.
    summary = node.cli("receipts", "summary", "--json")
    assert summary.returncode == 0, summary.stderr
    s = json.loads(summary.stdout)["summary"]
    assert (s["total"], s["denied"], s["blocked"], s["by_action_class"]["read"]["total"]) == (4, 1, 1, 3)

    kid = kid_of(state_dir)
    for name, copy in tampered_copies(state_dir, tmp_path / "tampered").items():
        r = node.cli("receipts", "verify", f"--trust={kid}", env={"TRANSIENT_TRACE_STATE_DIR": str(copy)})
        assert r.returncode == 1, (name, r.stdout, r.stderr)
        assert "TR-" in r.stdout + r.stderr, name  # names the broken receipt


def test_python_verifier_checks_a_log_typescript_wrote(node, state_dir: Path, tmp_path: Path) -> None:
    r = node.script(TS_WRITER, str(state_dir), "3", "ts-agent")
    assert r.returncode == 0, r.stderr
    result = verify_state_dir(str(state_dir))
    assert result.report.ok and result.anchored and result.exit_code == 0, result.report.problems
    assert result.report.receipts == 4
    assert py_cli(["receipts", "verify", "--state-dir", str(state_dir)]) == 0

    kid = kid_of(state_dir)
    expected = {
        "field edited": "bad_signature",
        "receipt deleted": "chain_seq",
        "tail cut": "head_missing",
        "swapped": "chain_seq",
        "re-signed": "untrusted_key",
    }
    for name, copy in tampered_copies(state_dir, tmp_path / "tampered").items():
        checked = verify_state_dir(str(copy), trust=[kid])
        assert checked.exit_code == 1, name
        assert checked.report.problems[0].kind == expected[name], (name, checked.report.problems)
        assert py_cli(["receipts", "verify", "--state-dir", str(copy), f"--trust={kid}"]) == 1
    # Without an anchor the re-signed copy is self-consistent: said loudly, with exit code 4.
    unanchored = verify_state_dir(str(tmp_path / "tampered" / "resigned"))
    assert unanchored.report.ok and not unanchored.anchored and unanchored.exit_code == 4
    assert any("no trust anchor" in w for w in unanchored.warnings)


def test_typescript_and_python_verifiers_agree_word_for_word(node, state_dir: Path, tmp_path: Path) -> None:
    write_python(state_dir)
    kid = kid_of(state_dir)
    for name, copy in tampered_copies(state_dir, tmp_path / "t").items():
        ts = node.cli("receipts", "verify", "--json", f"--trust={kid}", env={"TRANSIENT_TRACE_STATE_DIR": str(copy)})
        ts_problems = [(p["kind"], p["line"], p["message"]) for p in json.loads(ts.stdout)["report"]["problems"]]
        py_problems = [(p.kind, p.line, p.message) for p in verify_state_dir(str(copy), trust=[kid]).report.problems]
        assert py_problems == ts_problems, name


PY_RACER = textwrap.dedent(
    """
    import os, sys, time
    from transient_trace import Client_init
    state_dir, n, agent, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    client = Client_init({"agentId": agent, "policy": {"version": 1, "defaultAction": "allow", "rules": []}, "stateDir": state_dir})
    client.decide({"target": "warm", "action_class": "read"})
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.001)
    for i in range(n):
        client.executeActionWithReceipt(lambda: i, {"target": f"{agent}-{i}", "action_class": "read"})
    client.close()
    """
)

TS_RACER = """
    import { existsSync } from "node:fs";
    import { Client_init } from SDK;
    const [stateDir, n, agentId, go] = [process.argv[1], Number(process.argv[2]), process.argv[3], process.argv[4]];
    const client = Client_init({ agentId, policy: { version: 1, defaultAction: "allow", rules: [] }, stateDir });
    await client.ready();
    process.stdout.write("ready\\n");
    while (!existsSync(go)) await new Promise((r) => setTimeout(r, 1));
    for (let i = 0; i < n; i++) await client.executeActionWithReceipt(() => i, { target: `${agentId}-${i}`, action_class: "read" });
    await client.close();
"""


def test_python_and_typescript_writers_at_once_keep_one_chain(node, state_dir: Path, tmp_path: Path) -> None:
    n = 60
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", PY_RACER, str(state_dir), str(n), f"py{i}", str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    procs += [
        subprocess.Popen(node.command(TS_RACER, str(state_dir), str(n), f"ts{i}", str(go)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline() == "ready\n", p.communicate()[1]
    go.write_text("go")  # all four start appending at once
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    lines = [json.loads(line) for line in lines_of(state_dir)]
    assert [r["chain"]["seq"] for r in lines] == list(range(1, 4 * n + 1))
    writers = [r["intent"]["actor_id"] for r in lines]
    assert set(writers) == {"py0", "py1", "ts0", "ts1"}
    assert sum(a != b for a, b in zip(writers, writers[1:], strict=False)) >= 8  # they took turns (~60 here)
    assert len({r["signature"]["kid"] for r in lines}) == 1  # the first writer made the key; the others use it
    assert verify_state_dir(str(state_dir)).exit_code == 0
    r = node.cli("receipts", "verify")
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_long_lived_python_client_chains_after_typescript_appends(node, state_dir: Path) -> None:
    client = Client_init({"agentId": "py", "policy": POLICY})
    client.executeActionWithReceipt(lambda: 1, {"target": "a", "action_class": "read"})
    assert node.script(TS_WRITER, str(state_dir), "2", "ts").returncode == 0
    client.executeActionWithReceipt(lambda: 1, {"target": "b", "action_class": "read"})
    assert node.script(TS_WRITER, str(state_dir), "1", "ts").returncode == 0
    client.executeActionWithReceipt(lambda: 1, {"target": "c", "action_class": "read"})
    assert [json.loads(x)["chain"]["seq"] for x in lines_of(state_dir)] == list(range(1, 9))
    r = node.cli("receipts", "verify")
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_torn_line_is_linked_across_and_reported(node, state_dir: Path) -> None:
    write_python(state_dir, 1)
    with open(state_dir / "receipts" / "receipts.ndjson", "a", encoding="utf-8") as f:
        f.write('{"captured_at":"2026-')  # a writer killed mid-write
    client = Client_init({"agentId": "py", "policy": POLICY})
    client.executeActionWithReceipt(lambda: 1, {"target": "after", "action_class": "read"})
    r = node.cli("receipts", "verify")
    assert r.returncode == 3, r.stdout + r.stderr
    result = verify_state_dir()
    assert result.report.ok and [p.kind for p in result.report.incomplete] == ["torn"] and result.exit_code == 3


def test_typescript_writer_reuses_a_key_python_made(node, state_dir: Path) -> None:
    write_python(state_dir, 1)
    assert node.script(TS_WRITER, str(state_dir), "1", "ts").returncode == 0
    assert len({json.loads(x)["signature"]["kid"] for x in lines_of(state_dir)}) == 1
    assert os.stat(next((state_dir / "keys").glob("*.pem"))).st_mode & 0o777 == 0o600
    assert node.cli("receipts", "verify").returncode == 0


def test_the_chain_continues_across_a_cli_key_rotation(node, state_dir: Path) -> None:
    write_python(state_dir, 1)
    old = kid_of(state_dir)
    r = node.cli("keys", "rotate", "--json")
    assert r.returncode == 0, r.stderr
    write_python(state_dir, 1)  # a new Python client signs with the new active key
    kids = [json.loads(x)["signature"]["kid"] for x in lines_of(state_dir)]
    assert kids[0] == old and kids[-1] != old and len(set(kids)) == 2
    assert verify_state_dir().exit_code == 0  # both keys pinned: the retired one by the rotation
    assert node.cli("receipts", "verify").returncode == 0

"""Client_init / executeActionWithReceipt as the seed writes them, against a real state directory."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

import pytest

import transient_trace
from transient_trace import (
    Client_init,
    ConfigurationError,
    DeniedError,
    client_init,
    verify_state_dir,
)
from transient_trace.state.paths import StatePaths

ALLOW_ALL = {"version": 1, "defaultAction": "allow", "rules": [{"id": "allow-all", "action": "allow"}]}
NO_DELETE = {"version": 1, "defaultAction": "allow", "rules": [{"id": "no-delete", "action": "deny", "actionClasses": ["delete"]}]}


def log_lines(state_dir: Path) -> list[dict]:
    text = (state_dir / "receipts" / "receipts.ndjson").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def test_the_seed_example_runs_as_written(state_dir: Path) -> None:
    policy = {"version": 1, "defaultAction": "allow", "rules": [{"id": "allow-all", "action": "allow"}]}
    client = Client_init({"agentId": "my-agent", "policy": policy})
    result = client.executeActionWithReceipt(lambda: {"ok": True}, {"target": "resource-1", "action_class": "write_low"})
    assert result["result"] == {"ok": True}
    assert result["receipt"]["receipt_id"].startswith("TR-")
    assert result["receipt"]["outcome"] == "allow"
    assert result["receipt"]["signature"]["alg"] == "Ed25519"
    # The state directory is the CLI's ($TRANSIENT_TRACE_STATE_DIR here), in its layout.
    assert client.state_dir == str(state_dir)
    (line,) = log_lines(state_dir)
    assert line == result["receipt"]
    assert line["intent"]["target"] == {"id": "resource-1"} and line["intent"]["actor_id"] == "my-agent"
    assert line["decision"]["reason_code"] == "rule:allow-all" and line["execution_status"] == "executed"
    assert stat.S_IMODE(os.stat(state_dir / "receipts" / "receipts.ndjson").st_mode) == 0o600
    for d in (state_dir, state_dir / "receipts", state_dir / "keys"):
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, d
    assert verify_state_dir().exit_code == 0  # the key was pinned when it was made


def test_outcome_is_reachable_where_the_seed_prints_it(state_dir: Path) -> None:
    """The seed prints result["receipt"]["outcome"]: ATP keeps it under decision, so the receipt carries both."""
    client = Client_init({"agentId": "a", "policy": ALLOW_ALL})
    receipt = client.executeActionWithReceipt(lambda: 1, {"target": "t", "action_class": "read"})["receipt"]
    assert receipt["outcome"] == receipt.get("outcome") == receipt["decision"]["outcome"] == "allow"
    assert "outcome" not in json.loads((state_dir / "receipts" / "receipts.ndjson").read_text())
    with pytest.raises(KeyError):
        receipt["no_such_member"]


def test_a_deny_raises_after_its_receipt_is_written(state_dir: Path) -> None:
    ran = []
    client = Client_init({"agentId": "a", "policy": NO_DELETE})
    with pytest.raises(RuntimeError, match=r"^Denied: rule:no-delete$") as info:
        client.executeActionWithReceipt(lambda: ran.append(1), {"target": "users/4", "action_class": "delete"})
    assert ran == []
    assert isinstance(info.value, DeniedError) and info.value.reason_code == "rule:no-delete"
    (line,) = log_lines(state_dir)
    assert line == info.value.receipt
    assert (line["execution_status"], line["decision"]["outcome"], line["decision"]["enforced"]) == ("blocked", "deny", True)


def test_decide_answers_without_running_or_recording(state_dir: Path) -> None:
    with Client_init({"agentId": "a", "policy": NO_DELETE}) as client:
        d = client.decide({"target": "users/4", "action_class": "delete"})
        assert (d.outcome, d.reason_code, d.block, d.rule_ids) == ("deny", "rule:no-delete", True, ["no-delete"])
        assert client.decide({"target": "users/4", "action_class": "read"}).outcome == "allow"
    assert not (state_dir / "receipts" / "receipts.ndjson").exists()


def test_default_policy_is_deny_all(state_dir: Path) -> None:
    client = Client_init({"agentId": "a"})
    with pytest.raises(RuntimeError, match="Denied: default_deny"):
        client.executeActionWithReceipt(lambda: 1, {"target": "x", "action_class": "read"})
    assert client.policy_source == "built-in deny-all"


def test_atp_policy_path_is_honoured(tmp_path: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(NO_DELETE))
    monkeypatch.setenv("ATP_POLICY_PATH", str(path))
    client = Client_init({"agentId": "a"})
    assert client.executeActionWithReceipt(lambda: 2, {"target": "x", "action_class": "read"})["result"] == 2
    with pytest.raises(RuntimeError, match="Denied: rule:no-delete"):
        client.executeActionWithReceipt(lambda: 1, {"target": "x", "action_class": "delete"})


def test_modes(state_dir: Path) -> None:
    deny_default = {"version": 1, "defaultAction": "deny", "rules": [{"id": "no-net", "action": "deny", "actionClasses": ["network"]}]}
    audit = Client_init({"agentId": "a", "policy": deny_default, "mode": "audit"})
    r = audit.executeActionWithReceipt(lambda: "ran", {"target": "x", "action_class": "network"})
    assert r["result"] == "ran"
    assert (r["receipt"]["decision"]["outcome"], r["receipt"]["decision"]["enforced"], r["receipt"]["execution_status"]) == ("deny", False, "executed")
    permissive = Client_init({"agentId": "a", "policy": deny_default, "mode": "permissive"})
    # A deny by defaultAction passes, recorded; a deny by a rule blocks.
    r = permissive.executeActionWithReceipt(lambda: "ran", {"target": "x", "action_class": "read"})
    assert (r["result"], r["receipt"]["decision"]["reason_code"]) == ("ran", "default_deny")
    with pytest.raises(RuntimeError, match="Denied: rule:no-net"):
        permissive.executeActionWithReceipt(lambda: "ran", {"target": "x", "action_class": "network"})
    assert [line["intent"]["governance_profile"] for line in log_lines(state_dir)] == [
        "transient-trace:audit", "transient-trace:permissive", "transient-trace:permissive",
    ]


def test_an_action_that_raises_gets_an_error_receipt(state_dir: Path) -> None:
    client = client_init({"agent_id": "a", "policy": ALLOW_ALL})

    def boom() -> None:
        raise ValueError("disk full, token sk-abcdefghijklmnopqrstuvwx")

    with pytest.raises(ValueError, match="disk full"):
        client.execute_action_with_receipt(boom, {"target": "x", "action_class": "write_low"})
    (line,) = log_lines(state_dir)
    assert line["execution_status"] == "error"
    assert line["event_snapshot"]["error"] == "ValueError: disk full, token [REDACTED]"


def test_hosts_paths_context_input_and_secrets(state_dir: Path) -> None:
    policy = {"version": 1, "defaultAction": "allow", "rules": [{"id": "no-evil", "action": "deny", "hosts": ["*.evil.test"]}]}
    client = Client_init({"agentId": "a", "policy": policy})
    r = client.executeActionWithReceipt(
        lambda: [1, 2],
        {
            "target": {"table": "users", "api_key": "abc123"},
            "action_class": "network",
            "action": "web.fetch",
            "hosts": ["API.example.com"],
            "context": {"note": "Bearer abcdefghijklmnop", "password": "hunter2"},
            "input": {"q": 1},
        },
    )
    intent = r["receipt"]["intent"]
    assert intent["target"] == {"table": "users", "api_key": "[REDACTED]"}
    assert intent["context"] == {"note": "Bearer [REDACTED]", "password": "[REDACTED]", "hosts": ["api.example.com"]}
    assert intent["action"] == "web.fetch"
    assert r["receipt"]["input_hash"]["alg"] == "sha256" and r["receipt"]["output_hash"]["alg"] == "sha256"
    from transient_trace.receipts.hashing import content_hash

    assert r["receipt"]["output_hash"] == content_hash([1, 2]) and r["receipt"]["input_hash"] == content_hash({"q": 1})
    assert "output_hash" not in client.executeActionWithReceipt(lambda: None, {"target": "v", "action_class": "read"})["receipt"]
    with pytest.raises(RuntimeError, match="Denied: rule:no-evil"):
        client.executeActionWithReceipt(lambda: 1, {"target": "u", "action_class": "network", "hosts": ["api.example.com", "x.evil.test"]})
    assert "hunter2" not in (state_dir / "receipts" / "receipts.ndjson").read_text()


def test_bad_input_gets_a_clear_error_and_writes_nothing(state_dir: Path) -> None:
    with pytest.raises(ConfigurationError, match="agentId must be a non-empty string"):
        Client_init({"policy": ALLOW_ALL})
    with pytest.raises(ConfigurationError, match="unknown Client_init option"):
        Client_init({"agentId": "a", "polcy": ALLOW_ALL})
    with pytest.raises(ConfigurationError, match="mode must be"):
        Client_init({"agentId": "a", "policy": ALLOW_ALL, "mode": "lenient"})
    with pytest.raises(ConfigurationError, match=r'unknown member "actionClass"'):
        Client_init({"agentId": "a", "policy": {"version": 1, "defaultAction": "deny", "rules": [{"id": "r", "action": "allow", "actionClass": ["read"]}]}})
    client = Client_init({"agentId": "a", "policy": ALLOW_ALL})
    with pytest.raises(ConfigurationError, match="action_class must be one of"):
        client.executeActionWithReceipt(lambda: 1, {"target": "x", "action_class": "writes"})
    with pytest.raises(ConfigurationError, match="needs a function"):
        client.executeActionWithReceipt("not callable", {"target": "x", "action_class": "read"})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="unknown action option"):
        client.executeActionWithReceipt(lambda: 1, {"target": "x", "action_class": "read", "host": "a"})
    assert not (state_dir / "receipts").exists()


def test_an_unusable_state_directory_stops_the_action_before_it_runs(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state directory would go")
    client = Client_init({"agentId": "a", "policy": ALLOW_ALL, "stateDir": str(blocker / "state")})
    ran = []
    with pytest.raises(transient_trace.StateError, match="not-a-dir"):
        client.executeActionWithReceipt(lambda: ran.append(1), {"target": "x", "action_class": "read"})
    assert ran == []


def test_async_actions(state_dir: Path) -> None:
    client = Client_init({"agentId": "a", "policy": NO_DELETE})

    async def fetch() -> str:
        await asyncio.sleep(0)
        return "done"

    r = asyncio.run(client.aexecute_action_with_receipt(fetch, {"target": "x", "action_class": "read"}))
    assert r["result"] == "done"
    with pytest.raises(ConfigurationError, match="aexecute_action_with_receipt"):
        client.executeActionWithReceipt(fetch, {"target": "x", "action_class": "read"})
    with pytest.raises(RuntimeError, match="Denied"):
        asyncio.run(client.aexecute_action_with_receipt(fetch, {"target": "x", "action_class": "delete"}))


def test_threads_share_one_chain(state_dir: Path) -> None:
    import threading

    clients = [Client_init({"agentId": f"t{i}", "policy": ALLOW_ALL}) for i in range(2)]

    def work(c) -> None:
        for _ in range(25):
            c.executeActionWithReceipt(lambda: 1, {"target": "x", "action_class": "read"})

    threads = [threading.Thread(target=work, args=(c,)) for c in clients for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = log_lines(state_dir)
    assert [line["chain"]["seq"] for line in lines] == list(range(1, 101))
    result = verify_state_dir()
    assert result.report.ok and result.exit_code == 0, result.report.problems


def test_threads_racing_for_the_first_key_make_one(tmp_path: Path) -> None:
    """The file locks name the process; threads of one process must still exclude each other."""
    import threading

    for attempt in range(8):
        state = tmp_path / f"race{attempt}"
        clients = [Client_init({"agentId": f"t{i}", "policy": ALLOW_ALL, "stateDir": str(state)}) for i in range(4)]
        barrier = threading.Barrier(len(clients))

        def first(c) -> None:
            barrier.wait()
            c.executeActionWithReceipt(lambda: 1, {"target": "x", "action_class": "read"})

        threads = [threading.Thread(target=first, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        jwks = json.loads((state / "keys" / "jwks.json").read_text())
        assert len(jwks["keys"]) == 1
        assert {line["signature"]["kid"] for line in log_lines(state)} == {jwks["keys"][0]["kid"]}
        assert verify_state_dir(str(state)).exit_code == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_appends_to_the_same_chain(state_dir: Path) -> None:
    client = Client_init({"agentId": "parent", "policy": ALLOW_ALL})
    client.executeActionWithReceipt(lambda: 1, {"target": "before", "action_class": "read"})
    pid = os.fork()
    if pid == 0:  # the child: its own appends, then out without running pytest's teardown
        code = 0
        try:
            for _ in range(5):
                client.executeActionWithReceipt(lambda: 1, {"target": "child", "action_class": "read"})
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    for _ in range(5):
        client.executeActionWithReceipt(lambda: 1, {"target": "parent", "action_class": "read"})
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [line["chain"]["seq"] for line in log_lines(state_dir)] == list(range(1, 12))
    assert verify_state_dir().exit_code == 0


def test_public_names() -> None:
    assert transient_trace.__version__ == "0.1.0"
    for name in transient_trace.__all__:
        assert hasattr(transient_trace, name)
    assert (Path(transient_trace.__file__).parent / "py.typed").exists()


def test_state_dir_from_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRANSIENT_TRACE_STATE_DIR")
    home = Path(os.environ["HOME"])
    (home / ".transient-trace").mkdir()
    (home / ".transient-trace" / "config.json").write_text(json.dumps({"version": 1, "state_dir": str(tmp_path / "elsewhere")}))
    client = Client_init({"agentId": "a", "policy": ALLOW_ALL})
    assert client.state_dir == str(tmp_path / "elsewhere")
    (home / ".transient-trace" / "config.json").unlink()
    assert Client_init({"agentId": "a", "policy": ALLOW_ALL}).state_dir == str(home / ".transient-trace")
    assert StatePaths.of("/x").log == "/x/receipts/receipts.ndjson"

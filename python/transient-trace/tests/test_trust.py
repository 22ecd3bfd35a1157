"""The trust anchor (docs/receipts-policy.md, "Trust anchor"), as the TypeScript CLI applies it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from transient_trace import Client_init, verify_state_dir
from transient_trace.cli import main as py_cli
from transient_trace.receipts.verify_dir import load_jwks_file

ALLOW = {"version": 1, "defaultAction": "allow", "rules": []}


def write(state_dir: Path, n: int = 2) -> str:
    client = Client_init({"agentId": "a", "policy": ALLOW, "stateDir": str(state_dir)})
    for i in range(n):
        receipt = client.executeActionWithReceipt(lambda: i, {"target": "x", "action_class": "read"})["receipt"]
    client.close()
    return receipt["signature"]["kid"]


def test_the_writer_pins_its_key_outside_the_state_directory(isolated: Path, state_dir: Path) -> None:
    kid = write(state_dir)
    pins = json.loads((isolated / "trust" / "trusted-keys.json").read_text())
    assert pins["version"] == 1
    assert [(p["state_dir"], p["kid"]) for p in pins["pins"]] == [(str(state_dir.resolve()), kid)]
    write(state_dir)  # pinning is idempotent
    assert len(json.loads((isolated / "trust" / "trusted-keys.json").read_text())["pins"]) == 1
    result = verify_state_dir()
    assert (result.anchored, result.exit_code) == (True, 0) and result.sources[0].startswith("pin file ")


def test_anchors_from_flags_env_and_jwks(isolated: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch, node) -> None:
    kid = write(state_dir)
    (isolated / "trust" / "trusted-keys.json").unlink()
    assert verify_state_dir().exit_code == 4
    assert verify_state_dir(trust=[f"other,{kid}"]).exit_code == 0
    assert verify_state_dir(trust=["someone-else"]).report.problems[0].kind == "untrusted_key"
    monkeypatch.setenv("TRANSIENT_TRACE_TRUSTED_KEYS", f"x {kid}")
    assert verify_state_dir().sources == ["TRANSIENT_TRACE_TRUSTED_KEYS"]
    monkeypatch.delenv("TRANSIENT_TRACE_TRUSTED_KEYS")
    # `transient-trace keys list --json` output works as --jwks, and replaces the state directory's keys.
    listed = node.cli("keys", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    jwks_file = isolated / "keys.json"
    jwks_file.write_text(listed.stdout)
    assert verify_state_dir(jwks=load_jwks_file(str(jwks_file))).exit_code == 0
    assert py_cli(["receipts", "verify", "--jwks", str(jwks_file)]) == 0
    assert verify_state_dir(jwks={"keys": []}).report.problems[0].kind == "unknown_key"


def test_a_pin_file_inside_the_state_directory_is_no_anchor(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSIENT_TRACE_TRUST_FILE", str(state_dir / "trusted-keys.json"))
    with pytest.warns(UserWarning, match="was not pinned as a trust anchor"):
        write(state_dir)
    assert not (state_dir / "trusted-keys.json").exists()
    result = verify_state_dir()
    assert result.exit_code == 4 and any("lies inside the state directory" in w for w in result.warnings)


def test_an_empty_log_needs_no_anchor(state_dir: Path) -> None:
    result = verify_state_dir()
    assert (result.exists, result.report.receipts, result.exit_code) == (False, 0, 0)


def test_cli_json_and_exit_codes(state_dir: Path, isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(state_dir)
    assert py_cli(["receipts", "verify", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["report"]["receipts"] == 2 and doc["trust"]["anchored"] is True
    (isolated / "trust" / "trusted-keys.json").unlink()
    assert py_cli(["receipts", "verify"]) == 4
    assert "WARNING: no trust anchor" in capsys.readouterr().err
    policy = isolated / "p.json"
    policy.write_text('{"version": 1, "defaultAction": "deny",\n "rules": [{"id": "r", "action": "allow", "hosts": ["a b"]}]}')
    assert py_cli(["policy", "check", str(policy)]) == 1
    assert f"{policy}:2:" in capsys.readouterr().err
    policy.write_text('{"version": 1, "defaultAction": "deny", "rules": [{"id": "r", "action": "allow", "hosts": ["*.a.com"]}]}')
    assert py_cli(["policy", "check", str(policy), "--cedar"]) == 0
    assert 'context.host like "*.a.com"' in capsys.readouterr().out


def test_bundles_exported_by_the_cli(isolated: Path, state_dir: Path, node) -> None:
    from transient_trace import verify_bundle

    kid = write(state_dir, 3)
    out = isolated / "bundle.json"
    r = node.cli("receipts", "export", "--out", str(out))
    assert r.returncode == 0, r.stderr
    bundle = json.loads(out.read_text())
    # Anchored by the pin of a key the bundle carries.
    result = verify_bundle(bundle)
    assert (result.report.receipts, result.anchored, result.exit_code) == (3, True, 0)
    assert py_cli(["receipts", "verify", "--bundle", str(out)]) == 0
    # Elsewhere (no pins): self-consistent only, said with exit 4; --trust anchors it.
    (isolated / "trust" / "trusted-keys.json").unlink()
    assert verify_bundle(bundle).exit_code == 4
    assert verify_bundle(bundle, trust=[kid]).exit_code == 0
    # Tampered: a receipt's target changed, one removed, the tail cut.
    edited = json.loads(json.dumps(bundle))
    edited["receipts"][1]["intent"]["target"] = {"id": "elsewhere"}
    assert [p.kind for p in verify_bundle(edited, trust=[kid]).report.problems] == ["bad_signature", "chain_link"]
    removed = {**bundle, "receipts": [bundle["receipts"][0], bundle["receipts"][2]]}
    assert verify_bundle(removed, trust=[kid]).report.problems[0].kind == "chain_seq"
    cut = {**bundle, "receipts": bundle["receipts"][:2]}
    assert verify_bundle(cut, trust=[kid]).report.problems[0].kind == "head_missing"
    out.write_text(json.dumps(cut))
    assert py_cli(["receipts", "verify", "--bundle", str(out), f"--trust={kid}"]) == 1
    # The TypeScript verifier says the same of the same bundle.
    assert node.cli("receipts", "verify", "--bundle", str(out), f"--trust={kid}").returncode == 1
    with pytest.raises(ValueError, match="not a receipts bundle"):
        verify_bundle({"receipts": []})


def test_a_bundle_exported_in_python_verifies_in_typescript(isolated: Path, state_dir: Path, node) -> None:
    kid = write(state_dir, 2)
    with open(state_dir / "receipts" / "receipts.ndjson", "a") as f:
        f.write('{"torn')
    out = isolated / "py-bundle.json"
    assert py_cli(["receipts", "export", "--out", str(out)]) == 0
    bundle = json.loads(out.read_text())
    assert (bundle["kind"], len(bundle["receipts"]), bundle["jwks"]["keys"][0]["kid"]) == ("transient-trace.receipts", 2, kid)
    r = node.cli("receipts", "verify", "--bundle", str(out), f"--trust={kid}")
    assert r.returncode == 0, r.stdout + r.stderr
    bundle["receipts"].pop(0)
    out.write_text(json.dumps(bundle))
    assert node.cli("receipts", "verify", "--bundle", str(out), f"--trust={kid}").returncode == 1

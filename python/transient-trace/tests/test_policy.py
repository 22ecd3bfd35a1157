"""The JSON policy format and its Cedar translation: shared vectors, the TypeScript compiler and governor side by side."""

from __future__ import annotations

import json
import random
import re

import pytest
from conftest import REPO, load_vectors

from transient_trace.errors import ConfigurationError
from transient_trace.policy import (
    Governor,
    load_policy,
    parse_policy_text,
    policy_to_cedar,
    validate_policy,
)
from transient_trace.policy.governor import AgentAction, CommandAction
from transient_trace.policy.schema import REQUEST_MODEL_SCHEMA

VECTORS = load_vectors("json-policy.json")
CASES = VECTORS["cases"]


def test_schema_is_the_typescript_one() -> None:
    ts = (REPO / "packages/core/src/cedar/request-model.ts").read_text(encoding="utf-8")
    assert REQUEST_MODEL_SCHEMA == re.search(r"REQUEST_MODEL_SCHEMA = `(.*?)`;", ts, re.S).group(1)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_policy_vectors(case: dict) -> None:
    checked = validate_policy(case["policy"])
    if not case["valid"]:
        assert not checked.ok
        assert [{"pointer": e.pointer, "message": e.message} for e in checked.errors] == case["errors"]
        with pytest.raises(ConfigurationError):
            Governor(case["policy"], "strict")
        return
    assert checked.ok, checked.errors
    assert policy_to_cedar(checked.policy, home=case["home"]) == case["cedar"]
    for mode in VECTORS["modes"]:
        governor = Governor(case["policy"], mode, home=case["home"])
        for d in case["decisions"]:
            a, want = d["action"], d["expected"]
            if a["kind"] == "command":
                # The classification table is the CLI's; the vector's classification is given to the engine.
                act = CommandAction(a["binary"], a["args"], a["cwd"], want["action_class"], want["hosts"], want["paths"])
            else:
                act = AgentAction(a["action"], a["target"], a["action_class"], a.get("hosts", ()), a.get("paths", ()))
            got = governor.decide(d["agent_id"], act)
            assert (got.outcome, got.reason_code, got.rule_ids, got.block, bool(got.errors)) == (
                want["outcome"], want["reason_code"], want["rule_ids"], want["block"][mode], want["errors"],
            ), (mode, d)
            assert (got.hosts, got.paths, got.action_class) == (want["hosts"], want["paths"], want["action_class"])


def test_errors_carry_line_and_column() -> None:
    text = '{\n  "version": 1,\n  "defaultAction": "deny",\n  "rules": [\n    { "id": "a", "action": "allow", "actionClass": ["read"] }\n  ]\n}\n'
    parsed = parse_policy_text(text)
    assert not parsed.ok
    (e,) = parsed.errors
    assert (e.line, e.column, e.pointer) == (5, 37, "/rules/0/actionClass#key")
    broken = parse_policy_text('{"version": 1,\n "defaultAction": "deny",,}')
    assert not broken.ok and (broken.errors[0].line, broken.errors[0].column) == (2, 26)
    assert "invalid JSON" in broken.errors[0].message


def test_where_the_policy_comes_from(tmp_path, monkeypatch) -> None:
    assert load_policy().where == "built-in deny-all"
    project = tmp_path / "work" / ".atp"
    project.mkdir()
    (project / "policy.json").write_text('{"version": 1, "defaultAction": "allow", "rules": []}')
    assert load_policy().source == "project"
    env_file = tmp_path / "env-policy.json"
    env_file.write_text('{"version": 1, "defaultAction": "deny", "rules": [{"id": "r", "action": "allow"}]}')
    monkeypatch.setenv("ATP_POLICY_PATH", str(env_file))
    assert load_policy().policy["rules"][0]["id"] == "r"
    # A chosen policy that cannot be read is an error, never a fall-through to a weaker one.
    monkeypatch.setenv("ATP_POLICY_PATH", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigurationError, match="cannot read the policy"):
        load_policy()
    env_file.write_text('{"version": 1, "defaultAction": "allow", "rules": [{"id": "x", "action": "allow", "hosts": []}]}')
    monkeypatch.setenv("ATP_POLICY_PATH", str(env_file))
    with pytest.raises(ConfigurationError, match=r"env-policy.json:1:\d+: rule \"x\": \"hosts\" must be a non-empty array"):
        load_policy()
    assert load_policy('{"version": 1, "defaultAction": "allow", "rules": []}').where == "inline JSON"


ALPHABET = ["api.example.com", "*.example.com", "evil.test", "/etc/*", "~/.ssh/*", "*.pem", "/tmp/a b\"c", "/w/x\\y*"]


def random_policy(rng: random.Random, n: int) -> dict:
    rules = []
    for i in range(rng.randint(0, 5)):
        rule: dict = {"id": f"r{n}-{i}", "action": rng.choice(["allow", "deny"])}
        if rng.random() < 0.6:
            rule["actionClasses"] = rng.sample(["read", "write_low", "write_high", "delete", "network", "exec"], rng.randint(1, 3))
        if rng.random() < 0.4:
            rule["hosts"] = rng.sample(ALPHABET[:3] + ["API.Example.COM"], rng.randint(1, 2))
        if rng.random() < 0.4:
            rule["paths"] = rng.sample(ALPHABET[3:], rng.randint(1, 2))
        if rng.random() < 0.15:
            rule["commands"] = [rng.choice(["git push", "rm -rf *", 'echo "x"'])]
        rules.append(rule)
    return {"version": 1, "defaultAction": rng.choice(["allow", "deny"]), "rules": rules}


def random_action(rng: random.Random) -> dict:
    return {
        "kind": "action",
        "action": rng.choice(["execute", "web.fetch"]),
        "target": rng.choice(["r1", "users/4", "token sk-abcdefghijklmnopqrstu"]),
        "actionClass": rng.choice(["read", "write_low", "write_high", "delete", "network", "exec"]),
        "hosts": rng.sample(["api.example.com", "a.example.com", "evil.test", "EXAMPLE.com"], rng.randint(0, 2)),
        "paths": rng.sample(["/etc/passwd", "/home/u/.ssh/id_rsa", "/work/key.pem", "/tmp/a b\"c", "/w/x\\y1"], rng.randint(0, 2)),
    }


def test_same_cedar_and_decisions_as_the_typescript_governor(node) -> None:
    """Random policies and actions, decided by both governors in every mode: the same text, the same answers."""
    rng = random.Random(15)
    cases = [{"policy": random_policy(rng, n), "actions": [random_action(rng) for _ in range(6)]} for n in range(40)]
    script = """
        import { Governor } from RECEIPTS;
        const cases = JSON.parse(process.argv[1]);
        const out = [];
        for (const c of cases) {
          const row = { decisions: [] };
          for (const mode of ["audit", "strict", "permissive"]) {
            const g = await Governor.create({ policy: c.policy, mode, home: "/home/u" });
            row.cedar = g.cedar;
            row.digest = g.policyDigest;
            for (const a of c.actions) {
              const d = g.decide("agent-x", a);
              row.decisions.push([d.outcome, d.reasonCode, d.ruleIds, d.block, d.hosts, d.paths]);
            }
          }
          out.push(row);
        }
        process.stdout.write(JSON.stringify(out));
    """
    r = node.script(script, json.dumps(cases))
    assert r.returncode == 0, r.stderr
    ts = json.loads(r.stdout)
    denies = 0
    for case, want in zip(cases, ts, strict=True):
        got_decisions = []
        for mode in ("audit", "strict", "permissive"):
            g = Governor(case["policy"], mode, home="/home/u")
            assert g.cedar == want["cedar"]
            assert g.policy_digest == want["digest"]  # the policy_digest both write into receipts
            for a in case["actions"]:
                d = g.decide("agent-x", AgentAction(a["action"], a["target"], a["actionClass"], a["hosts"], a["paths"]))
                got_decisions.append([d.outcome, d.reason_code, d.rule_ids, d.block, d.hosts, d.paths])
                denies += d.outcome == "deny"
        assert got_decisions == want["decisions"], case
    assert denies > 50  # the sample exercises denials, not only allows


def test_policy_digest_is_the_jcs_hash_of_the_normalized_policy() -> None:
    g = Governor({"version": 1, "defaultAction": "allow", "rules": [{"id": "h", "action": "deny", "hosts": ["API.example.com"]}]}, "strict")
    assert g.policy["rules"][0]["hosts"] == ["api.example.com"]
    import hashlib

    from transient_trace.receipts.canonical import canonical_json

    assert g.policy_digest == hashlib.sha256(canonical_json(g.policy).encode()).hexdigest()

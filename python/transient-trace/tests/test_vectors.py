"""The shared vectors that apply to this package: receipt logs (verification) and redaction of what receipts hold."""

from __future__ import annotations

import pytest
from conftest import load_vectors

from transient_trace.receipts.keys import jwks_lookup
from transient_trace.receipts.verify_log import verify_log_text
from transient_trace.redact import (
    REDACTED,
    is_sensitive_name,
    redact_text,
    scrub_secrets,
)

RECEIPTS = load_vectors("receipts.json")
REDACTION = load_vectors("redaction.json")


@pytest.mark.parametrize("case", RECEIPTS["logs"], ids=lambda c: c["name"])
def test_log_vectors(case: dict) -> None:
    lookup = jwks_lookup({"keys": [RECEIPTS["key"]["jwk"]]})[0]
    text = "".join(f"{line}\n" for line in case["lines"])
    report = verify_log_text(text, lookup, case.get("head"), check_head="head" in case)
    want = case["expected"]
    assert (report.ok, report.receipts, report.last_seq, report.last_hash) == (
        want["ok"], want["receipts"], want["last_seq"], want["last_hash"],
    )
    assert [{"kind": p.kind, "line": p.line} for p in report.problems] == [
        {"kind": p["kind"], "line": p["line"]} for p in want["problems"]
    ]
    assert [{"kind": p.kind, "line": p.line} for p in report.incomplete] == [
        {"kind": p["kind"], "line": p["line"]} for p in want["incomplete"]
    ]


def test_genesis_hash() -> None:
    from transient_trace.receipts.verify_log import GENESIS_HASH

    assert RECEIPTS["genesis_hash"] == GENESIS_HASH


def test_marker() -> None:
    assert REDACTION["marker"] == REDACTED


@pytest.mark.parametrize("case", REDACTION["names"], ids=lambda c: c["name"])
def test_sensitive_names(case: dict) -> None:
    assert is_sensitive_name(case["name"]) is case["sensitive"]


@pytest.mark.parametrize("case", REDACTION["text"], ids=lambda c: c["input"][:40])
def test_text(case: dict) -> None:
    assert redact_text(case["input"]) == case["expected"]


@pytest.mark.parametrize("case", REDACTION["objects"], ids=lambda c: c["name"])
def test_objects(case: dict) -> None:
    assert scrub_secrets(case["input"]) == case["expected"]


def test_redaction_agrees_with_the_typescript_source() -> None:
    """Random texts of names, separators and secret shapes, redacted by core's redactText (run with tsx) and here."""
    import json
    import random
    import subprocess

    from conftest import REPO

    tsx = REPO / "node_modules" / ".bin" / "tsx"
    assert tsx.exists(), "npm ci installs tsx (a root devDependency)"
    rng = random.Random(16)
    parts = [
        "password", "api_key", "Authorization", "token", "TOKEN", "aws", "secret", "session_id", "max_tokens", "keycloak",
        "=", ": ", " ", "\t", '"', "'", "&", ",", ";", "}", "<", "Bearer ", "basic ", "token ", "hunter22x", "abc",
        "9f8e7d6c5b4a3210", "sk-abcdefghijklmnopqrstu", "AKIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "https://user:pw@host/x", "//", "@", "null", "é", "ſecret", "\u00a0", "\n", "x" * 70, "-----BEGIN PRIVATE KEY-----\nabc\n",
        "?token=abc&a=1", "export OPENAI_API_KEY=", "[REDACTED]",
    ]
    cases = ["".join(rng.choice(parts) for _ in range(rng.randint(1, 9))) for _ in range(1500)]
    script = (
        f'import {{ redactText }} from {json.dumps(str(REPO / "packages/core/src/redact/text.ts"))};\n'
        'import { readFileSync } from "node:fs";\n'
        'process.stdout.write(JSON.stringify(JSON.parse(readFileSync(0, "utf8")).map(redactText)));\n'
    )
    r = subprocess.run([str(tsx), "--eval", script], input=json.dumps(cases), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    want = json.loads(r.stdout)
    differing = [(c, w, redact_text(c)) for c, w in zip(cases, want, strict=True) if redact_text(c) != w]
    assert differing == []
    assert sum(w != c for c, w in zip(cases, want, strict=True)) > 500  # the sample does redact


REQUESTS = load_vectors("request-model.json")


@pytest.mark.parametrize(
    "case", [c for c in REQUESTS["cases"] if c["builder"] in ("command", "agent_action")], ids=lambda c: c["name"]
)
def test_request_model_vectors(case: dict) -> None:
    """The two requests transient-trace builds (the SDK's and a command's), against core's builders."""
    from transient_trace.policy.requests import agent_action_request, command_request

    a = dict(case["args"])
    if case["builder"] == "command":
        got = command_request(
            a["agent_id"], a["binary"], a["args"], a["action_class"], a["cwd"], a.get("hosts", ()), a.get("host", ""), a.get("path", "")
        )
    else:
        got = agent_action_request(a["agent_id"], a["action"], a["target"], a["action_class"], a.get("host", ""), a.get("path", ""))
    assert got == case["expected"]


def test_the_request_model_schema_vector() -> None:
    from transient_trace.policy.schema import REQUEST_MODEL_SCHEMA

    assert REQUESTS["schema"] == REQUEST_MODEL_SCHEMA


# What this package runs of spec/vectors, and what does not apply to it (and why). A new file or a new
# section fails here until it is run or named.
APPLIES = {
    "receipts.json": {"canonicalization", "snapshot_hashes", "signing", "logs", "atp_conformance", "key", "other_key", "genesis_hash"},
    "redaction.json": {"marker", "names", "text", "objects"},
    "json-policy.json": {"modes", "cases"},
    "request-model.json": {"schema", "cases"},
}
NOT_APPLYING = {
    "events.json": "event validation: trusera_sdk's (transient_trace sends no events)",
    "decisions.json": "raw Cedar policy text: trusera_sdk's CedarEvaluator (transient_trace compiles JSON policies; json-policy.json)",
    "redaction.json#urls": "URL and header redaction: the HTTP interceptor's (trusera_sdk)",
    "redaction.json#headers": "URL and header redaction: the HTTP interceptor's (trusera_sdk)",
    "json-policy.json#commands": "the command classification table is the CLI's (classify.ts); its decisions are run from the vector's classification",
}


def test_every_vector_file_and_section_is_run_or_named() -> None:
    from conftest import VECTORS

    for path in sorted(VECTORS.glob("*.json")):
        if path.name in NOT_APPLYING:
            continue
        assert path.name in APPLIES, f"spec/vectors/{path.name}: run it here or name it in NOT_APPLYING"
        sections = set(load_vectors(path.name)) - {"format", "description"}
        unknown = sections - APPLIES[path.name] - {k.split("#")[1] for k in NOT_APPLYING if k.startswith(path.name + "#")}
        assert not unknown, f"spec/vectors/{path.name}: new sections {sorted(unknown)}: run them or name them"
        assert load_vectors(path.name)["format"] == 1


def test_request_model_builders_not_run_here_are_trusera_sdks() -> None:
    builders = {c["builder"] for c in REQUESTS["cases"]}
    assert builders - {"command", "agent_action"} <= {"http", "tool", "model", "data", "file_write", "decision", "event"}

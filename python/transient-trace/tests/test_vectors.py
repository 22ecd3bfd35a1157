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

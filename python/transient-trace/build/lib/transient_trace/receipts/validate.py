"""The ATP 1.0 receipt shape, checked by hand (as packages/core/src/receipts/validate.ts)."""

from __future__ import annotations

import re
from typing import Any

from .ids import DECISION_ID_PATTERN, INTENT_ID_PATTERN, RECEIPT_ID_PATTERN

MAX_METADATA_MEMBERS = 20
# RFC 3339 date-time, as the ATP schemas' `format: date-time`.
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")
_HEX64 = re.compile(r"[a-f0-9]{64}")
_LEGACY_SIG = re.compile(r"sha256:[a-f0-9]{64}")
_EXECUTION_STATUSES = {"executed", "blocked", "expired", "error"}
_OUTCOMES = {"allow", "approve", "deny"}


def _str(p: list[str], o: dict[str, Any], name: str, where: str, pattern: re.Pattern[str] | None = None) -> None:
    v = o.get(name)
    if not isinstance(v, str) or v == "":
        p.append(f"{where}{name} must be a non-empty string")
    elif pattern is not None and not pattern.fullmatch(v):
        p.append(f'{where}{name} "{v}" does not match {pattern.pattern}')


def _metadata(p: list[str], o: dict[str, Any], where: str) -> None:
    if "metadata" not in o:
        return
    if not isinstance(o["metadata"], dict):
        p.append(f"{where}metadata must be an object")
    elif len(o["metadata"]) > MAX_METADATA_MEMBERS:
        p.append(f"{where}metadata has more than {MAX_METADATA_MEMBERS} members")


def _hash_ref(p: list[str], o: dict[str, Any], name: str) -> None:
    if name not in o:
        return
    v = o[name]
    if not isinstance(v, dict) or v.get("alg") != "sha256" or not isinstance(v.get("digest"), str) or not v["digest"]:
        p.append(f'{name} must be {{alg: "sha256", digest}}')


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer()


def validate_receipt(value: Any, sealed: bool = False) -> list[str]:
    """Every way a value falls short of the ATP 1.0 receipt schema; empty when it conforms.
    With ``sealed``, also what this project always writes: an Ed25519 signature object and a ``chain``."""
    if not isinstance(value, dict):
        return ["a receipt must be a JSON object"]
    p: list[str] = []
    r = value
    if r.get("schemaVersion") != "1.0.0":
        p.append('schemaVersion must be "1.0.0"')
    _str(p, r, "receipt_id", "", RECEIPT_ID_PATTERN)
    _str(p, r, "intent_id", "", INTENT_ID_PATTERN)
    _str(p, r, "decision_id", "", DECISION_ID_PATTERN)
    if r.get("execution_status") not in _EXECUTION_STATUSES:
        p.append("execution_status must be executed, blocked, expired or error")
    for t in ("captured_at", "occurred_at", "received_at", "sealed_at"):
        _str(p, r, t, "", _DATE_TIME)
    if not isinstance(r.get("event_snapshot"), dict) or not r["event_snapshot"]:
        p.append("event_snapshot must be a non-empty object")
    _str(p, r, "event_snapshot_hash", "", _HEX64)
    _str(p, r, "correlation_id", "")
    _metadata(p, r, "")
    _hash_ref(p, r, "input_hash")
    _hash_ref(p, r, "output_hash")

    sig = r.get("signature")
    if isinstance(sig, dict):
        if sig.get("alg") != "Ed25519":
            p.append('signature.alg must be "Ed25519"')
        if sig.get("canonicalization") != "RFC8785-JCS":
            p.append('signature.canonicalization must be "RFC8785-JCS"')
        _str(p, sig, "kid", "signature.")
        _str(p, sig, "sig", "signature.")
    elif not isinstance(sig, str) or sealed or not _LEGACY_SIG.fullmatch(sig):
        p.append("signature must be an Ed25519 signature object")

    intent = r.get("intent")
    if not isinstance(intent, dict):
        p.append("intent must be an object")
    else:
        _str(p, intent, "intent_id", "intent.", INTENT_ID_PATTERN)
        for n in ("actor_id", "connector", "action", "action_class", "governance_profile"):
            _str(p, intent, n, "intent.")
        if not isinstance(intent.get("target"), dict):
            p.append("intent.target must be an object")
        if not isinstance(intent.get("context"), dict):
            p.append("intent.context must be an object")
        _str(p, intent, "requested_at", "intent.", _DATE_TIME)
        _metadata(p, intent, "intent.")
    decision = r.get("decision")
    if not isinstance(decision, dict):
        p.append("decision must be an object")
    else:
        _str(p, decision, "decision_id", "decision.", DECISION_ID_PATTERN)
        _str(p, decision, "intent_id", "decision.", INTENT_ID_PATTERN)
        if decision.get("outcome") not in _OUTCOMES:
            p.append("decision.outcome must be allow, approve or deny")
        _str(p, decision, "reason_code", "decision.")
        _str(p, decision, "decided_at", "decision.", _DATE_TIME)
    if sealed or "chain" in r:
        c = r.get("chain")
        if (
            not isinstance(c, dict)
            or not _is_int(c.get("seq"))
            or c["seq"] < 1
            or c["seq"] > 2**53 - 1
            or not isinstance(c.get("prev_hash"), str)
            or not _HEX64.fullmatch(c["prev_hash"])
        ):
            p.append("chain must be {seq: integer >= 1, prev_hash: 64 hex}")
    return p

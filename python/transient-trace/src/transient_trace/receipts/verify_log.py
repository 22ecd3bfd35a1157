"""
Verifying a receipt log: each record on its own (shape, signature, snapshot hash), then the chain
(seq 1, 2, 3, ... each ``prev_hash`` the hash of the one before) and the head checkpoint. The same
findings, kinds and wording as packages/core/src/receipts/verify-log.ts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .canonical import CanonicalizationError, canonical_json
from .hashing import event_snapshot_hash, sha256_hex
from .keys import KeyLookup
from .sign import with_signature
from .validate import validate_receipt
from .verify import verify_receipt_signature

GENESIS_HASH = "0" * 64


@dataclass
class LogProblem:
    #: torn, malformed, unknown_key, bad_signature, snapshot_hash, chain_seq, chain_link,
    #: head_missing, head_invalid or head_mismatch.
    kind: str
    line: int
    message: str
    receipt_id: str | None = None
    seq: int | None = None


@dataclass
class RecordCheck:
    line: int
    torn: bool
    receipt_id: str | None = None
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None
    kid: str | None = None
    problems: list[LogProblem] = field(default_factory=list)


@dataclass
class LogReport:
    #: Every receipt verifies, the chain is whole from seq 1, and the head checkpoint is found.
    ok: bool
    receipts: int
    last_seq: int
    last_hash: str
    keys: list[str]
    problems: list[LogProblem]
    #: Lines a killed writer left half-written, which the chain links across (reported, not faults).
    incomplete: list[LogProblem]


def _describe(r: RecordCheck) -> str:
    seq = "?" if r.seq is None else _num(r.seq)
    return f"{r.receipt_id or 'receipt'} (seq {seq}, line {r.line})"


def _num(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # JSON.parse refuses NaN and Infinity; so do we


def check_record(value: Any, line: int, lookup: KeyLookup) -> RecordCheck:
    """Checks one record (a log line's text, or a parsed receipt). Never raises."""
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_constant=_no_constants)
        except (ValueError, RecursionError):
            value = None
    if not isinstance(value, dict):
        msg = f"line {line}: not a complete receipt (a write cut short?)"
        return RecordCheck(line, True, problems=[LogProblem("torn", line, msg)])
    r = value
    out = RecordCheck(line, False)
    if isinstance(r.get("receipt_id"), str):
        out.receipt_id = r["receipt_id"]
    chain = r.get("chain")
    if isinstance(chain, dict):
        if isinstance(chain.get("seq"), (int, float)) and not isinstance(chain.get("seq"), bool):
            out.seq = chain["seq"]
        if isinstance(chain.get("prev_hash"), str):
            out.prev_hash = chain["prev_hash"]
    name = _describe(out)

    def push(kind: str, message: str) -> None:
        out.problems.append(LogProblem(kind, line, f"{name}: {message}", out.receipt_id, out.seq))

    shape = validate_receipt(r, sealed=True)
    if shape:
        push("malformed", "; ".join(shape))
    sig = verify_receipt_signature(r, lookup)
    if sig.ok:
        out.kid = sig.kid
        out.hash = sha256_hex(with_signature(sig.body, r, r["signature"]))
    else:
        push(sig.reason, sig.message)
        try:
            out.hash = sha256_hex(canonical_json(r))
        except CanonicalizationError:
            pass  # no hash: the next receipt's link is reported against nothing
    if not shape and isinstance(r.get("event_snapshot"), dict):
        try:
            if event_snapshot_hash(r["event_snapshot"]) != r.get("event_snapshot_hash"):
                push("snapshot_hash", "event_snapshot_hash is not the SHA-256 of the snapshot's JCS bytes")
        except CanonicalizationError as err:
            push("malformed", str(err))
    return out


def check_log_text(text: str, lookup: KeyLookup, first_line: int = 1) -> list[RecordCheck]:
    """``check_record`` over every non-empty line of a log text."""
    return [check_record(line, n, lookup) for n, line in enumerate(text.split("\n"), first_line) if line]


def link_records(records: list[RecordCheck], lookup: KeyLookup, head_text: str | None = None, check_head: bool = True) -> LogReport:
    """Links checked records into a chain and checks the head checkpoint (``head_text``: its first line)."""
    problems: list[LogProblem] = []
    incomplete: list[LogProblem] = []
    keys: list[str] = []
    prev: RecordCheck | None = None
    torn: list[RecordCheck] = []
    count = 0
    by_seq: dict[Any, RecordCheck] = {}
    for rec in records:
        if rec.torn:
            torn.append(rec)
            continue
        count += 1
        problems.extend(rec.problems)
        if rec.kid and not rec.problems and rec.kid not in keys:
            keys.append(rec.kid)
        expected_seq = (prev.seq or 0) + 1 if prev else 1
        expected_prev = prev.hash if prev else GENESIS_HASH
        name = _describe(rec)
        seq_text = "(none)" if rec.seq is None else _num(rec.seq)
        linked = True
        if rec.seq != expected_seq:
            linked = False
            msg = (
                f"{name}: seq {seq_text} follows {_describe(prev)}, expected seq {expected_seq}: a receipt is missing, duplicated or out of order"
                if prev
                else f"{name}: the log starts at seq {seq_text}, expected seq 1: receipts were removed from the start"
            )
            problems.append(LogProblem("chain_seq", rec.line, msg, rec.receipt_id, rec.seq))
        elif rec.prev_hash != expected_prev:
            linked = False
            msg = (
                f"{name}: prev_hash does not match the hash of {_describe(prev)}: that receipt was changed or replaced"
                if prev
                else f"{name}: prev_hash of the first receipt is not the genesis value"
            )
            problems.append(LogProblem("chain_link", rec.line, msg, rec.receipt_id, rec.seq))
        # Torn lines the chain links across held no receipt of the chain; otherwise they are faults too.
        for t in torn:
            (incomplete if linked else problems).extend(t.problems)
        torn = []
        if rec.seq is not None:
            by_seq[rec.seq] = rec
        prev = rec
    for t in torn:
        incomplete.extend(t.problems)
    if check_head:
        _check_head(head_text, lookup, prev, by_seq, count, problems)
    problems.sort(key=lambda p: p.line)
    return LogReport(
        ok=not problems,
        receipts=count,
        last_seq=int(prev.seq) if prev and prev.seq is not None else 0,
        last_hash=(prev.hash if prev and prev.hash else GENESIS_HASH),
        keys=keys,
        problems=problems,
        incomplete=incomplete,
    )


def _check_head(
    head_text: str | None,
    lookup: KeyLookup,
    last: RecordCheck | None,
    by_seq: dict[Any, RecordCheck],
    count: int,
    problems: list[LogProblem],
) -> None:
    end_line = (last.line if last else 0) + 1
    if head_text is None or head_text.strip() == "":
        if count > 0:
            problems.append(
                LogProblem("head_missing", end_line, "the head checkpoint is missing or empty, so a cut tail could not be detected")
            )
        return
    h = check_record(head_text, 0, lookup)
    if h.torn or h.problems or h.seq is None:
        detail = "; ".join(p.message for p in h.problems) or "unreadable"
        problems.append(LogProblem("head_invalid", end_line, f"the head checkpoint is not a valid signed receipt ({detail})"))
        return
    at = by_seq.get(h.seq)
    head_name = f"{h.receipt_id} (seq {_num(h.seq)})"
    if at is None:
        msg = (
            f"the log ends at {_describe(last)} but the head checkpoint records {head_name}: receipts after seq {_num(last.seq)} were removed from the tail"
            if last
            else f"the log is empty but the head checkpoint records {head_name}: every receipt was removed"
        )
        problems.append(LogProblem("head_missing", end_line, msg, h.receipt_id, h.seq))
    elif at.hash != h.hash:
        problems.append(
            LogProblem("head_mismatch", at.line, f"{_describe(at)} differs from the head checkpoint's copy of {head_name}", at.receipt_id, at.seq)
        )


def verify_log_text(text: str, lookup: KeyLookup, head_text: str | None = None, check_head: bool = True) -> LogReport:
    """Checks a whole log text (NDJSON, one receipt a line)."""
    return link_records(check_log_text(text, lookup), lookup, head_text, check_head)

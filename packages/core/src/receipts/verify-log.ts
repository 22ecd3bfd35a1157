import { isJsonObject } from "../events/validate.js";
import { canonicalJson } from "./canonical.js";
import { eventSnapshotHash, sha256Hex } from "./hash.js";
import type { KeyLookup } from "./keys.js";
import { withSignature } from "./sign.js";
import { GENESIS_HASH } from "./types.js";
import { validateReceipt } from "./validate.js";
import { verifyReceiptSignature } from "./verify.js";

export type LogProblemKind =
  | "torn"
  | "malformed"
  | "unknown_key"
  | "untrusted_key"
  | "bad_signature"
  | "snapshot_hash"
  | "chain_seq"
  | "chain_link"
  | "head_missing"
  | "head_invalid"
  | "head_mismatch";

/** One finding, placed: the line of the log (or bundle index + 1) and the receipt, when readable. */
export interface LogProblem {
  kind: LogProblemKind;
  line: number;
  receipt_id?: string;
  seq?: number;
  message: string;
}

/** What one record of a log is, checked on its own (the part that can run in parallel). */
export interface RecordCheck {
  line: number;
  /** The line could not be read as a JSON object: a write cut short. */
  torn: boolean;
  receipt_id?: string;
  seq?: number;
  prev_hash?: string;
  /** Hex SHA-256 of the receipt's JCS bytes, signature included (what the next `prev_hash` must be). */
  hash?: string;
  kid?: string;
  problems: LogProblem[];
}

export interface LogReport {
  /** True when every receipt verifies, the chain is whole from seq 1, and the head checkpoint is found. */
  ok: boolean;
  receipts: number;
  lastSeq: number;
  lastHash: string;
  /** Key ids that signed at least one good receipt. */
  keys: string[];
  /** Faults in log order; the first one is the first broken link. */
  problems: LogProblem[];
  /**
   * Lines a killed writer left half-written, which the chain links across (so no receipt is missing
   * because of them). Reported, never silently accepted; they do not make `ok` false.
   */
  incomplete: LogProblem[];
}

export const describeRecord = (r: { receipt_id?: string; seq?: number; line: number }): string =>
  `${r.receipt_id ?? "receipt"} (seq ${r.seq ?? "?"}, line ${r.line})`;

/**
 * Checks one record (a log line's text, or a parsed receipt): shape, signature, snapshot hash, and
 * computes its chain hash. Never throws.
 */
export function checkRecord(input: string | unknown, line: number, lookup: KeyLookup): RecordCheck {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      value = undefined;
    }
  }
  if (!isJsonObject(value)) {
    return {
      line,
      torn: true,
      problems: [
        { kind: "torn", line, message: `line ${line}: not a complete receipt (a write cut short?)` },
      ],
    };
  }
  const r = value;
  const out: RecordCheck = { line, torn: false, problems: [] };
  if (typeof r.receipt_id === "string") out.receipt_id = r.receipt_id;
  if (isJsonObject(r.chain)) {
    if (typeof r.chain.seq === "number") out.seq = r.chain.seq;
    if (typeof r.chain.prev_hash === "string") out.prev_hash = r.chain.prev_hash;
  }
  const name = describeRecord(out);
  const push = (kind: LogProblemKind, message: string) =>
    out.problems.push({
      kind,
      line,
      receipt_id: out.receipt_id,
      seq: out.seq,
      message: `${name}: ${message}`,
    });

  const shape = validateReceipt(r, { sealed: true });
  if (shape.length > 0) push("malformed", shape.join("; "));
  const sig = verifyReceiptSignature(r, lookup);
  if (sig.ok) {
    out.kid = sig.kid;
    out.hash = sha256Hex(withSignature(sig.body, r, r.signature as never));
  } else {
    push(sig.reason, sig.message);
    try {
      out.hash = sha256Hex(canonicalJson(r));
    } catch {
      // No hash: the next receipt's link is reported against nothing.
    }
  }
  if (shape.length === 0 && isJsonObject(r.event_snapshot)) {
    try {
      if (eventSnapshotHash(r.event_snapshot) !== r.event_snapshot_hash)
        push("snapshot_hash", "event_snapshot_hash is not the SHA-256 of the snapshot's JCS bytes");
    } catch (err) {
      push("malformed", (err as Error).message);
    }
  }
  return out;
}

/** The last receipt as the writer recorded it after its latest append (a signed receipt: unforgeable). */
export interface HeadCheckpoint {
  /** The head file's text (its first line), or undefined when there is none. */
  text: string | undefined;
}

/** Where a part of a chain continues from: the receipt before its first record (e.g. a server's head). */
export interface ChainPosition {
  seq: number;
  hash: string;
  /** How messages name it, e.g. "TR-1 (seq 4) on the server". */
  name: string;
}

/**
 * Links checked records into a chain: seq 1, 2, 3, ... each `prev_hash` the hash of the one before,
 * and, when a head checkpoint is given, the receipt it names present with the same hash (so cutting
 * the tail is seen). Names the receipt at every fault. With `after`, the records continue a chain
 * from that position instead of starting it (an upload after what a server holds).
 */
export function linkRecords(
  records: readonly RecordCheck[],
  lookup: KeyLookup,
  head?: HeadCheckpoint,
  after?: ChainPosition,
): LogReport {
  const problems: LogProblem[] = [];
  const incomplete: LogProblem[] = [];
  const keys = new Set<string>();
  let prev: RecordCheck | undefined;
  let torn: RecordCheck[] = [];
  let count = 0;
  const bySeq = new Map<number, RecordCheck>();

  for (const rec of records) {
    if (rec.torn) {
      torn.push(rec);
      continue;
    }
    count++;
    problems.push(...rec.problems);
    if (rec.kid && rec.problems.length === 0) keys.add(rec.kid);
    const expectedSeq = prev ? (prev.seq ?? 0) + 1 : after ? after.seq + 1 : 1;
    const expectedPrev = prev ? prev.hash : after ? after.hash : GENESIS_HASH;
    const name = describeRecord(rec);
    let linked = true;
    if (rec.seq !== expectedSeq) {
      linked = false;
      problems.push({
        kind: "chain_seq",
        line: rec.line,
        receipt_id: rec.receipt_id,
        seq: rec.seq,
        message: prev
          ? `${name}: seq ${rec.seq ?? "(none)"} follows ${describeRecord(prev)}, expected seq ${expectedSeq}: a receipt is missing, duplicated or out of order`
          : after
            ? `${name}: seq ${rec.seq ?? "(none)"} follows ${after.name}, expected seq ${expectedSeq}: a receipt is missing, duplicated or out of order`
            : `${name}: the log starts at seq ${rec.seq ?? "(none)"}, expected seq 1: receipts were removed from the start`,
      });
    } else if (rec.prev_hash !== expectedPrev) {
      linked = false;
      problems.push({
        kind: "chain_link",
        line: rec.line,
        receipt_id: rec.receipt_id,
        seq: rec.seq,
        message: prev
          ? `${name}: prev_hash does not match the hash of ${describeRecord(prev)}: that receipt was changed or replaced`
          : after
            ? `${name}: prev_hash does not match the hash of ${after.name}: the log was rewritten after that receipt`
            : `${name}: prev_hash of the first receipt is not the genesis value`,
      });
    }
    // Torn lines the chain links across held no receipt of the chain; otherwise they are faults too.
    for (const t of torn) (linked ? incomplete : problems).push(...t.problems);
    torn = [];
    if (rec.seq !== undefined) bySeq.set(rec.seq, rec);
    prev = rec;
  }
  incomplete.push(...torn.flatMap((t) => t.problems));

  if (head) checkHead(head, lookup, prev, bySeq, count, problems);
  problems.sort((a, b) => a.line - b.line);
  return {
    ok: problems.length === 0,
    receipts: count,
    lastSeq: prev?.seq ?? after?.seq ?? 0,
    lastHash: prev?.hash ?? after?.hash ?? GENESIS_HASH,
    keys: [...keys],
    problems,
    incomplete,
  };
}

function checkHead(
  head: HeadCheckpoint,
  lookup: KeyLookup,
  last: RecordCheck | undefined,
  bySeq: Map<number, RecordCheck>,
  count: number,
  problems: LogProblem[],
): void {
  const endLine = (last?.line ?? 0) + 1;
  if (head.text === undefined || head.text.trim() === "") {
    if (count > 0)
      problems.push({
        kind: "head_missing",
        line: endLine,
        message: "the head checkpoint is missing or empty, so a cut tail could not be detected",
      });
    return;
  }
  const h = checkRecord(head.text, 0, lookup);
  if (h.torn || h.problems.length > 0 || h.seq === undefined) {
    problems.push({
      kind: "head_invalid",
      line: endLine,
      message: `the head checkpoint is not a valid signed receipt (${h.problems.map((p) => p.message).join("; ") || "unreadable"})`,
    });
    return;
  }
  const at = bySeq.get(h.seq);
  const headName = `${h.receipt_id} (seq ${h.seq})`;
  if (!at) {
    problems.push({
      kind: "head_missing",
      line: endLine,
      receipt_id: h.receipt_id,
      seq: h.seq,
      message: last
        ? `the log ends at ${describeRecord(last)} but the head checkpoint records ${headName}: receipts after seq ${last.seq} were removed from the tail`
        : `the log is empty but the head checkpoint records ${headName}: every receipt was removed`,
    });
  } else if (at.hash !== h.hash) {
    problems.push({
      kind: "head_mismatch",
      line: at.line,
      receipt_id: at.receipt_id,
      seq: at.seq,
      message: `${describeRecord(at)} differs from the head checkpoint's copy of ${headName}`,
    });
  }
}

/** Checks a whole log text (NDJSON, one receipt a line) in this thread. */
export function verifyLogText(text: string, lookup: KeyLookup, head?: HeadCheckpoint): LogReport {
  return linkRecords(checkLogText(text, lookup), lookup, head);
}

/** `checkRecord` over every non-empty line of a log text. `firstLine` numbers the first line. */
export function checkLogText(text: string, lookup: KeyLookup, firstLine = 1): RecordCheck[] {
  const out: RecordCheck[] = [];
  let line = firstLine;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end > start) out.push(checkRecord(text.slice(start, end), line, lookup));
    start = end + 1;
    line++;
  }
  return out;
}

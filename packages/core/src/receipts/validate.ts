import { isJsonObject } from "../events/validate.js";
import { DECISION_ID_PATTERN, INTENT_ID_PATTERN, RECEIPT_ID_PATTERN } from "./ids.js";
import { MAX_METADATA_MEMBERS } from "./types.js";

// RFC 3339 date-time, as the ATP schemas' `format: date-time`.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const HEX64 = /^[a-f0-9]{64}$/;
const EXECUTION_STATUSES = new Set(["executed", "blocked", "expired", "error"]);
const OUTCOMES = new Set(["allow", "approve", "deny"]);

type Problems = string[];

function str(p: Problems, o: Record<string, unknown>, name: string, where: string, pattern?: RegExp): void {
  const v = o[name];
  if (typeof v !== "string" || v.length === 0) p.push(`${where}${name} must be a non-empty string`);
  else if (pattern && !pattern.test(v)) p.push(`${where}${name} "${v}" does not match ${pattern.source}`);
}

function metadata(p: Problems, o: Record<string, unknown>, where: string): void {
  if (o.metadata === undefined) return;
  if (!isJsonObject(o.metadata)) p.push(`${where}metadata must be an object`);
  else if (Object.keys(o.metadata).length > MAX_METADATA_MEMBERS)
    p.push(`${where}metadata has more than ${MAX_METADATA_MEMBERS} members`);
}

function hashRef(p: Problems, o: Record<string, unknown>, name: string): void {
  const v = o[name];
  if (v === undefined) return;
  if (!isJsonObject(v) || v.alg !== "sha256" || typeof v.digest !== "string" || v.digest.length === 0)
    p.push(`${name} must be {alg: "sha256", digest}`);
}

/**
 * Every way a value falls short of the ATP 1.0 receipt schema (receipt, intent and decision), in
 * words; empty when it conforms. Written out by hand so that checking a log costs microseconds.
 * With `sealed`, also requires what this project always writes: an Ed25519 signature object and a
 * `chain`.
 */
export function validateReceipt(value: unknown, { sealed = false } = {}): string[] {
  const p: Problems = [];
  if (!isJsonObject(value)) return ["a receipt must be a JSON object"];
  const r = value;
  if (r.schemaVersion !== "1.0.0") p.push(`schemaVersion must be "1.0.0"`);
  str(p, r, "receipt_id", "", RECEIPT_ID_PATTERN);
  str(p, r, "intent_id", "", INTENT_ID_PATTERN);
  str(p, r, "decision_id", "", DECISION_ID_PATTERN);
  if (!EXECUTION_STATUSES.has(r.execution_status as string))
    p.push("execution_status must be executed, blocked, expired or error");
  for (const t of ["captured_at", "occurred_at", "received_at", "sealed_at"]) str(p, r, t, "", DATE_TIME);
  if (!isJsonObject(r.event_snapshot) || Object.keys(r.event_snapshot).length === 0)
    p.push("event_snapshot must be a non-empty object");
  str(p, r, "event_snapshot_hash", "", HEX64);
  str(p, r, "correlation_id", "");
  metadata(p, r, "");
  hashRef(p, r, "input_hash");
  hashRef(p, r, "output_hash");

  const sig = r.signature;
  if (isJsonObject(sig)) {
    if (sig.alg !== "Ed25519") p.push(`signature.alg must be "Ed25519"`);
    if (sig.canonicalization !== "RFC8785-JCS") p.push(`signature.canonicalization must be "RFC8785-JCS"`);
    str(p, sig, "kid", "signature.");
    str(p, sig, "sig", "signature.");
  } else if (typeof sig !== "string" || sealed || !/^sha256:[a-f0-9]{64}$/.test(sig)) {
    p.push("signature must be an Ed25519 signature object");
  }

  const intent = r.intent;
  if (!isJsonObject(intent)) p.push("intent must be an object");
  else {
    str(p, intent, "intent_id", "intent.", INTENT_ID_PATTERN);
    for (const n of ["actor_id", "connector", "action", "action_class", "governance_profile"])
      str(p, intent, n, "intent.");
    if (!isJsonObject(intent.target)) p.push("intent.target must be an object");
    if (!isJsonObject(intent.context)) p.push("intent.context must be an object");
    str(p, intent, "requested_at", "intent.", DATE_TIME);
    metadata(p, intent, "intent.");
  }
  const decision = r.decision;
  if (!isJsonObject(decision)) p.push("decision must be an object");
  else {
    str(p, decision, "decision_id", "decision.", DECISION_ID_PATTERN);
    str(p, decision, "intent_id", "decision.", INTENT_ID_PATTERN);
    if (!OUTCOMES.has(decision.outcome as string)) p.push("decision.outcome must be allow, approve or deny");
    str(p, decision, "reason_code", "decision.");
    str(p, decision, "decided_at", "decision.", DATE_TIME);
  }
  if (sealed || r.chain !== undefined) {
    const c = r.chain;
    if (
      !isJsonObject(c) ||
      !Number.isSafeInteger(c.seq) ||
      (c.seq as number) < 1 ||
      typeof c.prev_hash !== "string" ||
      !HEX64.test(c.prev_hash)
    )
      p.push("chain must be {seq: integer >= 1, prev_hash: 64 hex}");
  }
  return p;
}

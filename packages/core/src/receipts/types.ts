import type { JsonObject } from "../events/event.js";

/** The Ed25519 signature object of an ATP receipt. */
export interface AtpSignature {
  alg: "Ed25519";
  version: "ATP-ED25519-1";
  /** Key id: the RFC 7638 thumbprint of the public key (base64url), so a replaced key has a new id. */
  kid: string;
  /** base64url (no padding) of the 64 signature bytes. */
  sig: string;
  canonicalization: "RFC8785-JCS";
}

/** Our top-level extension: the hash chain, covered by the signature. */
export interface ReceiptChain {
  /** 1 for the first receipt of a log, then +1 each. */
  seq: number;
  /** Hex SHA-256 of the previous receipt's JCS bytes, signature included; 64 zeros for seq 1. */
  prev_hash: string;
}

export interface AtpIntent {
  intent_id: string;
  actor_id: string;
  connector: string;
  action: string;
  action_class: string;
  target: JsonObject;
  context: JsonObject;
  governance_profile: string;
  requested_at: string;
  metadata?: JsonObject;
  [extension: string]: unknown;
}

export type AtpOutcome = "allow" | "approve" | "deny";
export type ExecutionStatus = "executed" | "blocked" | "expired" | "error";

export interface AtpDecision {
  decision_id: string;
  intent_id: string;
  outcome: AtpOutcome;
  reason_code: string;
  decided_at: string;
  [extension: string]: unknown;
}

export interface HashRef {
  alg: "sha256";
  digest: string;
}

/** The members of an ATP 1.0 receipt other than `signature`, plus our `chain` extension. */
export interface ReceiptFields {
  schemaVersion: "1.0.0";
  receipt_id: string;
  intent_id: string;
  decision_id: string;
  execution_status: ExecutionStatus;
  captured_at: string;
  occurred_at: string;
  received_at: string;
  sealed_at: string;
  event_snapshot: JsonObject;
  event_snapshot_hash: string;
  correlation_id: string;
  intent: AtpIntent;
  decision: AtpDecision;
  chain?: ReceiptChain;
  metadata?: JsonObject;
  input_hash?: HashRef;
  output_hash?: HashRef;
}

/** An ATP 1.0 receipt as the spec defines it (top-level extensions allowed). */
export interface AtpReceipt extends ReceiptFields {
  signature: AtpSignature | string;
  [extension: string]: unknown;
}

/** A receipt before signing: everything but `signature`. */
export interface UnsignedReceipt extends ReceiptFields {
  [extension: string]: unknown;
}

/** A receipt this project wrote: always signed with Ed25519 and chained. */
export type SealedReceipt = AtpReceipt & { signature: AtpSignature; chain: ReceiptChain };

export const GENESIS_HASH = "0".repeat(64);
export const MAX_METADATA_MEMBERS = 20;

/** A receipt about to be sealed: everything but `chain` and `signature`, which the log adds. */
export interface ReceiptBody extends Omit<ReceiptFields, "chain"> {
  [extension: string]: unknown;
}

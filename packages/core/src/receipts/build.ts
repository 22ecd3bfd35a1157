import { ValidationError } from "../errors.js";
import type { JsonObject } from "../events/event.js";
import { scrubSecrets } from "../redact/object.js";
import { redactText } from "../redact/text.js";
import { nowIso } from "./clock.js";
import { eventSnapshotHash } from "./hash.js";
import { newReceiptIds } from "./ids.js";
import type { ExecutionStatus, HashRef, ReceiptBody } from "./types.js";
import { MAX_METADATA_MEMBERS } from "./types.js";

export const IMPLEMENTATION = "transient-trace";
export const IMPLEMENTATION_VERSION = "0.1.0";

/** What a governed action was, what the policy said and what happened: the input of a receipt. */
export interface ActionRecord {
  /** The agent (`Client_init({ agentId })`). */
  actorId: string;
  /** What saw the action: `transient-trace/sdk`, `transient-trace/shell`, `transient-trace/claude-hook`, ... */
  connector: string;
  /** `execute`, `shell_exec`, `file.write`, ... */
  action: string;
  actionClass: string;
  /** What was acted on. Secrets are redacted before it is written. */
  target: JsonObject;
  /** Extra facts about the request (cwd, hosts, paths, ...). Secrets are redacted before it is written. */
  context?: JsonObject;
  decision: {
    outcome: "allow" | "deny";
    /** Whether the mode made the caller block it. */
    block: boolean;
    mode: string;
    reasonCode: string;
    ruleIds: readonly string[];
    errors?: readonly string[];
    /** Hex SHA-256 of the policy that decided. */
    policyDigest: string;
  };
  executionStatus: ExecutionStatus;
  requestedAt: string;
  decidedAt: string;
  /** When the action finished (or was blocked); now when left out. */
  completedAt?: string;
  /** Ties receipts of one run or client together: `<session>:<n>`. */
  correlationId: string;
  inputHash?: HashRef;
  outputHash?: HashRef;
  /** The action's error message, for `execution_status: "error"`. Redacted before it is written. */
  error?: string;
  /** Implementation members are added; at most 20 members in all. */
  metadata?: JsonObject;
}

const EVENT_BY_STATUS: Record<ExecutionStatus, string> = {
  executed: "action_executed",
  blocked: "action_blocked",
  expired: "action_expired",
  error: "action_failed",
};

/**
 * The ATP receipt body of an action (before the log chains and signs it). Denied actions get one
 * too: `decision.outcome` is the policy's verdict, `execution_status` what happened (in audit mode
 * a denied action is `executed`, and `decision.enforced` is false).
 */
export function buildActionReceipt(rec: ActionRecord): ReceiptBody {
  const ids = newReceiptIds();
  const completedAt = rec.completedAt ?? nowIso();
  const events: JsonObject[] = [
    { eventType: "action_requested", capturedAt: rec.requestedAt },
    { eventType: "action_decided", capturedAt: rec.decidedAt, outcome: rec.decision.outcome },
    { eventType: EVENT_BY_STATUS[rec.executionStatus], capturedAt: completedAt },
  ];
  const snapshot: JsonObject = { events, runStatus: rec.executionStatus };
  if (rec.error !== undefined) snapshot.error = redactText(rec.error).slice(0, 2_000);
  const metadata: JsonObject = {
    implementation: IMPLEMENTATION,
    implementation_version: IMPLEMENTATION_VERSION,
    ...scrubSecrets(rec.metadata ?? {}),
  };
  if (Object.keys(metadata).length > MAX_METADATA_MEMBERS)
    throw new ValidationError([`metadata has more than ${MAX_METADATA_MEMBERS} members`], "receipt");
  const decision: JsonObject = {
    decision_id: ids.decision_id,
    intent_id: ids.intent_id,
    outcome: rec.decision.outcome,
    reason_code: rec.decision.reasonCode,
    decided_at: rec.decidedAt,
    mode: rec.decision.mode,
    enforced: rec.decision.block,
    rule_ids: [...rec.decision.ruleIds],
    policy_digest: rec.decision.policyDigest,
  };
  if (rec.decision.errors && rec.decision.errors.length > 0)
    decision.errors = rec.decision.errors.map((e) => redactText(e).slice(0, 500)).slice(0, 10);
  const body: ReceiptBody = {
    schemaVersion: "1.0.0",
    receipt_id: ids.receipt_id,
    intent_id: ids.intent_id,
    decision_id: ids.decision_id,
    execution_status: rec.executionStatus,
    captured_at: completedAt,
    occurred_at: rec.requestedAt,
    received_at: rec.decidedAt,
    sealed_at: nowIso(),
    event_snapshot: snapshot,
    event_snapshot_hash: eventSnapshotHash(snapshot),
    correlation_id: rec.correlationId,
    intent: {
      intent_id: ids.intent_id,
      actor_id: rec.actorId,
      connector: rec.connector,
      action: rec.action,
      action_class: rec.actionClass,
      target: scrubSecrets(rec.target),
      context: scrubSecrets(rec.context ?? {}),
      governance_profile: `transient-trace:${rec.decision.mode}`,
      requested_at: rec.requestedAt,
    },
    decision: decision as ReceiptBody["decision"],
    metadata,
  };
  if (rec.inputHash) body.input_hash = rec.inputHash;
  if (rec.outputHash) body.output_hash = rec.outputHash;
  return body;
}

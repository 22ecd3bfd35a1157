import type {
  ActionClass,
  JsonObject,
  Mode,
  PolicyDocument,
  ReceiptSink,
  SealedReceipt,
} from "@trusera/core";

/** `Client_init` options. */
export interface ClientConfig {
  /** Who acts: written as `intent.actor_id` and the Cedar principal `Agent::"<agentId>"`. */
  agentId: string;
  /**
   * The policy: an object in the JSON format, its JSON text, or a file path. Left out:
   * `$ATP_POLICY_PATH`, then `./.atp/policy.json`, then deny-all.
   */
  policy?: PolicyDocument | string;
  /**
   * `strict` (default for the SDK: a deny throws), `permissive` (only a deny by a rule throws) or
   * `audit` (nothing throws; receipts record what the policy said). Fixed for the client's life and
   * never read from the environment, so a child process cannot weaken it.
   */
  mode?: Mode;
  /** Where keys and receipts live. Default: `$TRANSIENT_TRACE_STATE_DIR`, the config's, `~/.transient-trace`. */
  stateDir?: string;
  /** `intent.connector` of every receipt. Default `transient-trace/sdk`. */
  connector?: string;
  /** Where receipts go after the local log (see ReceiptSink). */
  sinks?: ReceiptSink[];
  /** fsync the log after every receipt (slower; see docs/receipts-policy.md). */
  fsync?: boolean;
}

/** The second argument of `executeActionWithReceipt`. */
export interface ActionOptions {
  /** What the action acts on: an id, or an object (`{ table: "users", id: 4 }`). Redacted before writing. */
  target: string | JsonObject;
  /** One of read, write_low, write_high, delete, network, exec. */
  action_class: ActionClass;
  /** What is done. Default `execute`. */
  action?: string;
  /** Hosts the action reaches (for `hosts` rules). */
  hosts?: string[];
  /** Files the action touches, absolute (for `paths` rules). */
  paths?: string[];
  /** Extra facts to record in `intent.context`. Redacted before writing. */
  context?: JsonObject;
  /** The action's input: only its hash is recorded (`input_hash`). */
  input?: unknown;
}

/**
 * A sealed receipt with the seed's `outcome` (`receipt.outcome`): `decision.outcome` read through a
 * non-enumerable getter, so the signed JSON is unchanged.
 */
export type ReceiptWithOutcome = SealedReceipt & { readonly outcome: SealedReceipt["decision"]["outcome"] };

export interface ActionResult<T> {
  result: T;
  receipt: ReceiptWithOutcome;
}

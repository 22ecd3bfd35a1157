import type { GovernedAction } from "../policy/governor.js";
import { receiptTargetText } from "../receipts/target.js";
import type { SealedReceipt } from "../receipts/types.js";

/** The connector of the receipts `rules approve|reject` writes: decisions about rules, not agent actions. */
export const RULES_CONNECTOR = "transient-trace/rules";

/** One past action, reduced to what learning groups by and what a replay needs. */
export interface HistoryRecord {
  receiptId: string;
  at: string;
  /** The run (session) it belonged to: `metadata.run_id`, else the correlation id before its last `:`. */
  session: string;
  outcome: "allow" | "deny";
  actionClass: string;
  /** Program name for shell commands (`curl`), else undefined. */
  binary?: string;
  hosts: string[];
  paths: string[];
  cwd?: string;
  text: string;
  /** What the Governor decides again in a replay. */
  action: GovernedAction;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/**
 * A receipt as a history record, or undefined for receipts that are not agent actions (rule
 * approvals) or lack what a replay needs. Shell commands are replayed from the recorded command line
 * (split on spaces: the log stores it that way, redacted), with the class the receipt recorded.
 */
export function historyRecord(r: SealedReceipt): HistoryRecord | undefined {
  const intent = r.intent;
  const outcome = r.decision?.outcome;
  if (!intent || (outcome !== "allow" && outcome !== "deny")) return undefined;
  if (intent.connector === RULES_CONNECTOR) return undefined;
  const ctx = (intent.context ?? {}) as Record<string, unknown>;
  const target = (intent.target ?? {}) as Record<string, unknown>;
  const hosts = strings(ctx.hosts);
  const paths = strings(ctx.paths);
  const cwd = typeof ctx.cwd === "string" ? ctx.cwd : undefined;
  const meta = (r.metadata ?? {}) as Record<string, unknown>;
  const corr = typeof r.correlation_id === "string" ? r.correlation_id : "";
  const session =
    typeof meta.run_id === "string" ? meta.run_id : corr.slice(0, Math.max(0, corr.lastIndexOf(":")));
  const actionClass = intent.action_class as GovernedAction extends { actionClass?: infer C } ? C : never;
  let action: GovernedAction;
  let binary: string | undefined;
  if (
    intent.action === "shell_exec" &&
    typeof target.command === "string" &&
    typeof target.binary === "string"
  ) {
    const args = target.command
      .split(" ")
      .filter((a) => a !== "")
      .slice(1);
    binary = target.binary.slice(target.binary.lastIndexOf("/") + 1);
    action = { kind: "command", binary: target.binary, args, cwd: cwd ?? "/", actionClass };
  } else {
    action = {
      kind: "action",
      action: intent.action,
      target: receiptTargetText(intent, 1_000),
      actionClass,
      hosts,
      paths,
    };
  }
  return {
    receiptId: r.receipt_id,
    at: r.occurred_at,
    session,
    outcome,
    actionClass: intent.action_class,
    binary,
    hosts,
    paths,
    cwd,
    text: receiptTargetText(intent),
    action,
  };
}

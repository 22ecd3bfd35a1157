import type { ActionClass } from "../policy/action-classes.js";
import type { GovernedAction } from "../policy/governor.js";
import { receiptTargetText } from "../receipts/target.js";
import type { SealedReceipt } from "../receipts/types.js";

/** The connector of the receipts `rules approve|reject` writes: decisions about rules, not agent actions. */
export const RULES_CONNECTOR = "transient-trace/rules";

/** One past action, reduced to what learning groups by; `replayAction` rebuilds what a replay decides. */
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
  /** Equal for actions a replay decides alike, so that each distinct action is decided once. */
  key: string;
  intent: SealedReceipt["intent"];
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

const isCommand = (t: Record<string, unknown>, action: string) =>
  action === "shell_exec" && typeof t.command === "string" && typeof t.binary === "string";

/**
 * A receipt as a history record, or undefined for receipts that are not agent actions (rule
 * approvals) or lack an outcome. Cheap on purpose: it runs once per receipt of the log.
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
  let binary: string | undefined;
  let key: string;
  if (isCommand(target, intent.action)) {
    const b = target.binary as string;
    binary = b.slice(b.lastIndexOf("/") + 1);
    key = `c\0${b}\0${target.command}\0${cwd}\0${intent.action_class}`;
  } else {
    key = `a\0${intent.action}\0${receiptTargetText(intent, 1_000)}\0${intent.action_class}\0${hosts.join(" ")}\0${paths.join(" ")}`;
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
    key,
    intent,
  };
}

/**
 * The action a replay decides for a record. Shell commands are rebuilt from the recorded command line
 * (split on spaces: the log stores it that way, redacted), with the class the receipt recorded.
 */
export function replayAction(h: HistoryRecord): GovernedAction {
  const target = (h.intent.target ?? {}) as Record<string, unknown>;
  const actionClass = h.actionClass as ActionClass;
  if (isCommand(target, h.intent.action)) {
    const args = (target.command as string)
      .split(" ")
      .filter((a) => a !== "")
      .slice(1);
    return { kind: "command", binary: target.binary as string, args, cwd: h.cwd ?? "/", actionClass };
  }
  return {
    kind: "action",
    action: h.intent.action,
    target: receiptTargetText(h.intent, 1_000),
    actionClass,
    hosts: h.hosts,
    paths: h.paths,
  };
}

/** What a record's action was done to, in one short line (as `receipts list` shows it). */
export const recordText = (h: HistoryRecord): string => receiptTargetText(h.intent);

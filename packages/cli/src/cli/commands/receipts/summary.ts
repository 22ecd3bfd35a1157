import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { cliState } from "../../state.js";
import { selectReceipts, targetText } from "./select.js";

export interface ReceiptsSummary {
  since: string | null;
  total: number;
  allowed: number;
  denied: number;
  /** denied / total, 0 when there are none. */
  deny_rate: number;
  /** Denied and actually stopped (strict, or a rule in permissive mode). */
  blocked: number;
  errors: number;
  by_action_class: Record<string, { total: number; denied: number }>;
  /** The denied actions, most frequent first. */
  denied_actions: {
    action_class: string;
    action: string;
    target: string;
    reason_code: string;
    count: number;
    blocked: number;
  }[];
}

/** `transient-trace receipts summary`: totals, deny rate and what was denied; the agent's self-check. */
export async function receiptsSummary(
  options: { since?: string; json?: boolean } = {},
  io: CliIo = processIo(),
): Promise<ReceiptsSummary> {
  const receipts = selectReceipts(cliState(io), { since: options.since });
  const summary: ReceiptsSummary = {
    since: options.since ?? null,
    total: receipts.length,
    allowed: 0,
    denied: 0,
    deny_rate: 0,
    blocked: 0,
    errors: 0,
    by_action_class: {},
    denied_actions: [],
  };
  const denied = new Map<string, ReceiptsSummary["denied_actions"][number]>();
  for (const r of receipts) {
    const cls = r.intent?.action_class ?? "?";
    const row = summary.by_action_class[cls] ?? { total: 0, denied: 0 };
    summary.by_action_class[cls] = row;
    row.total++;
    if (r.execution_status === "blocked") summary.blocked++;
    if (r.execution_status === "error") summary.errors++;
    if (r.decision?.outcome !== "deny") {
      summary.allowed++;
      continue;
    }
    summary.denied++;
    row.denied++;
    const item = {
      action_class: cls,
      action: r.intent?.action ?? "?",
      target: targetText(r),
      reason_code: r.decision.reason_code,
    };
    const key = JSON.stringify(item);
    const seen = denied.get(key) ?? { ...item, count: 0, blocked: 0 };
    seen.count++;
    if (r.execution_status === "blocked") seen.blocked++;
    denied.set(key, seen);
  }
  summary.deny_rate =
    summary.total === 0 ? 0 : Math.round((summary.denied / summary.total) * 10_000) / 10_000;
  summary.denied_actions = [...denied.values()].sort((a, b) => b.count - a.count);

  if (options.json) {
    printJson(io, { summary });
    return summary;
  }
  const pct = (summary.deny_rate * 100).toFixed(1);
  let out = `${summary.total} receipts${options.since ? ` since ${options.since}` : ""}: ${summary.allowed} allowed, ${summary.denied} denied (deny rate ${pct}%), ${summary.blocked} blocked, ${summary.errors} failed\n`;
  for (const [cls, c] of Object.entries(summary.by_action_class).sort())
    out += `  ${cls.padEnd(11)} ${String(c.total).padStart(6)} total ${String(c.denied).padStart(6)} denied\n`;
  if (summary.denied_actions.length > 0) {
    out += "Denied actions:\n";
    for (const d of summary.denied_actions.slice(0, 20))
      out += `  ${String(d.count).padStart(5)}x ${d.action_class} ${d.action} ${d.target} (${d.reason_code}${d.blocked ? `, ${d.blocked} blocked` : ", not blocked"})\n`;
    if (summary.denied_actions.length > 20)
      out += `  ... and ${summary.denied_actions.length - 20} more (see --json)\n`;
  }
  io.stdout(out);
  return summary;
}

export const receiptsSummaryCommand: CommandSpec = {
  name: "receipts summary",
  summary: "Totals, deny rate and denied actions",
  help: `Usage: transient-trace receipts summary [--since 30m|ISO] [--json]

Totals, deny rate (denied / total), blocked actions, counts per action class, and the denied actions
grouped, most frequent first: an agent's self-check. In audit mode "denied" counts what strict mode
would have blocked; "blocked" counts what was actually stopped.

Options:
  --since WHEN   Only receipts at or after WHEN (90s, 30m, 2h, 7d, 1w, or ISO-8601)
  --json         One JSON document: {"version": 1, "summary": {...}}
  -h, --help     Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG, since: { type: "string" } },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`receipts summary takes no arguments, got "${positionals.join(" ")}"`);
    await receiptsSummary({ since: values.since as string | undefined, json: values.json === true }, io);
  },
};

import { homedir } from "node:os";
import {
  type HistoryRecord,
  historyRecord,
  LEARNING_DEFAULTS,
  type LearningOptions,
  type LoadedPolicy,
  loadPolicy,
  parseReceipts,
  RULES_CONNECTOR,
  readReceiptLog,
  rejectionHolds,
  type SealedReceipt,
  type StatePaths,
  type Suggestion,
  suggestRules,
} from "@trusera/core";
import { verifyStateDir } from "../../../verify/bundle.js";
import type { ParsedValues } from "../../command.js";
import { CliError, usageError } from "../../errors.js";
import type { CliIo } from "../../io.js";
import { cliState } from "../../state.js";
import { parseTimeArg } from "../../time-filter.js";

/** What `rules approve|reject` recorded about a suggestion, read back from the receipt log. */
export interface RuleVerdict {
  id: string;
  verdict: "approved" | "rejected";
  evidenceCount: number;
}

export interface LearningInput {
  paths: StatePaths;
  policy: LoadedPolicy;
  history: HistoryRecord[];
  verdicts: Map<string, RuleVerdict>;
  /** Every suggestion the history supports, before rejected ones are hidden. */
  all: Suggestion[];
  /** The ones offered: without those rejected for the same evidence. */
  offered: Suggestion[];
}

/** The flags shared by suggest, approve and reject: the history window, the policy, the thresholds. */
export const LEARNING_FLAGS = {
  since: { type: "string" },
  policy: { type: "string" },
  "min-count": { type: "string" },
  "min-sessions": { type: "string" },
  "rare-max": { type: "string" },
} as const;

export const LEARNING_FLAGS_HELP = `  --since WHEN        Learn only from receipts at or after WHEN (90s, 30m, 2h, 7d, 1w, or ISO-8601)
  --policy FILE       The current policy [default: $ATP_POLICY_PATH, else ./.atp/policy.json, else deny-all]
  --min-count N       Allow rules: at least N denied actions in a group [default: ${LEARNING_DEFAULTS.minCount}]
  --min-sessions N    Allow rules: from at least N distinct runs [default: ${LEARNING_DEFAULTS.minSessions}]
  --rare-max N        Deny rules: a risky allowed action seen at most N times is rare [default: ${LEARNING_DEFAULTS.rareMax}]`;

function count(values: ParsedValues, flag: string): number | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--${flag} must be a positive integer, got "${v}"`);
  return n;
}

export function learningOptions(values: ParsedValues): LearningOptions {
  const o: LearningOptions = { home: homedir() };
  const minCount = count(values, "min-count");
  const minSessions = count(values, "min-sessions");
  const rareMax = count(values, "rare-max");
  if (minCount !== undefined) o.minCount = minCount;
  if (minSessions !== undefined) o.minSessions = minSessions;
  if (rareMax !== undefined) o.rareMax = rareMax;
  return o;
}

/**
 * Reads the receipt log for learning. A log that does not verify is refused with the verify error:
 * rules must not be learned from history someone could have edited.
 */
export async function loadLearningInput(
  values: ParsedValues,
  io: CliIo,
  now = Date.now(),
): Promise<LearningInput> {
  const paths = cliState(io);
  const since = values.since === undefined ? undefined : parseTimeArg(String(values.since), "--since", now);
  const report = await verifyStateDir(paths);
  if (!report.ok)
    throw new CliError(
      `refusing to learn from ${paths.log}: verification FAILED: first broken link: ${report.problems[0]!.message} (run "transient-trace receipts verify" for details)`,
    );
  const policy = loadPolicy({ flag: values.policy as string | undefined, env: io.env, cwd: io.cwd });
  const receipts = parseReceipts(readReceiptLog(paths).text);
  const history: HistoryRecord[] = [];
  for (const r of receipts) {
    if (since !== undefined && !(Date.parse(r.occurred_at) >= since)) continue;
    const h = historyRecord(r);
    if (h) history.push(h);
  }
  const verdicts = readVerdicts(receipts);
  const all = await suggestRules(history, policy.policy, learningOptions(values));
  const offered = all.filter((s) => !hidden(s, verdicts.get(s.id)));
  return { paths, policy, history, verdicts, all, offered };
}

/** A rejection holds for the same evidence (the rule in core, shared with the server). */
function hidden(s: Suggestion, v: RuleVerdict | undefined): boolean {
  return v?.verdict === "rejected" && rejectionHolds(s.evidence.count, v.evidenceCount);
}

function readVerdicts(receipts: readonly SealedReceipt[]): Map<string, RuleVerdict> {
  const out = new Map<string, RuleVerdict>();
  for (const r of receipts) {
    if (r.intent?.connector !== RULES_CONNECTOR) continue;
    const target = r.intent.target as Record<string, unknown>;
    const ctx = r.intent.context as Record<string, unknown>;
    const verdict = r.intent.action === "policy.suggestion_rejected" ? "rejected" : "approved";
    if (typeof target.id !== "string") continue;
    out.set(target.id, {
      id: target.id,
      verdict,
      evidenceCount: typeof ctx.evidence_count === "number" ? ctx.evidence_count : 0,
    });
  }
  return out;
}

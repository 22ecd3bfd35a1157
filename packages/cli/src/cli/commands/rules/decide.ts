import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  buildActionReceipt,
  canonicalJson,
  evidenceFingerprint,
  nowIso,
  type PolicyDocument,
  ReceiptWriter,
  RULES_CONNECTOR,
  type Suggestion,
  sha256Hex,
} from "@trusera/core";
import type { CommandSpec, ParsedValues } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { CliError, usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { LEARNING_FLAGS, LEARNING_FLAGS_HELP, type LearningInput, loadLearningInput } from "./history.js";

export interface RuleDecision {
  id: string;
  verdict: "approved" | "rejected";
  rule: Suggestion["rule"];
  /** approve: the policy file written, and the digests before and after. */
  policy_file?: string;
  old_digest: string;
  new_digest?: string;
  receipt_id: string;
}

function find(input: LearningInput, id: string): Suggestion {
  const s = input.offered.find((x) => x.id === id);
  if (s) return s;
  if (input.all.some((x) => x.id === id))
    throw new CliError(`suggestion ${id} was rejected for this evidence; it is not offered again`);
  throw new CliError(
    `no suggestion ${id}: "transient-trace rules suggest" lists the current ones (with the same --since and thresholds)`,
  );
}

const digest = (p: PolicyDocument) => sha256Hex(canonicalJson(p as never));

/** Writes a file by renaming a complete temporary copy over it, so a reader never sees half a policy. */
function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}

function seal(
  input: LearningInput,
  s: Suggestion,
  verdict: RuleDecision["verdict"],
  extra: Record<string, string | boolean>,
) {
  const writer = new ReceiptWriter(input.paths.root);
  const at = nowIso();
  try {
    return writer.record(
      buildActionReceipt({
        actorId: process.env.USER ?? "operator",
        connector: RULES_CONNECTOR,
        action: verdict === "approved" ? "policy.suggestion_approved" : "policy.suggestion_rejected",
        actionClass: "write_high",
        target: { id: s.id },
        context: {
          rule: s.rule as never,
          reason: s.reason,
          evidence_count: s.evidence.count,
          evidence_fingerprint: evidenceFingerprint(s.id, s.evidence),
          changed: s.impact.changed,
          allow_to_deny: s.impact.allow_to_deny,
          deny_to_allow: s.impact.deny_to_allow,
          ...extra,
        },
        decision: {
          outcome: "allow",
          block: false,
          mode: extra.automatic === true ? "automatic" : "operator",
          reasonCode: extra.automatic === true ? "auto_approved_tightening" : `operator_${verdict}`,
          ruleIds: [],
          policyDigest: String(extra.old_digest ?? ""),
        },
        executionStatus: "executed",
        requestedAt: at,
        decidedAt: at,
        correlationId: `rules-${process.pid}:1`,
      }),
    );
  } finally {
    void writer.close();
  }
}

/**
 * `rules approve ID`: adds the rule to the policy file (a new version; the one before is kept in the
 * state directory under policies/) and seals a receipt of the approval.
 */
export async function approveSuggestion(
  id: string,
  values: ParsedValues,
  io: CliIo = processIo(),
  { quiet = false, automatic = false }: { quiet?: boolean; automatic?: boolean } = {},
): Promise<RuleDecision> {
  const input = await loadLearningInput(values, io);
  const s = find(input, id);
  const { policy, source, where } = input.policy;
  if (source === "flag" && where === "inline JSON")
    throw new CliError("rules approve needs a policy file to write the new version to, not inline JSON");
  const file = source === "default" ? join(io.cwd, ".atp", "policy.json") : where;
  const next: PolicyDocument = { ...policy, rules: [...policy.rules, s.rule] };
  const oldDigest = digest(policy);
  const newDigest = digest(next);
  const history = join(input.paths.root, "policies");
  writeAtomic(join(history, `${oldDigest}.json`), `${JSON.stringify(policy, null, 2)}\n`);
  writeAtomic(join(history, `${newDigest}.json`), `${JSON.stringify(next, null, 2)}\n`);
  writeAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
  const r = seal(input, s, "approved", {
    policy_file: file,
    old_digest: oldDigest,
    new_digest: newDigest,
    // --auto-approve-tightening: no person looked at this one; the receipt says so.
    ...(automatic ? { automatic: true } : {}),
  });
  const out: RuleDecision = {
    id,
    verdict: "approved",
    rule: s.rule,
    policy_file: file,
    old_digest: oldDigest,
    new_digest: newDigest,
    receipt_id: r.receipt_id,
  };
  if (!quiet) report(io, values, out);
  return out;
}

/** `rules reject ID`: seals a receipt of the rejection; the suggestion is not offered again for this evidence. */
export async function rejectSuggestion(
  id: string,
  values: ParsedValues,
  io: CliIo = processIo(),
): Promise<RuleDecision> {
  const input = await loadLearningInput(values, io);
  const s = find(input, id);
  const oldDigest = digest(input.policy.policy);
  const r = seal(input, s, "rejected", { old_digest: oldDigest });
  const out: RuleDecision = {
    id,
    verdict: "rejected",
    rule: s.rule,
    old_digest: oldDigest,
    receipt_id: r.receipt_id,
  };
  report(io, values, out);
  return out;
}

function report(io: CliIo, values: ParsedValues, d: RuleDecision): void {
  if (values.json === true) printJson(io, { decision: d });
  else if (d.verdict === "approved")
    io.stdout(
      `approved ${d.id}: rule ${d.rule.id} added to ${d.policy_file} (policy ${d.new_digest!.slice(0, 12)}, was ${d.old_digest.slice(0, 12)}); receipt ${d.receipt_id}\n`,
    );
  else io.stdout(`rejected ${d.id}: it is not offered again for this evidence; receipt ${d.receipt_id}\n`);
}

const HELP_TAIL = `Options:
${LEARNING_FLAGS_HELP}
  --json              {"version": 1, "decision": {...}}
  -h, --help          Show this help

The same --since and thresholds as "rules suggest" must be given to find the suggestion again.
Exit codes: 0 done; 1 unknown or rejected id, a log that does not verify, an invalid policy; 2 wrong usage.
`;

function oneId(name: string, positionals: string[]): string {
  if (positionals.length !== 1)
    throw usageError(`${name} needs exactly one suggestion ID (from "rules suggest")`);
  return positionals[0]!;
}

export const rulesApproveCommand: CommandSpec = {
  name: "rules approve",
  summary: "Add a suggested rule to the policy (a new version)",
  help: `Usage: transient-trace rules approve ID [options]

Adds the suggested rule to the policy file (--policy, $ATP_POLICY_PATH, else ./.atp/policy.json,
created when no policy exists), keeps both versions in the state directory under policies/, and
seals a signed receipt of the approval in the receipt log.

${HELP_TAIL}`,
  options: { ...HELP_FLAG, ...JSON_FLAG, ...LEARNING_FLAGS },
  async run(values, positionals, io) {
    await approveSuggestion(oneId("rules approve", positionals), values, io);
  },
};

export const rulesRejectCommand: CommandSpec = {
  name: "rules reject",
  summary: "Reject a suggested rule (not offered again)",
  help: `Usage: transient-trace rules reject ID [options]

Seals a signed receipt of the rejection; the suggestion is not offered again until its evidence has
at least doubled. The policy is not changed.

${HELP_TAIL}`,
  options: { ...HELP_FLAG, ...JSON_FLAG, ...LEARNING_FLAGS },
  async run(values, positionals, io) {
    await rejectSuggestion(oneId("rules reject", positionals), values, io);
  },
};

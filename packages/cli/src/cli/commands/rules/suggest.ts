import { onlyTightens, type Suggestion } from "@trusera/core";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { approveSuggestion } from "./decide.js";
import { LEARNING_FLAGS, LEARNING_FLAGS_HELP, loadLearningInput } from "./history.js";

function describe(s: Suggestion): string {
  const i = s.impact;
  let out = `${s.id}  ${s.kind.toUpperCase()}  ${s.reason}\n`;
  out += `  rule:     ${JSON.stringify(s.rule)}\n`;
  out += `  evidence: ${s.evidence.count} receipt(s) in ${s.evidence.sessions} run(s), first ${s.evidence.first_seen}, last ${s.evidence.last_seen}\n`;
  for (const e of s.evidence.examples) out += `            ${e.receipt_id} ${e.target}\n`;
  out += `  impact:   ${i.changed} of ${i.replayed} past decisions change (${i.allow_to_deny} allow->deny, ${i.deny_to_allow} deny->allow)\n`;
  for (const e of i.examples) out += `            ${e.receipt_id} ${e.from}->${e.to} ${e.target}\n`;
  return out;
}

/** `transient-trace rules suggest`: rules learned from the receipt log, with evidence and replay impact. */
export async function rulesSuggest(
  values: Record<string, unknown>,
  io: CliIo = processIo(),
): Promise<Suggestion[]> {
  const input = await loadLearningInput(values as never, io);
  const approved: string[] = [];
  if (values["auto-approve-tightening"] === true) {
    // Opt-in: a deny rule that turns no past denial into an allow cannot open anything.
    for (const s of input.offered.filter(onlyTightens)) {
      await approveSuggestion(s.id, values as never, io, { quiet: true, automatic: true });
      approved.push(s.id);
    }
  }
  const offered = input.offered.filter((s) => !approved.includes(s.id));
  if (values.json === true) {
    printJson(io, {
      policy: input.policy.where,
      replayed: input.history.length,
      suggestions: offered,
      auto_approved: approved,
    });
    return offered;
  }
  for (const id of approved) io.stderr(`auto-approved ${id} (it only tightens)\n`);
  if (offered.length === 0) {
    io.stdout(
      `no suggestions from ${input.history.length} recorded action(s) (policy ${input.policy.where})\n`,
    );
    return offered;
  }
  io.stdout(
    `${offered.length} suggestion(s) from ${input.history.length} recorded action(s) (policy ${input.policy.where}):\n\n${offered.map(describe).join("\n")}\nApprove one with "transient-trace rules approve ID", reject it with "transient-trace rules reject ID".\n`,
  );
  return offered;
}

export const rulesSuggestCommand: CommandSpec = {
  name: "rules suggest",
  summary: "Rules learned from the receipt log, with replay impact",
  help: `Usage: transient-trace rules suggest [--since 7d] [--json] [options]

Proposes policy rules from recorded history (the receipt log, which must verify): allow rules for
actions denied or warned repeatedly that look routine (same class and host, path prefix or program,
in several runs), and deny rules for risky actions that were allowed but rare (new hosts, deletes
outside the working tree, network from an unusual program). Each comes with its reason, evidence
and impact: the history replayed under the current policy plus the rule, counting the decisions
that change. Rules that change nothing or open what a deny rule forbids are not offered. Nothing
changes until "rules approve ID". See docs/learning.md.

Options:
${LEARNING_FLAGS_HELP}
  --auto-approve-tightening  Approve at once the suggestions that only turn allows into denies
  --json              {"version": 1, "policy", "replayed", "suggestions": [...], "auto_approved": [...]}
  -h, --help          Show this help

Exit codes: 0 success (also with no suggestions); 1 the log does not verify, an invalid policy; 2 wrong usage.
`,
  options: { ...HELP_FLAG, ...JSON_FLAG, ...LEARNING_FLAGS, "auto-approve-tightening": { type: "boolean" } },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`rules suggest takes no arguments, got "${positionals.join(" ")}"`);
    await rulesSuggest(values, io);
  },
};

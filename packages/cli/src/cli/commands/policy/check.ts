import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import {
  formatPolicyProblems,
  Governor,
  type PolicyProblem,
  parsePolicyText,
  resolvePath,
} from "@trusera/core";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { CliError, usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";

/**
 * `transient-trace policy check FILE`: parses the policy, reports every error with its line and
 * column, and compiles it into Cedar (validated against the request schema).
 */
export async function policyCheck(
  file: string,
  options: { json?: boolean; cedar?: boolean } = {},
  io: CliIo = processIo(),
): Promise<{ ok: boolean; errors: PolicyProblem[] }> {
  const path = resolvePath(file, io.cwd);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = parsePolicyText(text);
  if (!parsed.ok) {
    if (options.json) printJson(io, { file: path, ok: false, errors: parsed.errors });
    io.stderr(`${formatPolicyProblems(parsed.errors, file)}\n`);
    throw new CliError(`${file}: ${parsed.errors.length} error(s); the policy was not accepted`);
  }
  const governor = await Governor.create({ policy: parsed.policy, mode: "strict", home: homedir() });
  const { policy } = parsed;
  if (options.cedar) io.stdout(`${governor.cedar}\n`);
  if (options.json)
    printJson(io, {
      file: path,
      ok: true,
      errors: [],
      rules: policy.rules.length,
      defaultAction: policy.defaultAction,
      digest: governor.policyDigest,
    });
  else if (!options.cedar)
    io.stdout(`ok: ${file}: ${policy.rules.length} rule(s), default ${policy.defaultAction}\n`);
  return { ok: true, errors: [] };
}

export const policyCheckCommand: CommandSpec = {
  name: "policy check",
  summary: "Validate a policy file",
  help: `Usage: transient-trace policy check FILE [--cedar] [--json]

Checks a JSON policy (version, defaultAction, rules with actionClasses, hosts, commands, binaries,
paths) and compiles it into Cedar. Every error is printed as FILE:LINE:COLUMN: message. Unknown
members are errors, so a misspelt matcher cannot silently match everything.

Options:
  --cedar     Print the Cedar policies the file compiles to
  --json      {"version": 1, "file", "ok", "errors": [{pointer, message, line, column}], ...}
  -h, --help  Show this help

Exit codes: 0 valid; 1 invalid or unreadable; 2 wrong usage.
`,
  options: { ...HELP_FLAG, ...JSON_FLAG, cedar: { type: "boolean" } },
  async run(values, positionals, io) {
    if (positionals.length !== 1) throw usageError("policy check needs exactly one FILE");
    await policyCheck(positionals[0]!, { json: values.json === true, cedar: values.cedar === true }, io);
  },
};

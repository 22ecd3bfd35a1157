import { parseArgs } from "node:util";
import type { CommandSpec } from "./command.js";
import { configSetCommand } from "./commands/config/set.js";
import { configShowCommand } from "./commands/config/show.js";
import { hookClaudeCommand } from "./commands/hook/claude.js";
import { hookExecCommand } from "./commands/hook/exec.js";
import { keysListCommand, keysRotateCommand } from "./commands/keys/rotate.js";
import { policyCheckCommand } from "./commands/policy/check.js";
import { receiptsExportCommand } from "./commands/receipts/export.js";
import { receiptsListCommand } from "./commands/receipts/list.js";
import { receiptsShowCommand } from "./commands/receipts/show.js";
import { receiptsSummaryCommand } from "./commands/receipts/summary.js";
import { receiptsUploadCommand } from "./commands/receipts/upload.js";
import { receiptsVerifyCommand } from "./commands/receipts/verify.js";
import { rulesApproveCommand, rulesRejectCommand } from "./commands/rules/decide.js";
import { rulesSuggestCommand } from "./commands/rules/suggest.js";
import { runCommand } from "./commands/run/run.js";
import { wrapInstallCommand } from "./commands/wrap/install.js";
import { wrapStatusCommand } from "./commands/wrap/status.js";
import { wrapUninstallCommand } from "./commands/wrap/uninstall.js";
import { CliError, EXIT, usageError } from "./errors.js";
import type { CliIo } from "./io.js";

export const VERSION = "0.1.0";

const COMMANDS: readonly CommandSpec[] = [
  runCommand,
  wrapInstallCommand,
  wrapStatusCommand,
  wrapUninstallCommand,
  hookClaudeCommand,
  hookExecCommand,
  receiptsListCommand,
  receiptsSummaryCommand,
  receiptsShowCommand,
  receiptsVerifyCommand,
  receiptsExportCommand,
  receiptsUploadCommand,
  configShowCommand,
  configSetCommand,
  policyCheckCommand,
  rulesSuggestCommand,
  rulesApproveCommand,
  rulesRejectCommand,
  keysRotateCommand,
  keysListCommand,
];

const GROUPS = [...new Set(COMMANDS.filter((c) => c.name.includes(" ")).map((c) => c.name.split(" ")[0]!))];

const EXIT_HELP = `Exit codes: 0 success; 1 failure (a log that does not verify, an invalid policy, an error);
2 wrong usage; 3 receipts verify found half-written lines from a killed writer (all receipts valid);
run: the command's own code, 126 when it was blocked, 127 when it was not found.`;

export const HELP = `Usage: transient-trace <command> [options]

Every agent action decided by a policy and sealed in a signed, hash-chained ATP receipt.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join("\n")}

Run "transient-trace <command> --help" for a command's options.

Environment:
  TRANSIENT_TRACE_STATE_DIR  State directory (keys, receipts, config) [default: ~/.transient-trace]
  TRANSIENT_TRACE_MODE       Mode: audit, strict or permissive [default: config, else audit]
  ATP_POLICY_PATH            Policy file, when no --policy is given
  TRANSIENT_TRACE_SESSION    Set by "run" for the command it governs (read only by hooks and nested runs)

Options:
  -h, --help     Show help
  -v, --version  Show the version

${EXIT_HELP}
`;

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  return `Usage: transient-trace ${group} <${cmds.map((c) => c.name.split(" ")[1]).join("|")}> [options]\n\n${cmds
    .map((c) => `  ${c.name.padEnd(18)} ${c.summary}`)
    .join(
      "\n",
    )}\n\nRun "transient-trace ${group} <command> --help" for a command's options.\n\n${EXIT_HELP}\n`;
}

/** Runs one command line. Throws CliError for a non-zero exit; the entry point turns it into one. */
export async function main(argv: readonly string[], io: CliIo): Promise<void> {
  const [group, sub, ...rest] = argv;
  if (group === undefined) {
    io.stdout(HELP);
    throw new CliError("", EXIT.usage);
  }
  if (group === "-h" || group === "--help" || group === "help") {
    const topic =
      group === "help" && sub ? COMMANDS.find((c) => c.name === [sub, ...rest].join(" ")) : undefined;
    io.stdout(topic ? topic.help : group === "help" && sub && GROUPS.includes(sub) ? groupHelp(sub) : HELP);
    return;
  }
  if (group === "-v" || group === "--version") {
    io.stdout(`${VERSION}\n`);
    return;
  }
  const single = COMMANDS.find((c) => c.name === group);
  if (single) {
    const rest = argv.slice(1);
    if (single.raw) return single.run({}, [...rest], io);
    return parseAndRun(single, rest, io);
  }
  if (!GROUPS.includes(group)) throw usageError(`unknown command "${group}"`);
  if (sub === undefined || sub === "-h" || sub === "--help") {
    io.stdout(groupHelp(group));
    if (sub === undefined) throw new CliError("", EXIT.usage);
    return;
  }
  const spec = COMMANDS.find((c) => c.name === `${group} ${sub}`);
  if (!spec) throw usageError(`unknown command "${group} ${sub}"`);
  if (spec.raw) return spec.run({}, rest, io);
  return parseAndRun(spec, rest, io);
}

async function parseAndRun(spec: CommandSpec, rest: readonly string[], io: CliIo): Promise<void> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options: spec.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`${spec.name}: ${(err as Error).message}`);
  }
  if (parsed.values.help) {
    io.stdout(spec.help);
    return;
  }
  await spec.run(parsed.values as never, parsed.positionals, io);
}

#!/usr/bin/env node
import { parseArgs } from "node:util";
import { TruseraError } from "@trusera/core";
import { CliError, usageError } from "./cli/cli-error.js";
import { KEYS_HELP, keysCommand } from "./cli/commands/keys.js";
import { START_HELP, startCommand } from "./cli/commands/start.js";

const VERSION = "0.1.0";

const HELP = `Usage: trusera-server <command> [options]

Self-hosted Trusera platform: ingests agent events, keeps Cedar policy versions, replays them.

Commands:
  start        Start the server (see: trusera-server start --help)
  keys         Create, list and revoke API keys (see: trusera-server keys --help)

Options:
  -h, --help     Show help
  -v, --version  Show the version

Exit codes: 0 success, 1 failure, 2 wrong usage.
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  host: { type: "string" },
  port: { type: "string" },
  "data-dir": { type: "string" },
  "body-limit": { type: "string" },
  "log-level": { type: "string" },
  "log-requests": { type: "boolean" },
  "database-url": { type: "string" },
  "pool-size": { type: "string" },
  "retention-days": { type: "string" },
  "purge-interval": { type: "string" },
  "shutdown-timeout": { type: "string" },
  "dashboard-password-file": { type: "string" },
  project: { type: "string" },
  role: { type: "string" },
  label: { type: "string" },
  json: { type: "boolean" },
} as const;

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (command === "help" || (values.help && !command)) {
    const topic = command === "help" ? rest[0] : undefined;
    process.stdout.write(topic === "start" ? START_HELP : topic === "keys" ? KEYS_HELP : HELP);
    return;
  }
  switch (command) {
    case "start":
      if (values.help) return void process.stdout.write(START_HELP);
      if (rest.length > 0) throw usageError(`start takes no arguments, got "${rest.join(" ")}"`);
      return startCommand(values);
    case "keys":
      if (values.help) return void process.stdout.write(KEYS_HELP);
      return keysCommand(rest, values);
    case undefined:
      process.stdout.write(HELP);
      throw new CliError("", 2);
    default:
      throw usageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof CliError) {
    if (err.message) process.stderr.write(`trusera-server: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof TruseraError) {
    process.stderr.write(`trusera-server: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`trusera-server: unexpected error: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});

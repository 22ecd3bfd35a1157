#!/usr/bin/env node
// `hook claude` runs on every tool call Claude Code makes: its fast entry comes first and loads only
// what a hand-off to a running daemon needs; everything else (and the hook without a daemon) loads
// the full command tree.
const argv = process.argv.slice(2);
const handled =
  argv[0] === "hook" &&
  argv[1] === "claude" &&
  (await (await import("./hook-entry.js")).hookEntry(argv.slice(2)));
if (handled) process.exit(0);

const [{ TruseraError }, { CliError, EXIT }, { processIo }, { main }] = await Promise.all([
  import("@trusera/core"),
  import("./cli/errors.js"),
  import("./cli/io.js"),
  import("./cli/main.js"),
]);

main(argv, processIo()).then(
  () => process.exit(EXIT.ok),
  (err: unknown) => {
    if (err instanceof CliError) {
      if (err.message) process.stderr.write(`transient-trace: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    if (err instanceof TruseraError) {
      process.stderr.write(`transient-trace: ${err.message}\n`);
      process.exit(EXIT.failure);
    }
    process.stderr.write(`transient-trace: unexpected error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(EXIT.failure);
  },
);

#!/usr/bin/env node
import { TruseraError } from "@trusera/core";
import { CliError, EXIT } from "./cli/errors.js";
import { processIo } from "./cli/io.js";
import { main } from "./cli/main.js";

main(process.argv.slice(2), processIo()).then(
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

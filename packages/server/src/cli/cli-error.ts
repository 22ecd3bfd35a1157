import { TruseraError } from "@trusera/core";

/** A command's way to stop with a message and an exit code; only the entry point calls process.exit. */
export class CliError extends TruseraError {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message, "TRUSERA_CLI");
    this.name = "CliError";
  }
}

/** Exit codes: 0 success, 1 failure, 2 wrong usage. */
export const usageError = (message: string) => new CliError(`${message}\nRun with --help for usage.`, 2);

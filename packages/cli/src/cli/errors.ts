import { TruseraError } from "@trusera/core";

/**
 * Exit codes of `transient-trace` (also in --help and docs/receipts-policy.md):
 * 0 success; 1 failure (including a receipt log that does not verify, an invalid policy);
 * 2 wrong usage; 3 `receipts verify`: every receipt verifies and the chain is whole, but lines
 * left half-written by a killed writer were found (listed on stderr); 4 `receipts verify`: valid,
 * but no trust anchor names the keys (the log proves only that it is self-consistent).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, incomplete: 3, unanchored: 4 } as const;

/** A command's way to stop with a message and an exit code; only the entry point calls process.exit. */
export class CliError extends TruseraError {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message, "TRANSIENT_TRACE_CLI");
    this.name = "CliError";
  }
}

export const usageError = (message: string) =>
  new CliError(`${message}\nRun with --help for usage.`, EXIT.usage);

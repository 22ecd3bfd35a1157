import type { Env } from "@trusera/core";

/** What a command reads and writes, so that code (and tests) can run commands in-process. */
export interface CliIo {
  /** Data: what scripts consume. */
  stdout: (text: string) => void;
  /** Messages for people. */
  stderr: (text: string) => void;
  env: Env;
  cwd: string;
}

export const processIo = (): CliIo => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
});

/** JSON output: one document with a `version`, one line. The single place `--json` output is written. */
export function printJson(io: CliIo, payload: Record<string, unknown>): void {
  io.stdout(`${JSON.stringify({ version: 1, ...payload })}\n`);
}

/** NDJSON output: one JSON value a line (streams of receipts). */
export function printNdjson(io: CliIo, items: Iterable<unknown>): void {
  let out = "";
  for (const item of items) out += `${JSON.stringify(item)}\n`;
  io.stdout(out);
}

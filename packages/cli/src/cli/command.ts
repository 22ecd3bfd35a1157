import type { parseArgs } from "node:util";
import type { CliIo } from "./io.js";

type OptionsConfig = NonNullable<Parameters<typeof parseArgs>[0]>["options"];
export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** One `transient-trace <group> <command>`: its help, its flags, and what it does. */
export interface CommandSpec {
  /** e.g. `receipts list`, or one word (`run`). */
  name: string;
  summary: string;
  help: string;
  options: OptionsConfig;
  /** Gets its arguments unparsed (`run`: everything after the options is the command's). */
  raw?: boolean;
  /** Throws CliError to stop with a code; returns normally for exit 0. */
  run(values: ParsedValues, positionals: string[], io: CliIo): Promise<void>;
}

export const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const;
export const JSON_FLAG = { json: { type: "boolean" } } as const;

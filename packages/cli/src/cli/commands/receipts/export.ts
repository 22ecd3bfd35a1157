import { writeFileSync } from "node:fs";
import { resolvePath } from "@trusera/core";
import { makeBundle } from "../../../verify/bundle.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { CliError, usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { cliState } from "../../state.js";

/** `transient-trace receipts export --out FILE`: the whole log with its public keys, for offline verification. */
export async function receiptsExport(
  options: { out: string; json?: boolean },
  io: CliIo = processIo(),
): Promise<{ receipts: number; out: string }> {
  const { bundle, skipped } = makeBundle(cliState(io));
  const text = `${JSON.stringify(bundle)}\n`;
  const out = options.out === "-" ? "-" : resolvePath(options.out, io.cwd);
  if (out === "-") io.stdout(text);
  else {
    try {
      writeFileSync(out, text);
    } catch (err) {
      throw new CliError(`cannot write ${out}: ${(err as Error).message}`);
    }
  }
  if (skipped > 0)
    io.stderr(`warning: ${skipped} half-written line(s) were left out (see receipts verify)\n`);
  const keys = bundle.jwks.keys.map((k) => k.kid);
  if (options.json && out !== "-") printJson(io, { out, receipts: bundle.receipts.length, keys });
  else if (out !== "-")
    io.stderr(
      `Exported ${bundle.receipts.length} receipts and ${keys.length} public key(s) to ${out}.\nVerify elsewhere with: transient-trace receipts verify --bundle ${out}\nKey ids (compare them out of band): ${keys.join(", ") || "none"}\n`,
    );
  return { receipts: bundle.receipts.length, out };
}

export const receiptsExportCommand: CommandSpec = {
  name: "receipts export",
  summary: "Write a bundle verifiable offline",
  help: `Usage: transient-trace receipts export --out FILE [--json]

Writes every receipt, the public keys (JWKS, retired keys included) and the head checkpoint into one
JSON file, which "transient-trace receipts verify --bundle FILE" checks on any machine. A bundle's own
keys only prove it is self-consistent: compare the key ids out of band, or verify with --jwks.

Options:
  --out FILE   Where to write ("-" for stdout)
  --json       Report {"version": 1, "out", "receipts", "keys"} on stdout
  -h, --help   Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG, out: { type: "string" } },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`receipts export takes no arguments, got "${positionals.join(" ")}"`);
    if (typeof values.out !== "string" || values.out === "")
      throw usageError("receipts export needs --out FILE");
    await receiptsExport({ out: values.out, json: values.json === true }, io);
  },
};

import { uploadReceipts } from "../../../upload/uploader.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { CliError, usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { cliState } from "../../state.js";

/** `transient-trace receipts upload`: sends what the Trusera server does not have yet. */
export async function receiptsUpload(
  options: { url?: string; json?: boolean },
  io: CliIo = processIo(),
): Promise<void> {
  const url = options.url ?? io.env.TRUSERA_API_URL;
  const apiKey = io.env.TRUSERA_API_KEY;
  if (!url) throw usageError("receipts upload needs the server: set TRUSERA_API_URL or pass --url");
  if (!apiKey)
    throw usageError("receipts upload needs an API key of the server's project: set TRUSERA_API_KEY");
  let report: Awaited<ReturnType<typeof uploadReceipts>>;
  try {
    report = await uploadReceipts(cliState(io), { url, apiKey });
  } catch (err) {
    const details = (err as { details?: { message?: string }[] }).details ?? [];
    const lines = details.slice(0, 5).map((d) => `  ${d.message ?? JSON.stringify(d)}`);
    throw new CliError(`${(err as Error).message}${lines.length ? `\n${lines.join("\n")}` : ""}`);
  }
  if (options.json) {
    printJson(io, {
      chain: report.chain,
      uploaded: report.uploaded,
      already_there: report.alreadyThere,
      head_seq: report.headSeq,
      skipped_lines: report.skippedLines,
      keys: report.keys,
    });
  } else {
    io.stderr(
      report.chain === null
        ? "No receipts to upload.\n"
        : `Uploaded ${report.uploaded} receipt(s) to ${url} (${report.alreadyThere} already there); the server holds this chain up to seq ${report.headSeq}.\n`,
    );
  }
  if (report.skippedLines > 0)
    io.stderr(`warning: ${report.skippedLines} half-written line(s) were not sent (see receipts verify)\n`);
}

export const receiptsUploadCommand: CommandSpec = {
  name: "receipts upload",
  summary: "Send new receipts to a Trusera server",
  help: `Usage: transient-trace receipts upload [--url URL] [--json]

Sends the receipts the Trusera server does not have yet, with the public keys that verify them. The
server checks every signature and chain link and refuses a log rewritten since an earlier upload, so
its copy is the evidence a local user cannot quietly edit. Safe to run again at any time.

Environment:
  TRUSERA_API_URL   The server, e.g. http://127.0.0.1:7780 (or --url)
  TRUSERA_API_KEY   An API key of the server's project (an ingest key is enough)

Options:
  --url URL    The server (overrides TRUSERA_API_URL)
  --json       Report {"version": 1, "chain", "uploaded", "already_there", "head_seq", ...} on stdout
  -h, --help   Show this help

Before sending, the server's head (the receipt at its seq) is compared with the local log's: a log
rewritten or cut after an earlier upload fails loudly ("DIVERGES") and sends nothing.

Exit codes: 0 uploaded (or nothing to do); 1 the local log diverges from the server's copy, the
server refused a batch (named) or could not be reached; 2 wrong usage.
`,
  options: { ...HELP_FLAG, ...JSON_FLAG, url: { type: "string" } },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`receipts upload takes no arguments, got "${positionals.join(" ")}"`);
    await receiptsUpload(
      { ...(typeof values.url === "string" ? { url: values.url } : {}), json: values.json === true },
      io,
    );
  },
};

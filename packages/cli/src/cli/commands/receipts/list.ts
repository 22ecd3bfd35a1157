import type { SealedReceipt } from "@trusera/core";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { usageError } from "../../errors.js";
import { type CliIo, printNdjson, processIo } from "../../io.js";
import { cliState } from "../../state.js";
import { type ReceiptFilter, selectReceipts, targetText } from "./select.js";

export interface ReceiptsListOptions extends ReceiptFilter {
  json?: boolean;
  /** Only the newest N. */
  limit?: number;
}

/** The text columns, in order (the target is what was acted on: the file, host or command). */
export const LIST_COLUMNS = [
  "OCCURRED_AT",
  "RECEIPT",
  "OUTCOME",
  "EXECUTION",
  "CLASS",
  "ACTION",
  "TARGET",
  "REASON",
] as const;

/** `transient-trace receipts list`: one line per receipt, or NDJSON (whole receipts) with `json`. */
export async function receiptsList(
  options: ReceiptsListOptions = {},
  io: CliIo = processIo(),
): Promise<SealedReceipt[]> {
  let receipts = selectReceipts(cliState(io), options);
  if (options.limit !== undefined) receipts = receipts.slice(-options.limit);
  if (options.json) {
    printNdjson(io, receipts);
    return receipts;
  }
  // A header names the columns for a reader; scripts that want fields read --json.
  let out = receipts.length > 0 ? `${LIST_COLUMNS.join("\t")}\n` : "";
  for (const r of receipts) {
    out += `${[
      r.occurred_at,
      r.receipt_id,
      r.decision?.outcome ?? "?",
      r.execution_status,
      r.intent?.action_class ?? "?",
      r.intent?.action ?? "?",
      targetText(r),
      r.decision?.reason_code ?? "",
    ].join("\t")}\n`;
  }
  io.stdout(out);
  if (receipts.length === 0) io.stderr("No receipts match.\n");
  return receipts;
}

export const receiptsListCommand: CommandSpec = {
  name: "receipts list",
  summary: "List receipts, oldest first",
  help: `Usage: transient-trace receipts list [--since 30m|ISO] [--until 30m|ISO] [--outcome allow|deny]
                                    [--action-class CLASS] [--limit N] [--json]

Lists receipts, oldest first, filtered by the time the action was asked for (occurred_at).
Text: a header line, then one tab-separated line each: occurred_at, receipt id, outcome, execution
status, action class, action, target (what was acted on: the file, host or command), reason code.
With --json: NDJSON, one whole receipt a line (no header).

Options:
  --since WHEN        Only receipts at or after WHEN: a duration back from now (90s, 30m, 2h, 7d, 1w)
                      or an ISO-8601 time
  --until WHEN        Only receipts at or before WHEN (same forms)
  --outcome O         allow or deny (the policy's verdict; in audit mode denied actions still ran)
  --action-class C    read, write_low, write_high, delete, network or exec
  --limit N           Only the newest N of those that match
  --json              NDJSON output
  -h, --help          Show this help
`,
  options: {
    ...HELP_FLAG,
    ...JSON_FLAG,
    since: { type: "string" },
    until: { type: "string" },
    outcome: { type: "string" },
    "action-class": { type: "string" },
    limit: { type: "string" },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`receipts list takes no arguments, got "${positionals.join(" ")}"`);
    let limit: number | undefined;
    if (values.limit !== undefined) {
      limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw usageError(`--limit must be a positive integer, got "${values.limit}"`);
    }
    await receiptsList(
      {
        since: values.since as string | undefined,
        until: values.until as string | undefined,
        outcome: values.outcome as string | undefined,
        actionClass: values["action-class"] as string | undefined,
        json: values.json === true,
        limit,
      },
      io,
    );
  },
};

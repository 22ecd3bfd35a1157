import {
  KeyStore,
  parseReceipts,
  readReceiptLog,
  type SealedReceipt,
  verifyReceiptSignature,
} from "@trusera/core";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { CliError, usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { cliState } from "../../state.js";

/** `transient-trace receipts show ID`: one receipt (by TR-, TI- or TD- id), and whether its signature holds. */
export async function receiptsShow(
  id: string,
  options: { json?: boolean } = {},
  io: CliIo = processIo(),
): Promise<SealedReceipt> {
  const paths = cliState(io);
  const receipt = parseReceipts(readReceiptLog(paths).text).find(
    (r) => r.receipt_id === id || r.intent_id === id || r.decision_id === id,
  );
  if (!receipt) throw new CliError(`no receipt ${id} in ${paths.log}`);
  const check = verifyReceiptSignature(receipt, new KeyStore(paths).lookup());
  if (options.json) {
    printJson(io, {
      receipt,
      signature_valid: check.ok,
      ...(check.ok ? {} : { signature_problem: check.message }),
    });
  } else {
    io.stdout(`${JSON.stringify(receipt, null, 2)}\n`);
    io.stderr(
      check.ok
        ? `Signature valid (key ${check.kid}). Run "transient-trace receipts verify" to check the chain.\n`
        : `Signature INVALID: ${check.message}\n`,
    );
  }
  return receipt;
}

export const receiptsShowCommand: CommandSpec = {
  name: "receipts show",
  summary: "Print one receipt",
  help: `Usage: transient-trace receipts show ID [--json]

Prints the receipt whose receipt_id (TR-...), intent_id (TI-...) or decision_id (TD-...) is ID, as
indented JSON, and says on stderr whether its signature is valid. Exits 1 when there is no such receipt.

Options:
  --json      {"version": 1, "receipt": {...}, "signature_valid": true|false}
  -h, --help  Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG },
  async run(values, positionals, io) {
    if (positionals.length !== 1)
      throw usageError("receipts show needs exactly one ID (TR-..., TI-... or TD-...)");
    await receiptsShow(positionals[0]!, { json: values.json === true }, io);
  },
};

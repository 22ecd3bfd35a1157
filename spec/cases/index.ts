import { buildDecisions } from "./decisions.js";
import { buildEvents } from "./events.js";
import { buildJsonPolicy } from "./json-policy.js";
import { buildReceipts } from "./receipts.js";
import { buildRedaction } from "./redaction.js";
import { buildRequestModel } from "./request-model.js";

/** Every vector file, by file name, as the TypeScript implementation computes it now. */
export async function buildVectorFiles(): Promise<Record<string, unknown>> {
  const files: Record<string, unknown> = {
    "events.json": buildEvents(),
    "redaction.json": buildRedaction(),
    "request-model.json": buildRequestModel(),
    "decisions.json": await buildDecisions(),
    "json-policy.json": await buildJsonPolicy(),
    "receipts.json": await buildReceipts(),
  };
  // One format version for all files; bumped only when a field changes meaning (cases are only added).
  return Object.fromEntries(
    Object.entries(files).map(([file, value]) => [file, { format: 1, ...(value as object) }]),
  );
}

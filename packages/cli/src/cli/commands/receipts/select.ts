import {
  parseReceipts,
  readReceiptLog,
  receiptTargetText,
  type SealedReceipt,
  type StatePaths,
} from "@trusera/core";
import { usageError } from "../../errors.js";
import { parseTimeArg } from "../../time-filter.js";

export interface ReceiptFilter {
  /** `30m`, `2h`, ISO-8601 ... (see parseTimeArg). */
  since?: string;
  until?: string;
  outcome?: string;
  actionClass?: string;
}

/** The receipts of a log matching a filter, oldest first. Time is `occurred_at`, when the action was asked for. */
export function selectReceipts(paths: StatePaths, filter: ReceiptFilter, now = Date.now()): SealedReceipt[] {
  const since = filter.since === undefined ? undefined : parseTimeArg(filter.since, "--since", now);
  const until = filter.until === undefined ? undefined : parseTimeArg(filter.until, "--until", now);
  if (filter.outcome !== undefined && !["allow", "deny", "approve"].includes(filter.outcome))
    throw usageError(`--outcome must be allow or deny, got "${filter.outcome}"`);
  return parseReceipts(readReceiptLog(paths).text).filter((r) => {
    const at = Date.parse(r.occurred_at);
    if (since !== undefined && !(at >= since)) return false;
    if (until !== undefined && !(at <= until)) return false;
    if (filter.outcome !== undefined && r.decision?.outcome !== filter.outcome) return false;
    if (filter.actionClass !== undefined && r.intent?.action_class !== filter.actionClass) return false;
    return true;
  });
}

/** A short text for what a receipt's action was done to. */
export function targetText(r: SealedReceipt): string {
  return receiptTargetText(r.intent);
}

import { type SealedReceipt, TruseraError } from "@trusera/core";

/**
 * Thrown by `executeActionWithReceipt` when the policy denies an action and the mode blocks it.
 * The message is `Denied: <reason_code>` (as the Python SDK's RuntimeError); the signed receipt of
 * the denial is already in the log and on `receipt`.
 */
export class DeniedError extends TruseraError {
  readonly reasonCode: string;
  readonly receipt: SealedReceipt;

  constructor(reasonCode: string, receipt: SealedReceipt) {
    super(`Denied: ${reasonCode}`, "TRANSIENT_TRACE_DENIED");
    this.name = "DeniedError";
    this.reasonCode = reasonCode;
    this.receipt = receipt;
  }
}

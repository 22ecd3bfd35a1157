export {
  ACTION_CLASSES,
  type ActionClass,
  type AtpReceipt,
  DENY_ALL_POLICY,
  type Mode,
  type PolicyDocument,
  type PolicyRule,
  type ReceiptSink,
  type SealedReceipt,
} from "@trusera/core";
export { Client_init, TransientTraceClient } from "./sdk/client.js";
export { DeniedError } from "./sdk/denied-error.js";
export type { ActionOptions, ActionResult, ClientConfig } from "./sdk/options.js";
export { type BundleReport, type ReceiptBundle, verifyBundle } from "./verify/bundle.js";

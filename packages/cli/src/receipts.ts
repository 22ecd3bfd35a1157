// transient-trace/receipts: the receipt machinery itself, for verifiers, exporters and tools that
// write receipts without the SDK client.

export type {
  ActionRecord,
  GovernanceDecision,
  Jwks,
  LogProblem,
  LogReport,
  ReceiptBody,
  SignatureCheck,
} from "@trusera/core";
export {
  buildActionReceipt,
  canonicalJson,
  checkLogText,
  GovernanceSession,
  Governor,
  jwksLookup,
  KeyStore,
  linkRecords,
  ReceiptLog,
  ReceiptWriter,
  readReceiptLog,
  signReceipt,
  statePaths,
  validateReceipt,
  verifyLogText,
  verifyReceiptSignature,
} from "@trusera/core";
export { type UploadSinkOptions, uploadSink } from "./upload/upload-sink.js";
export { UploadError, type UploadReport, type UploadTarget, uploadReceipts } from "./upload/uploader.js";
export {
  type BundleReport,
  makeBundle,
  type ReceiptBundle,
  verifyBundle,
  verifyStateDir,
} from "./verify/bundle.js";

export { type CompiledEvaluator, compilePolicies } from "./cedar/compiled/evaluator.js";
export {
  CompiledPolicySet,
  type CompileOptions,
  type CompileResult,
  cedarIfLoaded,
  compilePolicySet,
  compilePolicySetSync,
  DEFAULT_ALLOW_POLICY_ID,
  loadCedar,
} from "./cedar/engine.js";
export { eventToCedarRequest } from "./cedar/event-request.js";
export {
  ACTIONS,
  type ActionName,
  agentActionRequest,
  commandRequest,
  dataRequest,
  decisionRequest,
  fileWriteRequest,
  httpRequest,
  modelRequest,
  REQUEST_MODEL_SCHEMA,
  toolRequest,
} from "./cedar/request-model.js";
export { positionAt, type SourcePosition } from "./cedar/source-position.js";
export { CEDAR_TEXT_LIMITS, type CedarTextLimits, checkCedarText } from "./cedar/text-bounds.js";
export type { CedarDecision, CedarDiagnostic, CedarEntity, CedarRequest, EntityRef } from "./cedar/types.js";
export { ConfigurationError, StateError, TruseraError, ValidationError } from "./errors.js";
export { createEvent, type JsonObject, type TruseraEvent } from "./events/event.js";
export { EVENT_TYPES, EventType, isEventType } from "./events/event-type.js";
export { isoNow } from "./events/iso-now.js";
export { EVENT_LIMITS } from "./events/limits.js";
export { uuidv7 } from "./events/uuid-v7.js";
export {
  EVENT_ID_PATTERN,
  ISO_TIMESTAMP_PATTERN,
  isJsonObject,
  isValidEvent,
  validateEvent,
} from "./events/validate.js";
export { GovernanceSession, type SealOptions, type TimedDecision } from "./governance/session.js";
export {
  type Example as LearningExample,
  evidenceFingerprint,
  type HistoryRecord,
  historyRecord,
  LEARNING_DEFAULTS,
  type LearningOptions,
  onlyTightens,
  RULES_CONNECTOR,
  rejectionHolds,
  type Suggestion,
  type SuggestionImpact,
  suggestionId,
  suggestRules,
} from "./learning/index.js";
export { type SpanAttributes, type SpanSource, spanOf } from "./otel/event-span.js";
export {
  ACTION_CLASSES,
  type ActionClass,
  isActionClass,
  UNKNOWN_COMMAND_CLASS,
} from "./policy/action-classes.js";
export { type CommandClassification, classifyCommand } from "./policy/classify.js";
export {
  DENY_ALL_POLICY,
  formatPolicyProblems,
  type PolicyDocument,
  type PolicyParseResult,
  type PolicyProblem,
  type PolicyRule,
  parsePolicyText,
  validatePolicy,
} from "./policy/document.js";
export {
  type AgentAction,
  type CommandAction,
  type GovernanceDecision,
  type GovernedAction,
  Governor,
  type GovernorOptions,
} from "./policy/governor.js";
export { JsonSyntaxError, parseJsonLocated } from "./policy/json-locate.js";
export { isMode, MODES, type Mode } from "./policy/mode.js";
export {
  SHELL_ONLY_BUILTINS,
  type ShellSplit,
  shellCommandString,
  splitShellCommand,
} from "./policy/shell-split.js";
export { type LoadedPolicy, loadPolicy, type PolicySourceKind } from "./policy/source.js";
export { cedarString, policyToCedar } from "./policy/to-cedar.js";
export {
  type ActionRecord,
  buildActionReceipt,
  IMPLEMENTATION,
  IMPLEMENTATION_VERSION,
} from "./receipts/build.js";
export { canonicalJson } from "./receipts/canonical.js";
export { nowIso } from "./receipts/clock.js";
export { contentHash, eventSnapshotHash, sha256Hex } from "./receipts/hash.js";
export {
  DECISION_ID_PATTERN,
  INTENT_ID_PATTERN,
  newReceiptIds,
  RECEIPT_ID_PATTERN,
  type ReceiptIds,
} from "./receipts/ids.js";
export {
  anchoredLookup,
  type Ed25519Jwk,
  generateSigningKey,
  type Jwks,
  jwksLookup,
  jwkThumbprint,
  type KeyLookup,
  publicJwk,
  publicKeyFromJwk,
  type SigningKey,
} from "./receipts/keys.js";
export { type SignedReceipt, signReceipt } from "./receipts/sign.js";
export { receiptTargetText } from "./receipts/target.js";
export {
  type AtpDecision,
  type AtpIntent,
  type AtpOutcome,
  type AtpReceipt,
  type AtpSignature,
  type ExecutionStatus,
  GENESIS_HASH,
  type HashRef,
  MAX_METADATA_MEMBERS,
  type ReceiptBody,
  type ReceiptChain,
  type SealedReceipt,
  type UnsignedReceipt,
} from "./receipts/types.js";
export { validateReceipt } from "./receipts/validate.js";
export { type SignatureCheck, verifyReceiptSignature } from "./receipts/verify.js";
export {
  type ChainPosition,
  checkLogText,
  checkRecord,
  describeRecord,
  type HeadCheckpoint,
  type LogProblem,
  type LogProblemKind,
  type LogReport,
  linkRecords,
  type RecordCheck,
  verifyLogText,
} from "./receipts/verify-log.js";
export { type HeaderInput, headerNames, redactHeaders } from "./redact/headers.js";
export { scrubSecrets } from "./redact/object.js";
export {
  isSensitiveName,
  REDACTED,
  SECRET_VALUE_PATTERN,
  SENSITIVE_HEADER_NAMES,
} from "./redact/patterns.js";
export { containsSecret, redactText } from "./redact/text.js";
export { redactUrl } from "./redact/url.js";
export {
  configFilePath,
  type Env,
  readConfig,
  resolveMode,
  resolveStateDir,
  type Source,
  type TraceConfig,
  writeConfig,
} from "./state/config.js";
export { KeyStore } from "./state/key-store.js";
export { withFileLock } from "./state/lock.js";
export {
  defaultStateDir,
  ensurePrivateDir,
  MODE_ENV,
  POLICY_PATH_ENV,
  resolvePath,
  STATE_DIR_ENV,
  type StatePaths,
  statePaths,
} from "./state/paths.js";
export { parseReceipts, ReceiptLog, type ReceiptLogOptions, readReceiptLog } from "./state/receipt-log.js";
export { type ReceiptSink, ReceiptWriter, type ReceiptWriterOptions } from "./state/receipt-writer.js";
export {
  isInside,
  type KeyPin,
  pinKey,
  readPins,
  realDir,
  splitKids,
  TRUST_FILE_ENV,
  TRUSTED_KEYS_ENV,
  trustedKeysFromEnv,
  trustFilePath,
} from "./state/trust-store.js";
export { formatMicros, type ParsedTimestamp, parseTimestamp } from "./time.js";

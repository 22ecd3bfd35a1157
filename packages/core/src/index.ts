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
export type { CedarDecision, CedarDiagnostic, CedarEntity, CedarRequest, EntityRef } from "./cedar/types.js";
export { ConfigurationError, TruseraError, ValidationError } from "./errors.js";
export { createEvent, type JsonObject, type TruseraEvent } from "./events/event.js";
export { EVENT_TYPES, EventType, isEventType } from "./events/event-type.js";
export { isoNow } from "./events/iso-now.js";
export { EVENT_LIMITS } from "./events/limits.js";
export {
  EVENT_ID_PATTERN,
  ISO_TIMESTAMP_PATTERN,
  isJsonObject,
  isValidEvent,
  validateEvent,
} from "./events/validate.js";
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
export { formatMicros, type ParsedTimestamp, parseTimestamp } from "./time.js";

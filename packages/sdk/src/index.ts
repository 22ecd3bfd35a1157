export {
  type CedarDecision,
  type CedarDiagnostic,
  type CedarRequest,
  createEvent,
  EVENT_TYPES,
  EventType,
  isValidEvent,
  type JsonObject,
  type TruseraEvent,
  validateEvent,
} from "@trusera/core";
export { type ClientStats, type EventInput, TruseraClient } from "./client/client.js";
export { DEFAULT_BASE_URL, type TruseraClientOptions } from "./client/options.js";
export {
  ConfigurationError,
  PolicyLoadError,
  PolicyViolationError,
  TruseraError,
  ValidationError,
} from "./errors.js";
export { TruseraLangChainHandler } from "./integrations/langchain/root-handler.js";
export type { LangChainHandlerOptions } from "./integrations/langchain/types.js";
export { TruseraInterceptor } from "./interceptor/interceptor.js";
export type {
  EnforcementMode,
  InterceptedLibrary,
  InterceptorOptions,
  InterceptorStatus,
} from "./interceptor/types.js";
export type { Logger } from "./log.js";
export {
  CedarEvaluator,
  type CedarEvaluatorOptions,
  type DefaultDecision,
  type PolicyLoadResult,
} from "./policy/cedar-evaluator.js";

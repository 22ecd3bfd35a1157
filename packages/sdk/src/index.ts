export {
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
export { ConfigurationError, TruseraError, ValidationError } from "./errors.js";
export type { Logger } from "./log.js";

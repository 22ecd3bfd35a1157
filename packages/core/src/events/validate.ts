import type { JsonObject, TruseraEvent } from "./event.js";
import { isEventType } from "./event-type.js";
import { EVENT_LIMITS } from "./limits.js";

/** A UUID (any version) or 32 hex characters (the Python SDK's `uuid4().hex`). */
export const EVENT_ID_PATTERN =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$/;

/** ISO-8601 date-time with seconds, an optional fraction of up to nine digits and a zone. */
export const ISO_TIMESTAMP_PATTERN =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Fast structural check of a complete event; `validateEvent` says what is wrong. */
export function isValidEvent(value: unknown): value is TruseraEvent {
  if (!isJsonObject(value)) return false;
  const e = value as Partial<TruseraEvent>;
  return (
    typeof e.id === "string" &&
    EVENT_ID_PATTERN.test(e.id) &&
    isEventType(e.type) &&
    typeof e.name === "string" &&
    e.name.length > 0 &&
    e.name.length <= EVENT_LIMITS.maxNameLength &&
    isJsonObject(e.payload) &&
    isJsonObject(e.metadata) &&
    typeof e.timestamp === "string" &&
    ISO_TIMESTAMP_PATTERN.test(e.timestamp) &&
    (e.agent_id === undefined ||
      (typeof e.agent_id === "string" &&
        e.agent_id.length > 0 &&
        e.agent_id.length <= EVENT_LIMITS.maxAgentIdLength))
  );
}

/** Every problem with a candidate event, in words; an empty list means it is valid. */
export function validateEvent(value: unknown): string[] {
  if (!isJsonObject(value)) return ["event must be a JSON object"];
  const e = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof e.id !== "string" || !EVENT_ID_PATTERN.test(e.id))
    problems.push("id must be a UUID or 32 hex characters");
  if (!isEventType(e.type)) problems.push(`type ${JSON.stringify(e.type)} is not a known event type`);
  if (typeof e.name !== "string" || e.name.length === 0) problems.push("name must be a non-empty string");
  else if (e.name.length > EVENT_LIMITS.maxNameLength)
    problems.push(`name is longer than ${EVENT_LIMITS.maxNameLength} characters`);
  if (!isJsonObject(e.payload)) problems.push("payload must be a JSON object");
  if (!isJsonObject(e.metadata)) problems.push("metadata must be a JSON object");
  if (typeof e.timestamp !== "string" || !ISO_TIMESTAMP_PATTERN.test(e.timestamp))
    problems.push("timestamp must be an ISO-8601 date-time with a time zone");
  if (e.agent_id !== undefined) {
    if (typeof e.agent_id !== "string" || e.agent_id.length === 0)
      problems.push("agent_id must be a non-empty string");
    else if (e.agent_id.length > EVENT_LIMITS.maxAgentIdLength)
      problems.push(`agent_id is longer than ${EVENT_LIMITS.maxAgentIdLength} characters`);
  }
  return problems;
}

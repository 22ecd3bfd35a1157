import type { EventType } from "./event-type.js";
import { isoNow } from "./iso-now.js";
import { uuidv7 } from "./uuid-v7.js";

/** A plain JSON object: what `payload` and `metadata` hold. */
export type JsonObject = { [key: string]: unknown };

/** One structured record of a single agent action. This is also the wire format. */
export interface TruseraEvent {
  /** UUID (or 32 hex characters, as older SDKs send). Unique per project: a second copy is a duplicate. */
  id: string;
  type: EventType;
  /** What was acted on, e.g. `web_search`, `gpt-4`, `POST https://api.example.com/v1/charges`. */
  name: string;
  payload: JsonObject;
  metadata: JsonObject;
  /** ISO-8601 with a time zone, e.g. `2026-11-22T02:11:33.123Z`. */
  timestamp: string;
  /** Set by the client from its `agentId` when the event is tracked, unless already set. */
  agent_id?: string;
}

/** Builds an event with a fresh UUID (version 7: time-ordered, see uuidv7) and the current time. */
export function createEvent(
  type: EventType,
  name: string,
  payload: JsonObject = {},
  metadata: JsonObject = {},
): TruseraEvent {
  return {
    id: uuidv7(),
    type,
    name,
    payload,
    metadata,
    timestamp: isoNow(),
  };
}

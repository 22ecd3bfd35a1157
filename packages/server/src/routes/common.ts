import { EVENT_LIMITS, parseTimestamp } from "@trusera/core";
import { badRequest } from "../errors.js";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** The Idempotency-Key header, checked: 1 to 200 visible ASCII characters. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !IDEMPOTENCY_KEY.test(value)) {
    throw badRequest("Idempotency-Key must be 1 to 200 visible ASCII characters");
  }
  return value;
}

/** A time given as ISO-8601 or seconds/ms/µs since the epoch, in µs; undefined when absent. */
export function timeParam(name: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = parseTimestamp(value);
  if (!t)
    throw badRequest(
      `${name} must be an ISO-8601 date-time or a number of seconds, ms or µs since the epoch`,
    );
  return t.micros;
}

/** Opaque page cursors for lists ordered by a text key (agents by name). */
export function encodeTextCursor(value: string): string {
  return Buffer.from(value, "utf8").toString("base64url");
}

export function decodeTextCursor(cursor: string): string {
  const value = Buffer.from(cursor, "base64url").toString("utf8");
  if (value === "" || value.includes("\uFFFD")) throw badRequest("cursor is not one this server gave out");
  return value;
}

/** Path parameter `id`: any id or name up to 256 characters (foreign and unknown ids both give 404). */
export const ID_PARAMS = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 256, pattern: "^[^\\u0000]+$" } },
} as const;

/** Text without NUL characters: Postgres cannot store them, and no name or id needs one. */
export const NO_NUL = "^[^\\u0000]*$";

export const PAGE_LIMIT = { type: "integer", minimum: 1, maximum: 1000, default: 100 } as const;

/** The body of a batch of events, shared by every dialect's ingest route. */
export const BATCH_BODY_PROPERTIES = {
  events: { type: "array", items: { type: "object" } },
  dropped: { type: "integer", minimum: 0, maximum: EVENT_LIMITS.maxDroppedPerBatch },
} as const;

export const INGEST_RESULT = {
  type: "object",
  properties: { accepted: { type: "integer" }, duplicates: { type: "integer" } },
} as const;

/** JSON text stored for metadata, parsed back for answers (null when absent or not JSON). */
export function parseJsonText(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

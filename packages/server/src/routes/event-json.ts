import { formatMicros } from "@trusera/core";
import type { StoredEvent } from "../store/types.js";

/** An event as the API answers it. */
export function eventJson(e: StoredEvent) {
  return {
    id: e.id,
    agent_id: e.agentId,
    type: e.type,
    name: e.name,
    timestamp: formatMicros(e.ts),
    received_at: formatMicros(e.receivedAt),
    payload: JSON.parse(e.payload) as Record<string, unknown>,
    metadata: JSON.parse(e.metadata) as Record<string, unknown>,
    decision: e.decision,
  };
}

/** Opaque page cursors: the position of the last event of a page. */
export function encodeCursor(e: { ts: number; id: string }): string {
  return Buffer.from(`${e.ts}:${e.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { ts: number; id: string } | null {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const colon = text.indexOf(":");
  const ts = Number(text.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(ts)) return null;
  return { ts, id: text.slice(colon + 1) };
}

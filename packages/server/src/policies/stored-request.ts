import { type CedarRequest, eventToCedarRequest } from "@trusera/core";
import type { ScannedEvent } from "../store/types.js";

// Stored metadata repeats itself (the few fields an SDK records: decision, enforcement, library), where
// payloads differ: the values of recent short texts are kept, and an event whose text is one of them
// skips its parse (~0.4 µs each). Shared values: nothing here or in eventToCedarRequest writes to them.
const METADATA_KEPT = 256;
const METADATA_KEPT_CHARS = 512;
const metadataValues = new Map<string, unknown>();

function parseMetadata(text: string): Record<string, unknown> {
  let value = metadataValues.get(text);
  if (value === undefined) {
    value = JSON.parse(text);
    if (text.length <= METADATA_KEPT_CHARS) {
      if (metadataValues.size === METADATA_KEPT) metadataValues.clear();
      metadataValues.set(text, value);
    }
  }
  return value as Record<string, unknown>;
}

/**
 * The Cedar request a stored event stands for, as the SDK built it when the call was made (no agent
 * id reads as "unknown"); null for an event that is not a request or whose stored payload or
 * metadata is not JSON. Replay and learning both decide stored events through it.
 */
export function storedEventRequest(e: ScannedEvent, agentId: string | null): CedarRequest | null {
  let payload: Record<string, unknown>;
  let metadata: Record<string, unknown>;
  try {
    payload = JSON.parse(e.payload);
    metadata = parseMetadata(e.metadata);
  } catch {
    return null;
  }
  return eventToCedarRequest({ type: e.type as never, name: e.name, payload, metadata, agent_id: agentId });
}

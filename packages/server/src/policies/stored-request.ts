import { type CedarRequest, eventToCedarRequest } from "@trusera/core";
import type { ScannedEvent } from "../store/types.js";

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
    metadata = JSON.parse(e.metadata);
  } catch {
    return null;
  }
  return eventToCedarRequest({ type: e.type as never, name: e.name, payload, metadata, agent_id: agentId });
}

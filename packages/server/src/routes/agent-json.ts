import type { Agent } from "../store/types.js";
import { parseJsonText } from "./common.js";

/** An agent as the API answers it. */
export const agentJson = (a: Agent) => ({
  id: a.id,
  name: a.name,
  framework: a.framework,
  created_at: a.createdAt,
  last_seen_at: a.lastSeenAt,
  last_heartbeat_at: a.lastHeartbeatAt,
  dropped_events: a.droppedEvents,
  metadata: parseJsonText(a.metadata),
});

import { eventJson } from "../routes/event-json.js";
import type { StoredEvent } from "../store/types.js";

type Node = ReturnType<typeof eventJson> & { children: Node[] };

/**
 * Nests a trace's events by their spans' parent ids. A span whose parent was not stored (a span of
 * another kind, dropped at ingest) is a root, so one run can have several.
 */
export function traceTree(traceId: string, events: StoredEvent[], limit: number) {
  const nodes = new Map<string, Node>();
  const ordered = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  for (const e of ordered) {
    const json = eventJson(e);
    const spanId = json.metadata.span_id;
    nodes.set(typeof spanId === "string" ? spanId : e.id, { ...json, children: [] });
  }
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.metadata.parent_span_id;
    const into = typeof parent === "string" ? nodes.get(parent) : undefined;
    (into ? into.children : roots).push(node);
  }
  return {
    trace_id: traceId,
    events: events.length,
    // Newest first from the store: a trace larger than the page shows its latest spans.
    truncated: events.length >= limit,
    agents: [...new Set(events.map((e) => e.agentId).filter((a) => a !== null))],
    roots,
  };
}

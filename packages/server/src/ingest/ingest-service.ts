import { EVENT_LIMITS } from "@trusera/core";
import { badRequest } from "../errors.js";
import type { IngestResult, Store, StoredEvent } from "../store/types.js";
import { AgentResolver } from "./agent-resolver.js";
import { normalizeEvent } from "./normalize-event.js";

export interface IngestRequest {
  events: unknown[];
  dropped?: number;
  /** Agent for events that name none (the Go and Python dialects put it on the batch or the URL). */
  agentRef?: string | null;
  idempotencyKey?: string;
}

/** Validates a whole batch first, then stores it atomically: one bad event and nothing is stored. */
export class IngestService {
  readonly #agents: AgentResolver;

  constructor(private readonly store: Store) {
    this.#agents = new AgentResolver(store);
  }

  get agents(): AgentResolver {
    return this.#agents;
  }

  async ingest(projectId: string, req: IngestRequest): Promise<IngestResult> {
    if (req.events.length > EVENT_LIMITS.maxBatchEvents) {
      throw badRequest(
        `a batch holds at most ${EVENT_LIMITS.maxBatchEvents} events, got ${req.events.length}`,
      );
    }
    const receivedAt = Date.now() * 1000;
    const problems: { index: number; problems: string[] }[] = [];
    const normalized = req.events.map((raw, index) => {
      const result = normalizeEvent(raw, req.agentRef ?? null);
      if (Array.isArray(result)) problems.push({ index, problems: result });
      return result;
    });
    if (problems.length > 0) {
      throw badRequest(
        `${problems.length} of ${req.events.length} events are invalid; nothing was stored`,
        problems,
      );
    }
    const events: StoredEvent[] = [];
    for (const n of normalized) {
      if (Array.isArray(n)) continue;
      events.push({
        id: n.id,
        agentId: n.agentRef ? await this.#agents.resolve(projectId, n.agentRef) : null,
        type: n.type,
        name: n.name,
        ts: n.ts,
        receivedAt,
        payload: n.payload,
        metadata: n.metadata,
        decision: n.decision,
      });
    }
    const dropsRef = req.agentRef ?? events.find((e) => e.agentId)?.agentId ?? null;
    return this.store.ingestEvents(projectId, {
      events,
      dropped: req.dropped ?? 0,
      dropsAgentId: dropsRef ? await this.#agents.resolve(projectId, dropsRef) : null,
      ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
    });
  }
}

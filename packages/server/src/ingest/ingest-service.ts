import { EVENT_LIMITS } from "@trusera/core";
import { badRequest } from "../errors.js";
import type { EventBus } from "../live/event-bus.js";
import type { Metrics } from "../observability/metrics.js";
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

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly bus: EventBus | null = null,
  ) {
    this.#agents = new AgentResolver(store);
  }

  get agents(): AgentResolver {
    return this.#agents;
  }

  async ingest(projectId: string, req: IngestRequest): Promise<IngestResult> {
    const dropped = req.dropped ?? 0;
    // Every dialect's schema bounds it too; this is the one place none can miss.
    if (!Number.isSafeInteger(dropped) || dropped < 0 || dropped > EVENT_LIMITS.maxDroppedPerBatch) {
      throw badRequest(`dropped must be an integer from 0 to ${EVENT_LIMITS.maxDroppedPerBatch}`);
    }
    if (req.events.length > EVENT_LIMITS.maxBatchEvents) {
      this.metrics.eventsRejected.inc(req.events.length);
      throw badRequest(
        `a batch holds at most ${EVENT_LIMITS.maxBatchEvents} events, got ${req.events.length}`,
      );
    }
    const receivedAt = Date.now() * 1000;
    const fallbackAgent = req.agentRef || null;
    const problems: { index: number; problems: string[] }[] = [];
    const events: StoredEvent[] = new Array(req.events.length);
    const refs: (string | null)[] = new Array(req.events.length);
    for (let index = 0; index < req.events.length; index++) {
      const n = normalizeEvent(req.events[index], fallbackAgent);
      if (Array.isArray(n)) {
        problems.push({ index, problems: n });
        continue;
      }
      refs[index] = n.agentRef;
      events[index] = {
        id: n.id,
        agentId: null,
        type: n.type,
        name: n.name,
        ts: n.ts,
        receivedAt,
        payload: n.payload,
        metadata: n.metadata,
        decision: n.decision,
      };
    }
    if (problems.length > 0) {
      this.metrics.eventsRejected.inc(req.events.length);
      throw badRequest(
        `${problems.length} of ${req.events.length} events are invalid; nothing was stored`,
        problems,
      );
    }
    // A batch names one agent, or a few: resolve each distinct reference once.
    const resolved = new Map<string, string>();
    for (let i = 0; i < events.length; i++) {
      const ref = refs[i];
      if (!ref) continue;
      let id = resolved.get(ref);
      if (id === undefined) {
        id = await this.#agents.resolve(projectId, ref);
        resolved.set(ref, id);
      }
      events[i]!.agentId = id;
    }
    const dropsRef = fallbackAgent ?? events.find((e) => e.agentId)?.agentId ?? null;
    const result = await this.store.ingestEvents(projectId, {
      events,
      dropped,
      dropsAgentId: dropsRef
        ? (resolved.get(dropsRef) ?? (await this.#agents.resolve(projectId, dropsRef)))
        : null,
      ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
      returnInserted: this.bus !== null,
    });
    if (this.bus && result.inserted && result.inserted.length > 0) {
      const fresh = new Set(result.inserted);
      // `delete` answers true once per id: a copy within the batch is not published twice.
      this.bus.publish(
        projectId,
        events.filter((e) => fresh.delete(e.id)),
      );
    }
    this.metrics.eventsAccepted.inc(result.accepted);
    this.metrics.eventsDuplicate.inc(result.duplicates);
    if (dropped > 0) this.metrics.eventsDroppedByClients.inc(dropped);
    return { accepted: result.accepted, duplicates: result.duplicates };
  }
}

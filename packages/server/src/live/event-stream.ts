import type { FastifyReply, FastifyRequest } from "fastify";
import type { Store, StoredEvent } from "../store/types.js";
import type { EventBus } from "./event-bus.js";

export interface StreamFilter {
  agentId?: string;
  type?: string;
  decision?: string;
}

const HEARTBEAT_MS = 15_000;
// How often a stream asks the store for events other processes stored (Postgres deployments).
const POLL_MS = 2000;
const SEEN_MAX = 5000;

export function matches(e: StoredEvent, f: StreamFilter): boolean {
  if (f.agentId !== undefined && e.agentId !== f.agentId) return false;
  if (f.type !== undefined && e.type !== f.type) return false;
  if (f.decision === undefined) return true;
  if (f.decision === "none") return e.decision === null;
  if (f.decision === "violation") return e.decision === "deny" || e.decision === "warn";
  return e.decision === f.decision;
}

/**
 * Server-sent event streams of newly stored events. Events stored by this process arrive from the
 * event bus at once. With several processes on one database (Postgres), each stream also polls the
 * store for the newest events every 2 s, so that events another process stored show up too (the
 * newest 200 of each poll: a live view, not a complete log; the events list is that).
 */
export class EventStreams {
  readonly #open = new Set<() => void>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly format: (e: StoredEvent) => unknown,
  ) {}

  get size(): number {
    return this.#open.size;
  }

  open(request: FastifyRequest, reply: FastifyReply, projectId: string, filter: StreamFilter): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 3000\n: connected\n\n");
    const seen = new Set<string>();
    const send = (events: readonly StoredEvent[]) => {
      const fresh = events.filter((e) => matches(e, filter) && !seen.has(e.id));
      if (fresh.length === 0) return;
      for (const e of fresh) seen.add(e.id);
      if (seen.size > SEEN_MAX) {
        const keep = [...seen].slice(-SEEN_MAX / 2);
        seen.clear();
        for (const id of keep) seen.add(id);
      }
      res.write(`event: events\ndata: ${JSON.stringify(fresh.map(this.format))}\n\n`);
    };
    const unsubscribe = this.bus.subscribe(projectId, send);
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    let poll: NodeJS.Timeout | null = null;
    if (this.store.dialect !== "sqlite") {
      let since = Date.now() * 1000 - 60_000_000;
      poll = setInterval(() => {
        const now = Date.now() * 1000;
        this.store
          .listEvents(projectId, { ...filter, since, limit: 200 })
          .then((events) => {
            since = now - 60_000_000;
            send([...events].reverse());
          })
          .catch(() => {});
      }, POLL_MS);
    }
    const close = () => {
      unsubscribe();
      clearInterval(heartbeat);
      if (poll) clearInterval(poll);
      this.#open.delete(close);
      if (!res.writableEnded) res.end();
    };
    this.#open.add(close);
    request.raw.on("close", close);
  }

  /** Ends every open stream (on shutdown: a stream never ends by itself). */
  closeAll(): void {
    for (const close of [...this.#open]) close();
  }
}

import { createHash } from "node:crypto";
import { type SpanAttributes, spanOf } from "@trusera/core";
import type { FastifyBaseLogger } from "fastify";
import type { EventBus } from "../live/event-bus.js";
import type { StoredEvent } from "../store/types.js";
import type { OtlpForwardConfig } from "./forward-config.js";

const MAX_QUEUE = 10_000;
const BATCH = 512;
const INTERVAL_MS = 1_000;
const TIMEOUT_MS = 10_000;

function attribute(key: string, v: string | number | boolean | string[]) {
  if (Array.isArray(v)) return { key, value: { arrayValue: { values: v.map((s) => ({ stringValue: s })) } } };
  if (typeof v === "string") return { key, value: { stringValue: v } };
  if (typeof v === "boolean") return { key, value: { boolValue: v } };
  return { key, value: Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } };
}

function parse(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** One stored event as an OTLP/JSON span (the same names trusera-sdk/otel exports). */
export function eventSpan(e: StoredEvent, projectId: string) {
  const payload = parse(e.payload);
  const metadata = parse(e.metadata);
  const { name, attributes, client } = spanOf({
    type: e.type,
    name: e.name,
    payload,
    metadata,
    id: e.id,
    agentId: e.agentId ?? undefined,
  });
  const attrs: SpanAttributes = { ...attributes, "trusera.project.id": projectId };
  if (e.decision) attrs["trusera.decision"] = e.decision;
  const d = payload.duration_ms;
  const durationUs = typeof d === "number" && Number.isFinite(d) && d > 0 ? Math.round(d * 1000) : 0;
  const hex = e.id.replace(/-/g, "");
  return {
    // An event is a trace of its own unless the SDK put it in one.
    traceId:
      typeof metadata.trace_id === "string" && /^[0-9a-f]{32}$/.test(metadata.trace_id)
        ? metadata.trace_id
        : hex,
    spanId: createHash("sha256").update(e.id).digest("hex").slice(0, 16),
    name,
    kind: client ? 3 : 1,
    startTimeUnixNano: String(BigInt(Math.max(0, e.ts - durationUs)) * 1000n),
    endTimeUnixNano: String(BigInt(e.ts) * 1000n),
    attributes: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

/**
 * Sends what this process stores to an OTLP/HTTP endpoint (JSON encoding), batched every second or
 * 512 spans. Events that came in as OTLP spans are not sent back out (they are in the team's traces
 * already, and a forwarder pointed at its own /v1/traces would loop). Never in the way of ingest: a
 * full queue drops the oldest, a failed export is logged and dropped, both counted.
 */
export class OtlpForwarder {
  readonly #queue: { projectId: string; event: StoredEvent }[] = [];
  #timer: NodeJS.Timeout | null = null;
  #sending: Promise<void> = Promise.resolve();
  #unsubscribe: () => void = () => {};
  readonly counts = { forwarded: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly config: OtlpForwardConfig,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(bus: EventBus): void {
    this.#unsubscribe = bus.subscribeAll((projectId, events) => {
      for (const event of events) {
        if (event.metadata.includes('"source":"otlp"')) continue;
        if (this.#queue.length >= MAX_QUEUE) {
          this.#queue.shift();
          this.counts.dropped++;
        }
        this.#queue.push({ projectId, event });
      }
      if (this.#queue.length >= BATCH) this.#kick();
    });
    this.#timer = setInterval(() => this.#kick(), INTERVAL_MS);
    this.#timer.unref();
  }

  /** Stops listening and sends what is queued (bounded by the request timeout). */
  async stop(): Promise<void> {
    this.#unsubscribe();
    if (this.#timer) clearInterval(this.#timer);
    this.#kick();
    await this.#sending;
  }

  #kick(): void {
    this.#sending = this.#sending.then(async () => {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, BATCH);
        await this.#send(batch);
      }
    });
  }

  async #send(batch: { projectId: string; event: StoredEvent }[]): Promise<void> {
    try {
      const spans = batch.map((b) => eventSpan(b.event, b.projectId));
      const body = JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [attribute("service.name", this.config.serviceName)] },
            scopeSpans: [{ scope: { name: "trusera-server" }, spans }],
          },
        ],
      });
      const res = await fetch(this.config.url, {
        method: "POST",
        headers: { ...this.config.headers, "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`the endpoint answered ${res.status}`);
      this.counts.forwarded += batch.length;
    } catch (err) {
      this.counts.failed += batch.length;
      this.log.warn(
        `OTLP forward of ${batch.length} span(s) to ${this.config.url} failed: ${(err as Error).message}`,
      );
    }
  }
}

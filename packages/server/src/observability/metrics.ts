/**
 * The few Prometheus metrics the server exposes at /metrics, kept in this process (each process of a
 * deployment is scraped on its own). Written out by hand: counters and one histogram need no library.
 */

// Seconds. Ingest of a batch of 100 takes about a millisecond; replay can take seconds.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

class Counter {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(by = 1, labels: Record<string, string> = {}): void {
    const key = labelText(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  get(labels: Record<string, string> = {}): number {
    return this.#values.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.#values.size === 0) lines.push(`${this.name} 0`);
    for (const [labels, v] of this.#values) lines.push(`${this.name}${labels} ${v}`);
    return lines.join("\n");
  }
}

class Histogram {
  readonly #series = new Map<
    string,
    { labels: Record<string, string>; counts: number[]; sum: number; n: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels: Record<string, string>): void {
    const key = labelText(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, n: 0 };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.n++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.#series.values()) {
      this.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.n}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.n}`);
    }
    return lines.join("\n");
  }
}

export class Metrics {
  readonly eventsAccepted = new Counter("trusera_events_accepted_total", "Events stored.");
  readonly eventsRejected = new Counter(
    "trusera_events_rejected_total",
    "Events refused because their batch was invalid (nothing of such a batch is stored).",
  );
  readonly eventsDuplicate = new Counter(
    "trusera_events_duplicates_total",
    "Events not stored again because their id was already stored.",
  );
  readonly eventsDroppedByClients = new Counter(
    "trusera_events_dropped_by_clients_total",
    "Events SDKs reported dropping before they could send them.",
  );
  readonly decisions = new Counter("trusera_decisions_total", "Remote policy decisions, by decision.");
  readonly retentionPurged = new Counter(
    "trusera_retention_purged_events_total",
    "Events deleted by retention.",
  );
  readonly requestDuration = new Histogram(
    "trusera_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route and status code.",
    LATENCY_BUCKETS,
  );
  readonly #started = Date.now();

  render(): string {
    return `${[
      this.eventsAccepted,
      this.eventsRejected,
      this.eventsDuplicate,
      this.eventsDroppedByClients,
      this.decisions,
      this.retentionPurged,
      this.requestDuration,
    ]
      .map((m) => m.render())
      .join("\n")}
# HELP trusera_process_uptime_seconds Seconds since this process started.
# TYPE trusera_process_uptime_seconds gauge
trusera_process_uptime_seconds ${(Date.now() - this.#started) / 1000}
`;
  }
}

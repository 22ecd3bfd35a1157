import type { FastifyBaseLogger } from "fastify";
import { Periodic } from "../background/periodic.js";
import type { Metrics } from "../observability/metrics.js";
import type { PurgeResult, Store } from "../store/types.js";

const DAY_US = 86_400_000_000;
// Idempotency records only need to outlive a client's retries; a day is ample.
const IDEMPOTENCY_TTL_MS = 86_400_000;
const ROWS_PER_CALL = 10_000;
// Bounds one purge run; what is left waits for the next run.
const MAX_CALLS_PER_RUN = 100;

/**
 * Deletes events older than the retention period, in bounded chunks, every `intervalSeconds`. Each
 * process of a deployment runs it; deleting is idempotent, so several at once only repeat a little work.
 */
export class RetentionPurger {
  readonly #periodic: Periodic;
  #running: Promise<PurgeResult> | null = null;

  constructor(
    private readonly store: Store,
    private readonly options: { retentionDays: number; intervalSeconds: number },
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
  ) {
    this.#periodic = new Periodic(
      options.intervalSeconds,
      () => this.run(),
      (err) => this.log.error({ err }, "retention purge failed; will try again at the next interval"),
    );
  }

  start(): void {
    this.#periodic.start();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    await this.#periodic.stop();
    await this.#running?.catch(() => {});
  }

  /** One purge run: everything expired, up to a bound. */
  run(now = Date.now()): Promise<PurgeResult> {
    this.#running ??= (async () => {
      const total: PurgeResult = { events: 0, idempotencyKeys: 0 };
      try {
        const eventsBefore =
          this.options.retentionDays > 0 ? now * 1000 - this.options.retentionDays * DAY_US : null;
        for (let i = 0; i < MAX_CALLS_PER_RUN; i++) {
          const r = await this.store.purgeExpired({
            eventsBefore,
            idempotencyKeysBefore: now - IDEMPOTENCY_TTL_MS,
            limit: ROWS_PER_CALL,
          });
          total.events += r.events;
          total.idempotencyKeys += r.idempotencyKeys;
          if (r.events < ROWS_PER_CALL && r.idempotencyKeys < ROWS_PER_CALL) break;
          // SQLite deletes synchronously: let requests run between two chunks.
          await new Promise((resolve) => setImmediate(resolve));
        }
        // Expired dashboard sessions are refused anyway; this only keeps the table small.
        await this.store.sessions.purgeSessions(now);
        this.metrics.retentionPurged.inc(total.events);
        if (total.events > 0 || total.idempotencyKeys > 0) {
          this.log.info({ ...total, retentionDays: this.options.retentionDays }, "retention purge");
        }
        return total;
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }
}

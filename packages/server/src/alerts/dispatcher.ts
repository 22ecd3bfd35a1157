import type { FastifyBaseLogger } from "fastify";
import type { AlertConfig } from "../config.js";
import type { AlertDelivery, DeliveryAttempt, Store } from "../store/types.js";
import { channelRequest } from "./channels.js";

const MAX_DELAY_MS = 3_600_000;
const BATCH = 20;

/** Statuses worth trying again; any other 4xx will not get better by waiting. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Sends pending deliveries: leases due ones from the store (so that two processes never send one at
 * once, and a delivery a crashed process had leased is taken up again when its lease ends), POSTs
 * them, and records the outcome: delivered, pending again after an exponential backoff with jitter,
 * or failed after `maxAttempts`. Runs every `tickMs`, and at once when an alert fires.
 */
export class DeliveryDispatcher {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(
    private readonly store: Store,
    private readonly config: AlertConfig,
  ) {}

  #log: FastifyBaseLogger | null = null;

  private get log(): FastifyBaseLogger {
    return this.#log!;
  }

  /** Starts the timers; `log` is the app's logger. */
  start(log: FastifyBaseLogger): void {
    this.#log = log;
    this.#timer = setInterval(() => this.kick(), this.config.tickMs);
    this.#timer.unref();
    this.kick();
  }

  /** Looks for due deliveries now (again after the current round, when one is running). */
  kick(): void {
    if (this.#stopped || !this.#log) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.round()
      .catch((err) => this.log.error({ err }, "alert delivery round failed"))
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  private async round(): Promise<void> {
    for (let i = 0; i < 50 && !this.#stopped; i++) {
      const now = Date.now();
      const due = await this.store.alerts.leaseDueDeliveries(now, this.config.requestTimeoutMs + 5000, BATCH);
      if (due.length === 0) return;
      await Promise.all(due.map((d) => this.attempt(d)));
      if (due.length < BATCH) return;
    }
  }

  private async attempt(d: AlertDelivery): Promise<void> {
    const attempts = d.attempts + 1;
    let statusCode: number | null = null;
    let error: string | null = null;
    let permanent = false;
    try {
      const req = channelRequest(d.channel, d.payload ?? "{}", d.id);
      const res = await fetch(req.url, {
        method: "POST",
        headers: req.headers,
        body: req.body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
      statusCode = res.status;
      await res.arrayBuffer().catch(() => {});
      if (res.status >= 200 && res.status < 300) {
        await this.finish(d, { status: "delivered", attempts, lastStatusCode: statusCode, lastError: null });
        return;
      }
      error = `HTTP ${res.status}`;
      permanent = !retryable(res.status);
    } catch (err) {
      error = (err as Error)?.name === "TimeoutError" ? "timed out" : String((err as Error)?.message ?? err);
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      if (cause) error = `${error} (${cause})`;
    }
    const failed = permanent || attempts >= this.config.maxAttempts;
    const delay = Math.min(this.config.retryBaseMs * 2 ** (attempts - 1), MAX_DELAY_MS);
    await this.finish(d, {
      status: failed ? "failed" : "pending",
      attempts,
      lastStatusCode: statusCode,
      lastError: error,
      nextAttemptAt: Date.now() + Math.round(delay * (0.8 + Math.random() * 0.4)),
    });
    if (failed) this.log.warn({ delivery: d.id, attempts, error }, "alert delivery failed");
  }

  private async finish(
    d: AlertDelivery,
    a: Omit<DeliveryAttempt, "nextAttemptAt" | "deliveredAt"> & { nextAttemptAt?: number },
  ): Promise<void> {
    const now = Date.now();
    await this.store.alerts.finishDeliveryAttempt(d.id, {
      ...a,
      nextAttemptAt: a.nextAttemptAt ?? now,
      deliveredAt: a.status === "delivered" ? now : null,
    });
    // A retry due before the next tick is sent on time.
    if (
      a.status === "pending" &&
      a.nextAttemptAt !== undefined &&
      a.nextAttemptAt - now < this.config.tickMs
    ) {
      setTimeout(() => this.kick(), Math.max(0, a.nextAttemptAt - now)).unref();
    }
  }
}

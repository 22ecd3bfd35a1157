import {
  EVENT_LIMITS,
  isoNow,
  isValidEvent,
  redactText,
  scrubSecrets,
  type TruseraEvent,
  uuidv7,
} from "@trusera/core";
import type { Logger } from "../log.js";
import { describeNetworkError, describeRefusal } from "../transport/failure.js";
import { type PrivateResponse, PrivateTransport } from "../transport/private-http.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "../transport/retry.js";
import { EventQueue } from "./event-queue.js";
import { type ExitFlushable, unwatchExit, watchExit } from "./exit-hook.js";
import { type ResolvedClientOptions, resolveClientOptions, type TruseraClientOptions } from "./options.js";
import { sleep } from "./sleep.js";
import { Spool, type SpooledBatch } from "./spool.js";

/** What `track()` takes: an event from `createEvent`, or any object with at least `type` and `name`. */
export type EventInput = Pick<TruseraEvent, "type" | "name"> & Partial<TruseraEvent>;

/** Counters of what happened to tracked events since the client was made. */
export interface ClientStats {
  /** Events accepted into the buffer. */
  tracked: number;
  /** Events waiting in the buffer now. */
  queued: number;
  /** Bytes (serialized JSON) waiting in the buffer now. */
  queuedBytes: number;
  /** Events the server acknowledged. */
  sent: number;
  /** Events dropped because the buffer was full or `close()` ran out of time. Reported to the server. */
  dropped: number;
  /** Events dropped because they were not valid (see `validateEvent`), too large or not serializable. */
  invalid: number;
  /** Events tracked after `close()`, dropped. */
  afterClose: number;
  /** Events the server refused with a 4xx other than 408 and 429, dropped. */
  rejected: number;
  /** Requests repeated after a network error, 5xx, 408 or 429. */
  retries: number;
  /** Events written to the disk spool (undelivered when retries ran out or the process ended). */
  spooled: number;
  /** Events this client delivered from the spool (written by it or by an earlier client). */
  recovered: number;
}

type SendOutcome = "sent" | "rejected" | "failed";

/** A batch on its way to the server: kept so that an exit can put it on disk (see `spoolOnExit`). */
interface Flight {
  events: string[];
  key: string;
  drops: number;
  /** Set when it came from the spool: at exit its file is put back instead of written again. */
  fromSpool?: SpooledBatch;
  /** Set once an exit handler kept it on disk. */
  kept?: boolean;
}

/** What other parts of the SDK (the interceptor) may use of a client; never part of the public API. */
export interface ClientInternals {
  logger: Logger;
  /**
   * The principal of this client's Cedar requests: the agent's name (from `registerAgent`, or the
   * `agentId` option), which is also how the server names it when it replays recorded events.
   */
  agentName(): string | undefined;
  /** A GET to the client's server over its private transport, authenticated with its API key. */
  get(url: URL, headers: Record<string, string>, timeoutMs?: number): Promise<PrivateResponse>;
  /** Connects a producer of events serialized elsewhere (the interceptor's event thread). */
  attach(source: EventSource): SourceLink;
}

/** @internal A producer of events serialized off the application's thread (the interceptor's event thread). */
export interface EventSource {
  /** True while it holds events of calls that ended and that the client has not been handed yet. */
  readonly busy: boolean;
  /**
   * Hands over everything emitted so far and resolves once the client has it (never rejects).
   * `sealing` comes from close(): what was emitted before is still taken by the closed client.
   */
  drain(sealing: boolean): Promise<void>;
  /**
   * The process is ending: hands over at once everything emitted so far, built on the calling thread
   * (the event thread cannot answer any more). Never throws.
   */
  drainNow(): void;
}

/** @internal What a source hands its events to. */
export interface SourceLink {
  /** The agent id events are stamped with, as `track` would stamp them now. */
  agentId(): string | undefined;
  /** Queues serialized events; `beforeClose` when they were emitted before `close()` was called. */
  accept(json: readonly string[], bytes: readonly number[], invalid: number, beforeClose: boolean): void;
  detach(): void;
}

let internalsOf: (client: TruseraClient) => ClientInternals;

/**
 * Marks an event built by this SDK's interceptor from values it already redacted (URL, header values,
 * error text, bodies) and shaped to be valid. Its value serializes the event (given the id, timestamp
 * and agent id `track` assigns) to exactly what `JSON.stringify` would give: `track` then skips
 * validation, the secret scrub and the generic serializer, which are most of its cost on every
 * intercepted call. Module-private, so nothing outside the SDK can set it.
 */
export const TRUSTED_EVENT: unique symbol = Symbol("trusera.trusted-event");

/** The serializer a trusted event carries under `TRUSTED_EVENT`. */
export type TrustedSerializer = (id: string, timestamp: string, agentId: string | undefined) => string;

type Trusted = { [TRUSTED_EVENT]?: TrustedSerializer };

/** @internal The logger and private transport of a client, for the interceptor. */
export function clientInternals(client: TruseraClient): ClientInternals {
  return internalsOf(client);
}

const USER_AGENT = "trusera-sdk-js/0.1.0";
const REGISTER_RETRIES = 2;

/**
 * The authenticated connection to a Trusera server: buffers events and sends them in batches.
 *
 * `track()` never blocks and never throws; delivery happens in the background with retries, and
 * `close()` delivers what is left within `closeTimeout`.
 *
 * @example
 * const client = new TruseraClient({ apiKey: "tsk_...", agentId: "my-agent" });
 * client.track(createEvent(EventType.TOOL_CALL, "web_search", { query: "cats" }));
 * await client.close();
 *
 * @throws ConfigurationError when no API key is given by argument or `TRUSERA_API_KEY`, or an option is out of range.
 */
export class TruseraClient implements ExitFlushable {
  readonly #o: ResolvedClientOptions;
  readonly #queue: EventQueue;
  readonly #transport = new PrivateTransport();
  readonly #eventsUrl: URL;
  readonly #wake = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #agentId: string | undefined;
  /** The agent's name, as policies name the principal (`Agent::"my-agent"`), even once registered under an id. */
  #agentName: string | undefined;
  /** Tracked this tick, not yet serialized. */
  #pending: (Trusted & TruseraEvent)[] = [];
  #serializeScheduled = false;
  readonly #sources = new Set<EventSource>();
  #pump: Promise<boolean> | null = null;
  #kickScheduled = false;
  #closed = false;
  #closing: Promise<void> | null = null;
  #deadline = Number.POSITIVE_INFINITY;
  #waiters = 0;
  #unreportedDrops = 0;
  #exitFlushed = false;
  #warnedAuth = false;
  /** The current outage, if deliveries are failing: what went wrong last, since when, how often. */
  #outage:
    | { reason: string; since: number; attempts: number; warned: boolean; retriesRanOut?: boolean }
    | undefined;
  readonly #spool: Spool | undefined;
  /** The spool may hold batches (of this or other clients): look again. */
  #spoolPending = true;
  /** After a failed delivery from the spool, the next attempt waits until then. */
  #spoolRetryAt = 0;
  readonly #flights = new Set<Flight>();
  readonly #stats: Omit<ClientStats, "queued" | "queuedBytes"> = {
    tracked: 0,
    sent: 0,
    dropped: 0,
    invalid: 0,
    afterClose: 0,
    rejected: 0,
    retries: 0,
    spooled: 0,
    recovered: 0,
  };

  static {
    internalsOf = (client) => ({
      logger: client.#o.logger,
      agentName: () => client.#agentName ?? client.#agentId,
      get: (url, headers, timeoutMs) =>
        client.#transport.send({
          method: "GET",
          url,
          headers: { authorization: `Bearer ${client.#o.apiKey}`, "user-agent": USER_AGENT, ...headers },
          timeoutMs: Math.max(1, Math.min(timeoutMs ?? client.#o.requestTimeout, client.#o.requestTimeout)),
        }),
      attach: (source) => {
        client.#sources.add(source);
        return {
          agentId: () => client.#agentId,
          accept: (json, bytes, invalid, beforeClose) => client.#accept(json, bytes, invalid, beforeClose),
          detach: () => {
            client.#sources.delete(source);
          },
        };
      },
    });
  }

  constructor(options: TruseraClientOptions = {}) {
    this.#o = resolveClientOptions(options);
    this.#agentId = this.#o.agentId;
    this.#agentName = this.#o.agentId;
    this.#queue = new EventQueue(this.#o.maxQueueSize, this.#o.maxQueueBytes);
    this.#eventsUrl = new URL("api/v1/events/batch", this.#o.baseUrl);
    const spool = this.#o.spool;
    this.#spool = spool ? new Spool(spool.dir, spool.maxBytes, spool.maxFiles) : undefined;
    this.#timer = setInterval(() => {
      this.#spoolPending = true;
      this.#kick();
    }, this.#o.flushInterval);
    this.#timer.unref();
    watchExit(this);
    // What an earlier process left in the spool goes out first.
    if (this.#spool) setImmediate(() => this.#kick());
  }

  /** @internal True when undelivered events go to the disk spool at exit. */
  get spoolsOnExit(): boolean {
    return this.#spool !== undefined;
  }

  /** The agent id (or name) stamped on events that do not carry one. */
  get agentId(): string | undefined {
    return this.#agentId;
  }

  /** The server this client reports to, ending in `/`. */
  get baseUrl(): string {
    return this.#o.baseUrl.href;
  }

  /**
   * Counters and the queue's size. An intercepted call is counted once the interceptor's event thread
   * has handed its event back (within ~20 ms, or at once on `flush()`); see docs/coverage.md.
   */
  get stats(): ClientStats {
    this.#serializePending();
    return { ...this.#stats, queued: this.#queue.length, queuedBytes: this.#queue.bytes };
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Registers (or finds) the agent `name` in the key's project and stamps its id on later events.
   * Never rejects for a network or server failure: it then logs a warning and goes on with `name` as
   * the agent id, which the server resolves to the same agent when events arrive.
   */
  async registerAgent(name: string, framework = "custom"): Promise<string> {
    if (typeof name !== "string" || name.trim() === "" || name.length > EVENT_LIMITS.maxAgentIdLength) {
      this.#o.logger.warn(`registerAgent needs a name of 1 to ${EVENT_LIMITS.maxAgentIdLength} characters`);
      return this.#agentId ?? "";
    }
    this.#agentId ??= name;
    this.#agentName = name;
    const body = JSON.stringify({ name, framework: String(framework) });
    const url = new URL("api/v1/agents/register", this.#o.baseUrl);
    let failure: string | undefined;
    for (let attempt = 0; ; attempt++) {
      let wait: number | undefined;
      try {
        const res = await this.#post(url, body);
        if (res.status >= 200 && res.status < 300) {
          const id = (JSON.parse(res.body) as { agent_id?: unknown }).agent_id;
          if (typeof id === "string" && id) {
            this.#agentId = id;
            return id;
          }
          break;
        }
        if (!isRetryableStatus(res.status)) {
          // An answer, not an outage: say what the server said, not that it could not be reached.
          if (res.status === 401 || res.status === 403) this.#warnedAuth = true;
          failure = describeRefusal(res.status, res.body, this.#o.baseUrl.origin);
          break;
        }
        failure = `the server at ${this.#o.baseUrl.origin} answered ${res.status}`;
        wait = parseRetryAfter(res.headers["retry-after"]);
      } catch (err) {
        failure = describeNetworkError(err, this.#o.baseUrl.origin);
        this.#o.logger.debug(`registerAgent: ${(err as Error).message}`);
      }
      // Few retries: the application awaits this at start-up, and the name works as an id anyway.
      if (attempt >= Math.min(this.#o.retry.maxRetries, REGISTER_RETRIES)) break;
      this.#stats.retries++;
      await sleep(wait ?? backoffDelay(this.#o.retry, attempt), this.#wake.signal, true);
    }
    this.#o.logger.warn(
      `registerAgent: ${failure ?? `no agent id in the answer of ${this.#o.baseUrl.origin}`}; events carry the name "${name}"`,
    );
    this.#agentId = name;
    return name;
  }

  /**
   * Queues one event. Never blocks, never throws: an invalid event, or one tracked after `close()`,
   * is dropped and counted (see `stats`). Secrets in `name`, `payload` and `metadata` are redacted
   * before the event is serialized, which happens once per tick for all events tracked in it (so the
   * event is a snapshot of the objects as they are at the end of the current tick).
   */
  track(event: EventInput): void {
    try {
      if (this.#closed) {
        this.#stats.afterClose++;
        return;
      }
      const serialize = (event as Trusted)[TRUSTED_EVENT];
      const e: Trusted & TruseraEvent = {
        id: event.id ?? uuidv7(),
        type: event.type,
        name: event.name,
        payload: event.payload ?? {},
        metadata: event.metadata ?? {},
        timestamp: event.timestamp ?? isoNow(),
      };
      const agent = event.agent_id ?? this.#agentId;
      if (agent !== undefined) e.agent_id = agent;
      if (typeof serialize === "function") e[TRUSTED_EVENT] = serialize;
      else if (!isValidEvent(e)) {
        this.#invalid("not a valid event", event);
        return;
      }
      this.#stats.tracked++;
      this.#pending.push(e);
      // The count bound holds at once; the byte bound when the tick's events are serialized.
      if (this.#pending.length + this.#queue.length > this.#o.maxQueueSize) this.#dropOldest();
      if (!this.#serializeScheduled) {
        this.#serializeScheduled = true;
        queueMicrotask(this.#serializePending);
      }
    } catch (err) {
      this.#invalid(`could not be read (${(err as Error)?.message})`, undefined);
    }
  }

  /** Redacts, serializes and enqueues the events tracked since the last run. Never throws. */
  readonly #serializePending = (): void => {
    this.#serializeScheduled = false;
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    for (const e of pending) {
      try {
        let json: string;
        const serialize = e[TRUSTED_EVENT];
        if (serialize) json = serialize(e.id, e.timestamp, e.agent_id);
        else {
          e.name = redactText(e.name);
          e.payload = scrubSecrets(e.payload);
          e.metadata = scrubSecrets(e.metadata);
          json = JSON.stringify(e);
        }
        const bytes = Buffer.byteLength(json);
        if (bytes > EVENT_LIMITS.maxEventBytes) {
          this.#stats.tracked--;
          this.#invalid(`larger than ${EVENT_LIMITS.maxEventBytes} bytes`, e.name);
          continue;
        }
        this.#addDrops(this.#queue.push({ json, bytes }));
      } catch (err) {
        this.#stats.tracked--;
        this.#invalid(`not serializable (${(err as Error)?.message})`, e.name);
      }
    }
    if (this.#queue.length >= this.#o.batchSize) this.#scheduleKick();
  };

  /** Events serialized by a source (the interceptor's event thread): queued as `track` would have. */
  #accept(json: readonly string[], bytes: readonly number[], invalid: number, beforeClose: boolean): void {
    if (this.#closed && !beforeClose) {
      this.#stats.afterClose += json.length + invalid;
      return;
    }
    for (let i = 0; i < invalid; i++)
      this.#invalid(`larger than ${EVENT_LIMITS.maxEventBytes} bytes`, undefined);
    for (let i = 0; i < json.length; i++) {
      this.#stats.tracked++;
      this.#addDrops(this.#queue.push({ json: json[i]!, bytes: bytes[i]! }));
    }
    if (this.#queue.length >= this.#o.batchSize) this.#scheduleKick();
  }

  /** Asks every source for what it holds; the requests go out before this returns. */
  #drainSources(sealing: boolean): Promise<unknown> {
    if (this.#sources.size === 0) return Promise.resolve();
    return Promise.all([...this.#sources].map((s) => s.drain(sealing)));
  }

  #sourcesBusy(): boolean {
    for (const s of this.#sources) if (s.busy) return true;
    return false;
  }

  #dropOldest(): void {
    if (this.#queue.length > 0) this.#queue.take(1, Number.POSITIVE_INFINITY);
    else this.#pending.shift();
    this.#addDrops(1);
  }

  /**
   * Sends everything queued. Resolves (never rejects) when the buffer is empty, or when the server
   * could not be reached within the retry budget; undelivered events then stay queued for later.
   */
  async flush(): Promise<void> {
    this.#waiters++;
    try {
      await this.#drainSources(false);
      await this.#drainAll();
    } finally {
      this.#waiters--;
    }
  }

  /**
   * Delivers everything queued within `closeTimeout`, then stops the timer and releases sockets.
   * Events tracked afterwards are dropped silently (counted). Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#deadline = Date.now() + this.#o.closeTimeout;
    // Calls that ended before close() are delivered: their events are asked for now, in this tick.
    const sources = this.#drainSources(true);
    this.#closing = (async () => {
      this.#waiters++;
      // A background retry may be sleeping for seconds: wake it so it works against the deadline.
      const closeTimer = setTimeout(() => this.#wake.abort(), this.#o.closeTimeout);
      try {
        const woken = new Promise((resolve) => {
          this.#wake.signal.addEventListener("abort", resolve, { once: true });
        });
        await Promise.race([sources, woken]);
        const spooledBefore = this.#stats.spooled;
        await this.#drainAll();
        if (this.#spool && this.#queue.length > 0)
          this.#keepQueued(`close() ran out of its ${this.#o.closeTimeout} ms`);
        this.#spool?.releaseAll();
        const kept = this.#stats.spooled - spooledBefore;
        if (kept > 0)
          this.#o.logger.warn(
            `close(): ${kept} events could not be delivered (${this.#whyUndelivered()}): kept in ${this.#spool!.dir} for the next client`,
          );
        const lost = this.#queue.clear();
        if (lost > 0) {
          this.#stats.dropped += lost;
          this.#o.logger.warn(
            `close(): ${lost} events could not be delivered (${this.#whyUndelivered()}): lost`,
          );
        }
      } finally {
        clearTimeout(closeTimer);
        // Watched until now: a process that exits while close() is still delivering keeps the rest.
        unwatchExit(this);
        this.#waiters--;
        this.#wake.abort();
        this.#transport.destroy();
      }
    })();
    return this.#closing;
  }

  /** @internal Called once per emptied event loop: deliver what is left, once per batch of new events. */
  flushOnExit(): void {
    this.#serializePending();
    if (this.#closed || this.#exitFlushed) return;
    if (this.#queue.length === 0 && !this.#sourcesBusy() && !this.#spoolReady()) return;
    this.#exitFlushed = true;
    // Bounded like close(): a server that is down must not hold the process for long.
    this.#deadline = Date.now() + this.#o.closeTimeout;
    this.flush()
      .catch(() => {})
      .finally(() => {
        if (!this.#closed) this.#deadline = Number.POSITIVE_INFINITY;
      });
  }

  /**
   * @internal The process ends now (`exit`, or a terminating signal): what is queued or on its way is
   * written to the spool, synchronously, for the next client; with the spool off it is counted as
   * dropped and the loss is printed. Never throws.
   */
  spoolOnExit(why: string): void {
    try {
      for (const source of this.#sources) source.drainNow();
      this.#serializePending();
      const flights = [...this.#flights].filter((f) => !f.kept);
      if (!this.#spool) {
        const lost =
          this.#queue.clear() + flights.reduce((n, f) => n + (f.fromSpool ? 0 : f.events.length), 0);
        for (const f of flights) f.kept = true;
        if (lost > 0) {
          this.#stats.dropped += lost;
          this.#o.logger.warn(`${lost} events were not delivered when ${why} (the disk spool is off): lost`);
        }
      } else {
        const before = this.#stats.spooled;
        for (const f of flights) {
          f.kept = true;
          if (f.fromSpool) f.fromSpool.release();
          else this.#keep(f.events, f.key, f.drops, why);
        }
        this.#keepQueued(why);
        this.#spool.releaseAll();
        const kept = this.#stats.spooled - before;
        if (kept > 0)
          this.#o.logger.warn(
            `${kept} events were not delivered when ${why}: kept in ${this.#spool.dir} for the next client`,
          );
      }
    } catch (err) {
      this.#o.logger.debug(`spooling at exit failed: ${(err as Error)?.message}`);
    }
  }

  async #drainAll(): Promise<void> {
    this.#serializePending();
    while (this.#queue.length > 0 || this.#pump || this.#spoolReady()) {
      if (!this.#pump) this.#kick();
      const ok = await this.#pump;
      if (ok === false && this.#pump === null) return;
    }
  }

  #spoolReady(): boolean {
    const now = Date.now();
    return (
      this.#spool !== undefined && this.#spoolPending && now >= this.#spoolRetryAt && now < this.#deadline
    );
  }

  #scheduleKick(): void {
    if (this.#kickScheduled || this.#pump) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      this.#kick();
    });
  }

  /** Starts the one background drain if none is running. */
  #kick(): void {
    if (this.#pump || (this.#queue.length === 0 && !this.#spoolReady())) return;
    this.#pump = this.#drain().finally(() => {
      this.#pump = null;
    });
  }

  /**
   * Sends batches until the buffer is empty, then what the spool holds (true), or until a batch fails
   * after its retries (false): with the spool on, that batch and everything queued go to disk.
   */
  async #drain(): Promise<boolean> {
    try {
      this.#serializePending();
      while (this.#queue.length > 0 || this.#spoolReady()) {
        if (this.#queue.length === 0) {
          if (!(await this.#sendSpooled())) return false;
          continue;
        }
        const batch = this.#queue.take(this.#o.batchSize, this.#o.maxBatchBytes);
        const flight: Flight = {
          events: batch.map((e) => e.json),
          key: globalThis.crypto.randomUUID(),
          drops: this.#unreportedDrops,
        };
        const outcome = await this.#fly(flight);
        if (outcome === "sent") this.#stats.sent += batch.length;
        if (outcome !== "failed") this.#unreportedDrops -= flight.drops;
        if (outcome === "failed" && !flight.kept) {
          this.#warnOutage();
          if (this.#spool) {
            this.#keep(flight.events, flight.key, flight.drops, "retries ran out");
            this.#keepQueued("retries ran out");
          } else this.#addDrops(this.#queue.unshift(batch));
          return false;
        }
      }
      return true;
    } catch (err) {
      this.#o.logger.debug(`flush failed unexpectedly: ${(err as Error)?.message}`);
      return false;
    }
  }

  /** Delivers the oldest batch of the spool no other client holds; false when it could not. */
  async #sendSpooled(): Promise<boolean> {
    const batch = this.#spool!.claim();
    if (!batch) {
      this.#spoolPending = false;
      return true;
    }
    const flight: Flight = {
      events: batch.events,
      key: batch.idempotencyKey,
      drops: batch.dropped,
      fromSpool: batch,
    };
    const outcome = await this.#fly(flight);
    if (flight.kept) return false; // the process is ending: the file was put back
    if (outcome === "failed") {
      batch.release();
      this.#spoolRetryAt = Date.now() + this.#o.flushInterval;
      return false;
    }
    batch.done();
    if (outcome === "sent") this.#stats.recovered += batch.events.length;
    return true;
  }

  async #fly(flight: Flight): Promise<SendOutcome> {
    this.#flights.add(flight);
    try {
      return await this.#sendBatch(flight);
    } finally {
      this.#flights.delete(flight);
    }
  }

  /** Writes what is queued to the spool, in batches as they would have been sent. */
  #keepQueued(why: string): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.take(this.#o.batchSize, this.#o.maxBatchBytes);
      this.#keep(
        batch.map((e) => e.json),
        globalThis.crypto.randomUUID(),
        this.#unreportedDrops,
        why,
      );
    }
  }

  /**
   * Writes one batch to the spool. When it cannot (full, not writable), the events are counted as
   * dropped and the loss is printed, with why they were not delivered: false.
   */
  #keep(events: string[], key: string, drops: number, why: string): boolean {
    let ok = false;
    let reason = `the spool ${this.#spool!.dir} is full`;
    try {
      ok = this.#spool!.write(events, key, drops);
    } catch (err) {
      reason = `the spool ${this.#spool!.dir} cannot be written (${(err as Error)?.message})`;
    }
    if (!ok) {
      this.#addDrops(events.length);
      this.#o.logger.warn(`${events.length} events were lost when ${why}: ${reason}`);
      return false;
    }
    this.#stats.spooled += events.length;
    // The file carries the drops not yet reported; the client that delivers it reports them.
    this.#unreportedDrops -= Math.min(drops, this.#unreportedDrops);
    this.#spoolPending = true;
    this.#spoolRetryAt = Math.max(this.#spoolRetryAt, Date.now() + this.#o.flushInterval);
    return true;
  }

  async #sendBatch({ events, key, drops }: Flight): Promise<SendOutcome> {
    const body = `{"events":[${events.join(",")}]${drops > 0 ? `,"dropped":${drops}` : ""}}`;
    const idempotencyKey = key;
    for (let attempt = 0; ; attempt++) {
      if (Date.now() >= this.#deadline) return "failed";
      let wait: number | undefined;
      try {
        const res = await this.#post(this.#eventsUrl, body, idempotencyKey);
        if (res.status >= 200 && res.status < 300) {
          this.#exitFlushed = false;
          this.#endOutage();
          return "sent";
        }
        if (!isRetryableStatus(res.status)) {
          this.#endOutage();
          this.#stats.rejected += events.length;
          this.#reportRejection(res, events.length);
          return "rejected";
        }
        wait = parseRetryAfter(res.headers["retry-after"]);
        this.#noteFailure(`the server at ${this.#o.baseUrl.origin} answered ${res.status}`);
        this.#o.logger.debug(`batch of ${events.length}: server answered ${res.status}, will retry`);
      } catch (err) {
        this.#noteFailure(describeNetworkError(err, this.#o.baseUrl.origin));
        this.#o.logger.debug(`batch of ${events.length}: ${(err as Error).message}, will retry`);
      }
      if (this.#outage) this.#outage.retriesRanOut = attempt >= this.#o.retry.maxRetries;
      if (attempt >= this.#o.retry.maxRetries) return "failed";
      const delay = Math.min(wait ?? backoffDelay(this.#o.retry, attempt), this.#o.retry.maxDelayMs);
      if (Date.now() + delay >= this.#deadline) return "failed";
      this.#stats.retries++;
      await sleep(delay, this.#wake.signal, this.#waiters > 0);
      if (this.#wake.signal.aborted && Date.now() >= this.#deadline) return "failed";
    }
  }

  #post(url: URL, body: string, idempotencyKey?: string): Promise<PrivateResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#o.apiKey}`,
      "content-type": "application/json",
      "user-agent": USER_AGENT,
    };
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const left = this.#deadline - Date.now();
    return this.#transport.send({
      method: "POST",
      url,
      headers,
      body,
      timeoutMs: Math.max(1, Math.min(this.#o.requestTimeout, left)),
    });
  }

  #reportRejection(res: PrivateResponse, count: number): void {
    if (res.status === 401 || res.status === 403) {
      if (this.#warnedAuth) return;
      this.#warnedAuth = true;
    }
    this.#o.logger.warn(
      `a batch of ${count} events was not accepted: ${describeRefusal(res.status, res.body, this.#o.baseUrl.origin)}`,
    );
  }

  #noteFailure(reason: string): void {
    this.#outage ??= { reason, since: Date.now(), attempts: 0, warned: false };
    const o = this.#outage;
    o.reason = reason;
    o.attempts++;
  }

  #endOutage(): void {
    if (this.#outage?.warned) this.#o.logger.warn(`delivering again to ${this.#o.baseUrl.origin}`);
    this.#outage = undefined;
  }

  /** Once per outage, when a batch's retries ran out: what failed, so it shows without `debug`. */
  #warnOutage(): void {
    const o = this.#outage;
    if (!o || o.warned || this.#closed) return;
    o.warned = true;
    this.#o.logger.warn(
      `cannot deliver events: ${o.reason}; ${this.#spool ? "keeping them in the spool" : "keeping them queued"} and trying again every ${this.#o.flushInterval} ms`,
    );
  }

  /** Why close() gave up: the last failure, and whether its deadline or the retries ran out. */
  #whyUndelivered(): string {
    const o = this.#outage;
    const reason = o?.reason ?? "not sent yet";
    const seconds = o ? ((Date.now() - o.since) / 1000).toFixed(1) : "0";
    if (o?.retriesRanOut)
      return `${reason}; gave up after ${o.attempts} attempts in ${seconds} s (maxRetries ${this.#o.retry.maxRetries})`;
    return `${reason}; ${o?.attempts ?? 0} attempts in ${seconds} s, and another would pass closeTimeout (${this.#o.closeTimeout} ms)`;
  }

  #addDrops(count: number): void {
    if (count === 0) return;
    this.#stats.dropped += count;
    this.#unreportedDrops += count;
    if (this.#o.debug) this.#o.logger.debug(`buffer full: dropped the ${count} oldest events`);
  }

  #invalid(reason: string, what: unknown): void {
    this.#stats.invalid++;
    if (this.#o.debug) this.#o.logger.debug(`dropped an event: ${reason}`, what);
  }
}

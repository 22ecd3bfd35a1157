import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMainThread, Worker, workerData } from "node:worker_threads";
import type { EventSource, SourceLink } from "../client/client.js";
import type { Logger } from "../log.js";
import type { CallRecord } from "./events.js";
import { type RecordBatch, RecordWriter, type SerializedBatch, serializeSafely } from "./record-wire.js";
import type { EnforcementMode } from "./types.js";

/**
 * In the event thread's workerData. A preload given by NODE_OPTIONS (transient-trace's guard, say) runs
 * in every worker thread whatever execArgv says, and may install an interceptor there: the event thread
 * must then not start an event thread of its own, and so on without end.
 */
export const EVENT_THREAD_MARK = "__truseraEventThread";

// How long the first call of a batch waits at most before the batch goes to the event thread (it goes at
// once when full, and whenever the client flushes). Each message costs the application's thread ~100 µs
// here, most of it waking the event thread: one per call would cost more than the event itself, one per
// 20 ms still cost ~0.6 µs per call at 150 µs a call. Events wait in the client's queue for its
// flushInterval (5 s by default) anyway.
const BATCH_WAIT_MS = 100;

/**
 * The worker thread that builds and serializes the events of intercepted calls, one per process, made on
 * first use. It never keeps the process alive except while a flush waits for it. When it cannot start
 * (the SDK run from its TypeScript sources, say) or dies, lanes serialize on the calling thread instead,
 * including the batches it had not answered: nothing is lost.
 */
export class EventThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { lane: EventLane; batch: RecordBatch }>();
  readonly #maxWaiting: number;
  #seq = 0;
  #refs = 0;
  #dead = false;

  /**
   * `maxWaiting`: batches the thread may hold unanswered. Past that (a thread that fell far behind, or
   * hangs), batches are built on the calling thread: memory stays bounded and nothing is dropped.
   */
  constructor(file: string, { maxWaiting = 64 }: { maxWaiting?: number } = {}) {
    this.#maxWaiting = maxWaiting;
    // No execArgv: a preload given on the command line (--import, --require) does not run in here (one
    // given by NODE_OPTIONS still does; see EVENT_THREAD_MARK).
    this.#worker = new Worker(file, {
      execArgv: [],
      name: "trusera-events",
      workerData: { [EVENT_THREAD_MARK]: true },
      stdout: false,
      stderr: false,
    });
    this.#worker.on("message", (out: SerializedBatch) => {
      const entry = this.#waiting.get(out.seq);
      if (!entry) return;
      this.#waiting.delete(out.seq);
      entry.lane.deliver(out, entry.batch.nums);
    });
    const die = () => this.#die();
    this.#worker.on("error", die);
    this.#worker.on("exit", die);
    // After the listeners: adding a "message" listener refs the worker's port again.
    this.#worker.unref();
  }

  get dead(): boolean {
    return this.#dead;
  }

  post(lane: EventLane, batch: Omit<RecordBatch, "seq">): number {
    const seq = ++this.#seq;
    const full: RecordBatch = { ...batch, seq };
    if (this.#dead || this.#waiting.size >= this.#maxWaiting) {
      // Answered on the calling thread, still asynchronously, so that callers see one behaviour.
      queueMicrotask(() => lane.deliver(serializeSafely(full), full.nums));
      return seq;
    }
    this.#waiting.set(seq, { lane, batch: full });
    // Not transferred: the numbers stay readable here in case the thread dies before it answers.
    this.#worker.postMessage(full);
    return seq;
  }

  /** Keeps the process alive while somebody waits for an answer (a flush, the exit flush). */
  hold(): () => void {
    if (this.#refs++ === 0 && !this.#dead) this.#worker.ref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#refs === 0 && !this.#dead) this.#worker.unref();
    };
  }

  #die(): void {
    if (this.#dead) return;
    this.#dead = true;
    if (shared === this) shared = undefined;
    this.reclaim();
  }

  /**
   * Builds on the calling thread every batch still waiting for this thread (it died, or the process is
   * ending and it will not answer in time); a late answer for one of them is then ignored.
   */
  reclaim(): void {
    const left = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const { lane, batch } of left) lane.deliver(serializeSafely(batch), batch.nums);
  }
}

let shared: EventThread | null | undefined;

/** A drain waiting for the answers to every batch posted before it. */
interface Waiter {
  upTo: number;
  resolve: () => void;
}

/** Where the built worker entry lies next to this module (dist/event-worker.js, or .cjs in the CommonJS build). */
function workerFile(): string | null {
  try {
    const here = import.meta.url;
    const url = new URL(here.endsWith(".cjs") ? "./event-worker.cjs" : "./event-worker.js", here);
    const file = fileURLToPath(url);
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

function eventThread(logger: Logger): EventThread | null {
  if (!isMainThread && (workerData as Record<string, unknown> | null)?.[EVENT_THREAD_MARK]) return null;
  if (shared !== undefined && !shared?.dead) return shared;
  const file = workerFile();
  try {
    shared = file ? new EventThread(file) : null;
  } catch (err) {
    logger.debug(`interceptor: no event thread (${(err as Error)?.message}); events are built in-thread`);
    shared = null;
  }
  return shared;
}

/**
 * One installation's way to the event thread: finished calls are encoded where they end (a few field
 * copies), gathered for up to BATCH_WAIT_MS or BATCH_CALLS, and posted; the serialized events come back
 * to the client's queue. The client waits for the lane before it flushes or closes.
 */
export class EventLane implements EventSource {
  readonly #thread: EventThread;
  readonly #link: SourceLink;
  readonly #enforcement: EnforcementMode;
  readonly #batch = new RecordWriter();
  #timer: NodeJS.Timeout | null = null;
  /** Date.now() - performance.now(), taken as each batch starts: calls end on the performance clock. */
  #epochOffset = 0;
  #posted = 0;
  /** Every batch up to this one (in the order posted) is answered. */
  #answered = 0;
  /** The thread's seq of each batch posted and not answered, to its place in this lane's order. */
  readonly #ordinals = new Map<number, number>();
  /** Answered batches past `#answered` (answers can come out of order: see EventThread.post). */
  readonly #early = new Set<number>();
  /** Batches up to this one were emitted before the client's close(). */
  #sealedAt = Number.POSITIVE_INFINITY;
  #waiters: Waiter[] = [];

  private constructor(
    thread: EventThread,
    attach: (s: EventSource) => SourceLink,
    enforcement: EnforcementMode,
  ) {
    this.#thread = thread;
    this.#enforcement = enforcement;
    this.#link = attach(this);
  }

  /** A lane to the event thread, or null when there is none (events are then built in-thread). */
  static open(
    attach: (s: EventSource) => SourceLink,
    enforcement: EnforcementMode,
    logger: Logger,
    thread: EventThread | null = eventThread(logger),
  ): EventLane | null {
    return thread ? new EventLane(thread, attach, enforcement) : null;
  }

  get busy(): boolean {
    return this.#batch.count > 0 || this.#answered < this.#posted;
  }

  /** Takes a finished call. Never throws into the adapter that calls it (its caller guards it too). */
  push(record: CallRecord): void {
    // The event's timestamp is the wall-clock time the call ended. Reading the wall clock once per batch
    // rather than once per call: within a batch's 100 ms the two clocks cannot drift apart measurably.
    if (this.#batch.count === 0) this.#epochOffset = Date.now() - performance.now();
    this.#batch.add(record, Math.floor(this.#epochOffset + record.startedAt + record.durationMs));
    if (this.#batch.full) this.#post();
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#post(), BATCH_WAIT_MS);
      this.#timer.unref();
    }
  }

  drain(sealing: boolean): Promise<void> {
    this.#post();
    if (sealing) this.#sealedAt = Math.min(this.#sealedAt, this.#posted);
    if (this.#answered >= this.#posted) return Promise.resolve();
    const release = this.#thread.hold();
    return new Promise<void>((resolve) => {
      this.#waiters.push({ upTo: this.#posted, resolve });
    }).finally(release);
  }

  drainNow(): void {
    try {
      this.#post();
      this.#thread.reclaim();
    } catch {
      // serializeSafely does not throw; this only keeps the exit path safe whatever happens here.
    }
  }

  /** Hands what is left over and leaves the client once the thread has answered. */
  close(): void {
    void this.drain(false).then(() => this.#link.detach());
  }

  /**
   * An answer from the thread (or from this thread, when it is gone); `nums` are the batch's numbers,
   * which nothing reads any more.
   */
  deliver(out: SerializedBatch, nums: Float64Array): void {
    this.#batch.recycle(nums);
    const ordinal = this.#ordinals.get(out.seq);
    if (ordinal === undefined) return;
    this.#ordinals.delete(out.seq);
    this.#early.add(ordinal);
    while (this.#early.delete(this.#answered + 1)) this.#answered++;
    try {
      this.#link.accept(out.json, out.bytes, out.invalid, ordinal <= this.#sealedAt);
    } finally {
      const still: Waiter[] = [];
      for (const w of this.#waiters) {
        if (w.upTo <= this.#answered) w.resolve();
        else still.push(w);
      }
      this.#waiters = still;
    }
  }

  #post(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#batch.count === 0) return;
    const ordinal = ++this.#posted;
    const seq = this.#thread.post(this, {
      agentId: this.#link.agentId(),
      enforcement: this.#enforcement,
      ...this.#batch.take(),
    });
    this.#ordinals.set(seq, ordinal);
  }
}

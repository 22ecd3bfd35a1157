import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { readerOf, type SqliteReader, type ThreadedJob } from "./replay-part.js";
import type { ReplayCounts } from "./replay-tally.js";

// The thread's entry, next to this module once built (dist/replay-thread.js). Running from the
// TypeScript sources it is absent, and replays stay on the server's thread unless a test starts one.
const THREAD = new URL("./replay-thread.js", import.meta.url);

export interface ReplayThreadOptions {
  /**
   * Windows of at least this many events (on SQLite, in a file) are shared with a second thread;
   * smaller ones, where starting the work there costs more than it saves, stay on the server's thread.
   */
  from?: number;
  /** Starts the thread; by default the built entry, when there is one (null: never a thread). */
  start?: (() => Worker) | null;
  /**
   * Whether a shared replay that did not run on two cores at once keeps the next ones on the server's
   * thread for a while (see `paysOff`); default true.
   */
  adaptive?: boolean;
}

// A shared replay's process CPU time over its wall time, below which the two threads did not run at
// once (another job had the second core): 1.1-1.25 then (V8's compiler and GC threads count too, most
// in a fresh server's first replays), 1.8-1.95 with a core free for each (here).
const PARALLEL_RATIO = 1.5;
// How long replays then stay on the server's thread before one shares again, to see.
const RECHECK_MS = 60_000;

// The thread's young generation (V8's default is 16-32 MB): a part's pages, parsed payloads and requests
// die young, and fewer of them live through a scavenge to be copied (one side-by-side run here, six
// replays each: 655-776 ms of CPU per replay against 800-1,000 ms with the default).
const YOUNG_MB = 64;

/** Windows from this many events on are shared (100,000 took ~1 s on one thread, here). */
const SHARED_FROM = 20_000;

/**
 * The replay's second thread, started on the first replay of a SQLite file and kept (its compiled code
 * stays warm, its connection open), and this thread's own read-only connection. `close` stops both.
 */
export class ReplayThreads {
  readonly from: number;
  readonly #start: (() => Worker) | null;
  #worker: Worker | null = null;
  #jobs = 0;
  readonly #waiting = new Map<
    number,
    { resolve: (parts: Map<number, ReplayCounts>) => void; reject: (err: Error) => void }
  >();
  #reader: SqliteReader | null = null;
  /** Parts the thread counted, over every replay (for tests: a failed thread's parts are counted here). */
  partsCounted = 0;
  readonly #adaptive: boolean;
  #paidOff = true;
  #checkedAt = 0;

  constructor(options: ReplayThreadOptions = {}) {
    this.from = options.from ?? SHARED_FROM;
    this.#adaptive = options.adaptive ?? true;
    // With one core, a second thread only adds its own costs (the split, its memo, its JIT).
    this.#start =
      options.start !== undefined
        ? options.start
        : existsSync(fileURLToPath(THREAD)) && availableParallelism() > 1
          ? () => new Worker(THREAD, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } })
          : null;
  }

  get available(): boolean {
    return this.#start !== null;
  }

  /**
   * Gives the job to the thread: resolves with the counts of each part it took, once it has taken
   * the last; rejects if it failed (the parts it took are then not counted: the caller counts them).
   */
  post(job: ThreadedJob): Promise<Map<number, ReplayCounts>> {
    let worker: Worker;
    try {
      worker = this.#thread();
    } catch (err) {
      return Promise.reject(err);
    }
    const id = ++this.#jobs;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, job });
    });
  }

  /**
   * Whether sharing a window pays off now: it did the last time, or that was over a minute ago. With
   * every core busy, two threads are no faster than one and cost more CPU (each decides what its own
   * memo has not met; the thread's code warms up apart).
   */
  get paysOff(): boolean {
    return !this.#adaptive || this.#paidOff || Date.now() - this.#checkedAt > RECHECK_MS;
  }

  /** What a shared replay took: the process's CPU time and the wall time, in ms. */
  record(cpuMs: number, wallMs: number): void {
    this.#paidOff = cpuMs >= PARALLEL_RATIO * wallMs;
    this.#checkedAt = Date.now();
  }

  /** Starts the thread if it is not running, so that it has loaded by the time a job comes. */
  warm(): void {
    try {
      if (this.#start !== null) this.#thread();
    } catch {
      // `post` tries again, and the replay counts every part here if that fails too.
    }
  }

  /** This thread's read-only connection to the database file (kept for the next replay). */
  reader(path: string): SqliteReader {
    this.#reader = readerOf(this.#reader, path);
    return this.#reader;
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = this.#start!();
    worker.on(
      "message",
      (m: { id: number; parts: [number, ReplayCounts][] } | { id: number; error: string }) => {
        const waiting = this.#waiting.get(m.id);
        this.#waiting.delete(m.id);
        if (this.#waiting.size === 0) worker.unref();
        if ("error" in m) waiting?.reject(new Error(`replay thread: ${m.error}`));
        else {
          this.partsCounted += m.parts.length;
          waiting?.resolve(new Map(m.parts));
        }
      },
    );
    // A thread that died fails the jobs it had (the server's thread counts their parts) and is
    // started again for the next replay.
    const gone = (err: Error) => {
      if (this.#worker === worker) this.#worker = null;
      for (const w of this.#waiting.values()) w.reject(err);
      this.#waiting.clear();
    };
    worker.on("error", gone);
    worker.on("exit", (code) => gone(new Error(`replay thread exited (${code})`)));
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    this.#reader?.close();
    this.#reader = null;
    const worker = this.#worker;
    this.#worker = null;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.postMessage({ close: true });
    const timer = setTimeout(() => void worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}

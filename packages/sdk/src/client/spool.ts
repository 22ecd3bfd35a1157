import { createHash, randomBytes } from "node:crypto";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where spools live when no directory is given: `$TRUSERA_SPOOL_DIR`, else `~/.trusera/spool`. */
export function defaultSpoolDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRUSERA_SPOOL_DIR ? resolve(env.TRUSERA_SPOOL_DIR) : join(homedir(), ".trusera", "spool");
}

/**
 * One spool per server and API key (a sub-directory named by a hash of both, never the key itself):
 * events are only ever delivered to the project they were tracked for.
 */
export function spoolPartition(baseUrl: string, apiKey: string): string {
  return createHash("sha256").update(`${baseUrl}\n${apiKey}`).digest("hex").slice(0, 32);
}

/** A batch taken from the spool by one client: send it, then `done()`, or `release()` it for later. */
export interface SpooledBatch {
  /** The events as serialized JSON, one per entry. */
  events: string[];
  /** The batch's Idempotency-Key, the same on every attempt. */
  idempotencyKey: string;
  /** Drops the writer had not reported to the server yet. */
  dropped: number;
  /** Deletes the file: the server acknowledged it (or refused it for good). */
  done(): void;
  /** Puts the file back for a later attempt (by this client or another). */
  release(): void;
}

const BATCH = /^\d{13}-\d{8}-\d+-[0-9a-f]{8}\.batch$/;
const CLAIM = /^(\d{13}-\d{8}-\d+-[0-9a-f]{8}\.batch)\.claim-(\d+)-[0-9a-f]{8}$/;
/** Orders the batches one process writes within one millisecond. */
let written = 0;
/** A claim whose holder still lives is taken over after this long anyway (pid reuse, a hung process). */
const CLAIM_STALE_MS = 10 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Events that could not be delivered, on disk, for the next client with the same server and key
 * (format: docs/spool.md). Files are written whole under a temporary name and renamed into place;
 * a client takes a file by renaming it to a claim, which only one process can do, so two clients
 * sharing a spool never send one file twice. Bounded by bytes and files. Synchronous on purpose:
 * it runs in `exit` and signal handlers, where nothing asynchronous completes.
 */
export class Spool {
  readonly #held = new Map<string, string>();
  #scanned: { files: number; size: number; at: number } | undefined;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    readonly maxFiles: number,
  ) {}

  /**
   * Writes one batch. Returns false (and writes nothing) when the spool is full or cannot be written;
   * the caller counts those events as lost.
   */
  write(events: readonly string[], idempotencyKey: string, dropped: number): boolean {
    const body = `{"version":1,"idempotency_key":${JSON.stringify(idempotencyKey)},"created_at":${JSON.stringify(new Date().toISOString())},"dropped":${dropped},"count":${events.length},"events":[${events.join(",")}]}\n`;
    const bytes = Buffer.byteLength(body);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const usage = this.#usage();
    if (usage.files + 1 > this.maxFiles || usage.size + bytes > this.maxBytes) return false;
    const seq = String(written++ % 1e8).padStart(8, "0");
    const name = `${String(Date.now()).padStart(13, "0")}-${seq}-${process.pid}-${randomBytes(4).toString("hex")}.batch`;
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, body, { mode: 0o600, flag: "wx" });
    renameSync(tmp, join(this.dir, name));
    usage.files++;
    usage.size += bytes;
    return true;
  }

  /** Takes the oldest batch no other live client holds, or undefined when there is none. */
  claim(): SpooledBatch | undefined {
    let names: string[];
    try {
      names = readdirSync(this.dir).sort();
    } catch {
      return undefined;
    }
    for (const name of names) {
      let original: string | undefined;
      if (BATCH.test(name)) original = name;
      else {
        const m = CLAIM.exec(name);
        if (!m || this.#held.has(m[1]!) || !this.#stale(name, Number(m[2]))) continue;
        original = m[1]!;
      }
      const claimed = `${original}.claim-${process.pid}-${randomBytes(4).toString("hex")}`;
      try {
        renameSync(join(this.dir, name), join(this.dir, claimed));
      } catch {
        continue; // another client took it first
      }
      const batch = this.#read(original, claimed);
      if (batch) return batch;
    }
    return undefined;
  }

  /** Puts back every batch this process holds (at exit: the next client takes them). */
  releaseAll(): void {
    for (const [original, claimed] of [...this.#held]) this.#putBack(original, claimed);
  }

  #read(original: string, claimed: string): SpooledBatch | undefined {
    const path = join(this.dir, claimed);
    let parsed: { idempotency_key?: unknown; dropped?: unknown; events?: unknown };
    let bytes = 0;
    try {
      const text = readFileSync(path, "utf8");
      bytes = Buffer.byteLength(text);
      parsed = JSON.parse(text);
    } catch {
      // Not ours to understand (a torn or foreign file): set aside, never deleted, never resent.
      this.#setAside(path, original);
      return undefined;
    }
    if (typeof parsed.idempotency_key !== "string" || !Array.isArray(parsed.events)) {
      this.#setAside(path, original);
      return undefined;
    }
    this.#held.set(original, claimed);
    return {
      events: parsed.events.map((e) => JSON.stringify(e)),
      idempotencyKey: parsed.idempotency_key,
      dropped: typeof parsed.dropped === "number" && parsed.dropped > 0 ? parsed.dropped : 0,
      done: () => {
        this.#held.delete(original);
        try {
          unlinkSync(path);
          if (this.#scanned) {
            this.#scanned.files--;
            this.#scanned.size -= bytes;
          }
        } catch {
          // Already gone.
        }
      },
      release: () => this.#putBack(original, claimed),
    };
  }

  #putBack(original: string, claimed: string): void {
    this.#held.delete(original);
    try {
      renameSync(join(this.dir, claimed), join(this.dir, original));
    } catch {
      // Taken over as stale by another client: it is theirs now.
    }
  }

  #setAside(path: string, original: string): void {
    try {
      renameSync(path, join(this.dir, `${original}.unreadable`));
    } catch {
      // Nothing more to do.
    }
  }

  #stale(name: string, pid: number): boolean {
    if (pid !== process.pid && !alive(pid)) return true;
    try {
      return Date.now() - statSync(join(this.dir, name)).ctimeMs > CLAIM_STALE_MS;
    } catch {
      return false;
    }
  }

  /**
   * Files and bytes in the spool. Scanned at most once a second: an exit that writes a hundred
   * batches in a row counts its own writes instead of listing the directory a hundred times.
   */
  #usage(): { files: number; size: number } {
    const now = Date.now();
    if (this.#scanned && now - this.#scanned.at < 1000) return this.#scanned;
    let files = 0;
    let size = 0;
    for (const name of readdirSync(this.dir)) {
      if (!name.includes(".batch")) continue;
      try {
        size += statSync(join(this.dir, name)).size;
        files++;
      } catch {
        // Delivered meanwhile.
      }
    }
    this.#scanned = { files, size, at: now };
    return this.#scanned;
  }
}

import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from "node:fs";
import { StateError } from "../errors.js";
import { isJsonObject } from "../events/validate.js";
import { canonicalJson } from "../receipts/canonical.js";
import { sha256Hex } from "../receipts/hash.js";
import type { SigningKey } from "../receipts/keys.js";
import { signReceipt } from "../receipts/sign.js";
import { GENESIS_HASH, type ReceiptBody, type SealedReceipt } from "../receipts/types.js";
import { withFileLock } from "./lock.js";
import { ensurePrivateDir, type StatePaths } from "./paths.js";

export interface ReceiptLogOptions {
  /**
   * `fsync` after every append. Off by default: a killed process loses nothing it wrote (the data is
   * in the kernel), only a power cut or kernel crash can lose the last receipts, and a torn tail is
   * then reported by `receipts verify`. On, each append costs a disk flush (milliseconds).
   */
  fsync?: boolean;
  lockTimeoutMs?: number;
}

const O_APPEND_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
const TAIL_CHUNK = 64 * 1024;

/**
 * The append-only receipt log of a state directory: `receipts/receipts.ndjson`, one JCS receipt a
 * line, each chained to the one before and signed. Several processes may append to one log: each
 * append takes a short file lock, re-reads the tail if another process wrote since, and writes its
 * line with a single `write` on an `O_APPEND` descriptor, so a killed writer can at worst leave a torn
 * last line, never damage an earlier one. `receipts/head.json` holds a copy of the newest receipt so
 * that cutting the tail is detected.
 */
export class ReceiptLog {
  private readonly fd: number;
  private readonly headFd: number;
  private knownSize = -1;
  private seq = 0;
  private lastHash = GENESIS_HASH;
  private needsNewline = false;
  private closed = false;

  private constructor(
    private readonly paths: StatePaths,
    private readonly key: SigningKey,
    private readonly options: ReceiptLogOptions,
  ) {
    ensurePrivateDir(paths.receiptsDir);
    try {
      this.fd = openSync(paths.log, O_APPEND_FLAGS, 0o600);
      this.headFd = openSync(paths.head, constants.O_RDWR | constants.O_CREAT, 0o600);
    } catch (err) {
      throw new StateError(`cannot open the receipt log in ${paths.receiptsDir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  static open(paths: StatePaths, key: SigningKey, options: ReceiptLogOptions = {}): ReceiptLog {
    return new ReceiptLog(paths, key, options);
  }

  get path(): string {
    return this.paths.log;
  }

  /** Chains, signs and appends one receipt; returns it sealed. Synchronous: it is on the decision path. */
  append<B extends ReceiptBody>(body: B): B & SealedReceipt {
    if (this.closed) throw new StateError("the receipt log is closed");
    return withFileLock(
      this.paths.logLock,
      () => {
        const size = fstatSync(this.fd).size;
        if (size !== this.knownSize) this.readTail(size);
        const unsigned = { ...body, chain: { seq: this.seq + 1, prev_hash: this.lastHash } };
        const signed = signReceipt(unsigned, this.key);
        const bytes = Buffer.from(`${this.needsNewline ? "\n" : ""}${signed.canonical}\n`, "utf8");
        writeAll(this.fd, bytes, null);
        if (this.options.fsync) fsyncSync(this.fd);
        this.knownSize = size + bytes.length;
        this.needsNewline = false;
        this.seq++;
        this.lastHash = signed.hash;
        // The head copy is written in place at offset 0; readers take its first line.
        writeAll(this.headFd, Buffer.from(`${signed.canonical}\n`, "utf8"), 0);
        return signed.receipt as unknown as B & SealedReceipt;
      },
      { timeoutMs: this.options.lockTimeoutMs },
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fsyncSync(this.fd);
    } catch {
      // Best effort: the data is already in the kernel.
    }
    closeSync(this.fd);
    closeSync(this.headFd);
  }

  /** Finds the last complete receipt (seq and hash) from the end of the file; skips a torn last line. */
  private readTail(size: number): void {
    this.seq = 0;
    this.lastHash = GENESIS_HASH;
    this.needsNewline = false;
    if (size === 0) {
      this.knownSize = 0;
      return;
    }
    const rfd = openSync(this.paths.log, "r");
    try {
      const last = Buffer.alloc(1);
      readSync(rfd, last, 0, 1, size - 1);
      this.needsNewline = last[0] !== 0x0a;
      for (let chunk = TAIL_CHUNK; ; chunk *= 4) {
        const start = Math.max(0, size - chunk);
        const buf = Buffer.alloc(size - start);
        readSync(rfd, buf, 0, buf.length, start);
        let text = buf.toString("utf8");
        // Unless we read from the start, the first piece may be the end of a longer line: drop it.
        if (start > 0) text = text.slice(text.indexOf("\n") + 1);
        const lines = text.split("\n");
        for (let i = lines.length - 1; i >= 0; i--) {
          const line = lines[i]!;
          if (line === "") continue;
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            continue; // torn: a writer was killed mid-write; verify reports it
          }
          if (!isJsonObject(value) || !isJsonObject(value.chain) || typeof value.chain.seq !== "number")
            continue;
          this.seq = value.chain.seq;
          this.lastHash = sha256Hex(canonicalJson(value));
          this.knownSize = size;
          return;
        }
        if (start === 0) break;
      }
      this.knownSize = size; // nothing readable: start a chain at seq 1 (verify will report the rest)
    } finally {
      closeSync(rfd);
    }
  }
}

function writeAll(fd: number, bytes: Buffer, position: number | null): void {
  let off = 0;
  while (off < bytes.length) {
    const n = writeSync(fd, bytes, off, bytes.length - off, position === null ? null : position + off);
    if (n <= 0) throw new StateError("write to the receipt log made no progress");
    off += n;
  }
}

/** The log's text and the head checkpoint's first line, for listing and verification. */
export function readReceiptLog(paths: StatePaths): {
  text: string;
  head: string | undefined;
  exists: boolean;
} {
  if (!existsSync(paths.log)) return { text: "", head: undefined, exists: false };
  const text = readFileSync(paths.log, "utf8");
  let head: string | undefined;
  try {
    const raw = readFileSync(paths.head, "utf8");
    const nl = raw.indexOf("\n");
    head = nl < 0 ? raw : raw.slice(0, nl);
  } catch {
    head = undefined;
  }
  return { text, head, exists: true };
}

/** Parses the complete receipts of a log text (torn or unreadable lines are skipped: use verify for those). */
export function parseReceipts(text: string): SealedReceipt[] {
  const out: SealedReceipt[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      const v = JSON.parse(line);
      if (isJsonObject(v)) out.push(v as unknown as SealedReceipt);
    } catch {
      // skipped
    }
  }
  return out;
}

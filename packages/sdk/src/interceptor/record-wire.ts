import { EVENT_LIMITS, isoNow, uuidv7 } from "@trusera/core";
import { TRUSTED_EVENT } from "../client/client.js";
import { fetchHref, safeUrl, stripHash } from "./call.js";
import type { EventSink } from "./decision-core.js";
import { type CallRecord, trackCall } from "./events.js";
import type { EnforcementMode, InterceptedLibrary } from "./types.js";

/**
 * Finished calls as they cross to the event thread. Structured clone copies every value of a plain
 * array one by one (about 20 ns each, far more for an object; 80 ns per string measured here), so numbers
 * go in a Float64Array (one copy of its bytes; not transferred, see EventThread.post); the two strings of
 * a call are appended to one text, their lengths among the numbers; headers, policy ids, reasons and an
 * error only for the calls that have any. Everything is redacted already (the decision core redacts the
 * URL, header values and error text before it decides), except the URL of a call marked RAW: the fetch
 * wrapper's fast path, which needs no URL to decide, leaves its parsing and redaction to
 * `serializeBatch` (nothing else ever sees it).
 */
const NUMS = 10;
const LIBRARIES: readonly InterceptedLibrary[] = ["fetch", "undici", "axios", "http"];
/** Calls per batch at most. */
export const BATCH_CALLS = 1024;

/** What the main thread posts: finished calls of one client, in order. */
export interface RecordBatch {
  seq: number;
  agentId: string | undefined;
  enforcement: EnforcementMode;
  count: number;
  /**
   * Per call: library, status (-1: none), duration, request bytes, response bytes, decision (0 allow,
   * 1 deny, 2 deny and blocked), ended at, raw URL (1), length of the method, length of the URL. Only
   * the first `count` calls' numbers are the batch's; the array may be longer.
   */
  nums: Float64Array;
  /** Per call, one after the other: method, URL. */
  text: string;
  /** Per call with any: index, headers, policy ids, reasons, error (null when empty). */
  extra: unknown[];
}

/** What comes back: the events serialized, as the client queues them. */
export interface SerializedBatch {
  seq: number;
  json: string[];
  bytes: number[];
  /** Events over the size limit, dropped (the client counts them as invalid). */
  invalid: number;
}

// Staging arrays kept for reuse once their batch is answered (RecordWriter.recycle); a few cover a thread
// that answers in time, and past that an array is simply left to the collector.
const SPARE_ARRAYS = 4;

/**
 * Gathers finished calls for one batch. The numbers are written to a staging array that goes with the batch
 * as it is (posting copies its bytes; the calls past `count` are never read) and comes back for reuse
 * once the batch is answered: allocating an array per batch cost the calling thread ~70 µs per batch here
 * (the backing store is allocated outside the heap), ~0.5 µs per call.
 */
export class RecordWriter {
  #nums: Float64Array = new Float64Array(BATCH_CALLS * NUMS);
  readonly #spare: Float64Array[] = [];
  #text = "";
  #extra: unknown[] = [];
  count = 0;

  /** Appends one finished (or blocked) call; `now` is the epoch millisecond it ended, the event's timestamp. */
  add(record: CallRecord, now: number): void {
    const { call, verdict } = record;
    const n = this.#nums;
    const o = this.count * NUMS;
    n[o] = LIBRARIES.indexOf(call.library);
    n[o + 1] = record.status ?? -1;
    n[o + 2] = record.durationMs;
    n[o + 3] = record.requestBytes;
    n[o + 4] = record.responseBytes;
    n[o + 5] = verdict.decision === "deny" ? (verdict.blocked ? 2 : 1) : 0;
    n[o + 6] = now;
    n[o + 7] = call.rawUrl ? 1 : 0;
    n[o + 8] = call.method.length;
    n[o + 9] = call.url.length;
    // Appending makes a rope that posting flattens once: far cheaper than a string per value to clone.
    this.#text += call.method;
    this.#text += call.url;
    let headers: Record<string, string> | null = null;
    for (const _ in call.headers) {
      headers = call.headers;
      break;
    }
    const ids = verdict.policyIds.length > 0 ? verdict.policyIds : null;
    const reasons = verdict.reasons.length > 0 ? verdict.reasons : null;
    const error = record.error ?? null;
    if (headers || ids || reasons || error !== null)
      this.#extra.push(this.count, headers, ids, reasons, error);
    this.count++;
  }

  get full(): boolean {
    return this.count >= BATCH_CALLS;
  }

  /**
   * The calls gathered so far, as a batch's fields; the writer starts empty again, on a spare array. Give
   * `nums` back with `recycle` once nothing reads the batch any more.
   */
  take(): Pick<RecordBatch, "count" | "nums" | "text" | "extra"> {
    const out = { count: this.count, nums: this.#nums, text: this.#text, extra: this.#extra };
    this.#nums = this.#spare.pop() ?? new Float64Array(BATCH_CALLS * NUMS);
    this.count = 0;
    this.#text = "";
    this.#extra = [];
    return out;
  }

  /** Takes back the numbers of a batch that is answered, for a later batch. */
  recycle(nums: Float64Array): void {
    // Never twice, nor the array being written: two batches must never share one.
    if (
      nums.length === BATCH_CALLS * NUMS &&
      this.#spare.length < SPARE_ARRAYS &&
      nums !== this.#nums &&
      !this.#spare.includes(nums)
    )
      this.#spare.push(nums);
  }
}

const EMPTY: readonly string[] = Object.freeze([]);

/** What a fetch wrapper was given, as fetch normalizes it, then redacted like any recorded URL. */
function normalizeRaw(raw: string): string {
  let href: string;
  try {
    href = fetchHref(raw);
  } catch {
    href = stripHash(raw);
  }
  return safeUrl(href);
}

/**
 * Builds the events of a batch exactly as `trackCall` does on the main thread (same code, same JSON),
 * with the id and timestamp the client would have given them at the time each call ended.
 */
export function serializeBatch(batch: RecordBatch): SerializedBatch {
  const out: SerializedBatch = { seq: batch.seq, json: [], bytes: [], invalid: 0 };
  let now = 0;
  const sink: EventSink = {
    track(event) {
      const serialize = event[TRUSTED_EVENT]!;
      const json = serialize(uuidv7(now), isoNow(now), batch.agentId);
      const bytes = Buffer.byteLength(json);
      if (bytes > EVENT_LIMITS.maxEventBytes) out.invalid++;
      else {
        out.json.push(json);
        out.bytes.push(bytes);
      }
    },
  };
  const extra = new Map<number, number>();
  for (let e = 0; e + 5 <= batch.extra.length; e += 5) extra.set(batch.extra[e] as number, e);
  const n = batch.nums;
  const text = batch.text;
  let at = 0;
  for (let i = 0; i < batch.count; i++) {
    const o = i * NUMS;
    const x = extra.get(i);
    const more = x === undefined ? null : batch.extra;
    const deny = n[o + 5]! > 0;
    now = n[o + 6]!;
    const urlAt = at + n[o + 8]!;
    const method = text.slice(at, urlAt);
    at = urlAt + n[o + 9]!;
    const url = text.slice(urlAt, at);
    const record: CallRecord = {
      call: {
        library: LIBRARIES[n[o]!] ?? "fetch",
        method,
        url: n[o + 7] === 1 ? normalizeRaw(url) : url,
        headers: (more?.[x! + 1] as Record<string, string> | null) ?? {},
      },
      verdict: {
        decision: deny ? "deny" : "allow",
        policyIds: (more?.[x! + 2] as string[] | null) ?? (EMPTY as string[]),
        reasons: (more?.[x! + 3] as string[] | null) ?? (EMPTY as string[]),
        blocked: n[o + 5] === 2,
      },
      startedAt: 0,
      durationMs: n[o + 2]!,
      status: n[o + 1] === -1 ? null : n[o + 1]!,
      requestBytes: n[o + 3]!,
      responseBytes: n[o + 4]!,
      requestBody: null,
      responseBody: null,
      requestContentType: undefined,
      responseContentType: undefined,
      responseEncoding: undefined,
      error: (more?.[x! + 4] as string | null) ?? undefined,
      done: true,
    };
    trackCall(sink, record, batch.enforcement);
  }
  return out;
}

/** serializeBatch, which never throws into the host: a batch it cannot build is counted as invalid. */
export function serializeSafely(batch: RecordBatch): SerializedBatch {
  try {
    return serializeBatch(batch);
  } catch {
    return { seq: batch.seq, json: [], bytes: [], invalid: batch.count };
  }
}

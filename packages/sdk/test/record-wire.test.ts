import { isoNow, uuidv7 } from "@trusera/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TRUSTED_EVENT, type TrustedSerializer } from "../src/client/client.js";
import { safeUrl } from "../src/interceptor/call.js";
import { type CallRecord, trackCall } from "../src/interceptor/events.js";
import {
  BATCH_CALLS,
  type RecordBatch,
  RecordWriter,
  serializeBatch,
} from "../src/interceptor/record-wire.js";
import type { EnforcementMode } from "../src/interceptor/types.js";
import { callRecord } from "./support/call-record.js";

// What the event thread builds from a batch must be, event for event, what the application's thread
// builds from the same calls (trackCall, then the client's serializer), apart from the id; a URL the fetch
// wrapper's fast path passed unparsed must come out exactly as the decision core would have recorded it.

const record = callRecord;

/** The events as the main thread would serialize them, with the id left out. */
function onMainThread(r: CallRecord, now: number, enforcement: EnforcementMode, agent?: string): unknown[] {
  const out: unknown[] = [];
  const call = r.call.rawUrl
    ? { ...r.call, url: safeUrl(new URL(r.call.url).href.replace(/#.*$/, "")), rawUrl: undefined }
    : r.call;
  trackCall(
    {
      track: (e) => {
        const json = (e[TRUSTED_EVENT] as TrustedSerializer)(uuidv7(now), isoNow(now), agent);
        const { id: _, ...rest } = JSON.parse(json);
        out.push(rest);
      },
    },
    { ...r, call },
    enforcement,
  );
  return out;
}

function onEventThread(records: CallRecord[], nows: number[], enforcement: EnforcementMode, agent?: string) {
  const writer = new RecordWriter();
  for (const [i, r] of records.entries()) writer.add(r, nows[i]!);
  // Through a structured clone, as postMessage delivers it.
  const batch: RecordBatch = structuredClone({ seq: 7, agentId: agent, enforcement, ...writer.take() });
  const out = serializeBatch(batch);
  expect(out.seq).toBe(7);
  expect(out.bytes).toEqual(out.json.map((j) => Buffer.byteLength(j)));
  return out.json.map((j) => JSON.parse(j) as Record<string, unknown>);
}

describe("events built on the event thread", () => {
  it("are what the application's thread builds, for every kind of call", () => {
    const now = Date.UTC(2026, 11, 6, 10, 0, 0, 123);
    const records = [
      record(),
      record({ status: null, error: "ECONNREFUSED 127.0.0.1:9", durationMs: 0.001 }),
      record(
        { verdict: { decision: "deny", policyIds: ["p1", "p2"], reasons: ["no evil"], blocked: true } },
        { library: "axios", method: "POST", headers: { authorization: "[REDACTED]", "x-n": "1" } },
      ),
      record({}, { library: "undici", method: "DELETE" }),
      record({}, { library: "http", url: "http://127.0.0.1:8080/x" }),
      record(
        { requestBytes: 12345, responseBytes: 67890 },
        {
          url: "HTTP://User:pw@Host.Example:443/a/../b?access_token=abc&x=1#frag=sk-proj-abcdefghijklmnopqrst",
          rawUrl: true,
        },
      ),
    ];
    const nows = records.map((_, i) => now + i);
    for (const enforcement of ["log", "warn", "block"] as const) {
      const expected = records.flatMap((r, i) => onMainThread(r, nows[i]!, enforcement, "agent-7"));
      const got = onEventThread(records, nows, enforcement, "agent-7");
      expect(got.map(({ id: _, ...rest }) => rest)).toEqual(expected);
      // A deny is an api_call and a policy_violation.
      expect(got.map((e) => e.type)).toEqual([
        "api_call",
        "api_call",
        "api_call",
        "policy_violation",
        "api_call",
        "api_call",
        "api_call",
      ]);
      for (const e of got)
        expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    }
    const raw = onEventThread([records[5]!], [now], "log")[0]!;
    expect((raw.payload as { url: string }).url).toBe(
      "http://User:[REDACTED]@host.example:443/b?access_token=[REDACTED]&x=1",
    );
    expect(JSON.stringify(raw)).not.toMatch(/abc&|pw@|frag|sk-proj/);
    expect(raw).not.toHaveProperty("agent_id");
  });

  it("redacts any unparsed URL as the decision core would (property)", () => {
    const secretish = fc.constantFrom("token", "api_key", "password", "sig", "q", "page", "code");
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constant("sk-proj-abcdefghijklmnopqrstuvwx"),
      fc.constant("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz"),
    );
    const url = fc
      .tuple(
        fc.constantFrom("http", "https", "HTTP"),
        fc.constantFrom("api.example.com", "127.0.0.1:8080", "User:secret@h.example"),
        fc.array(fc.webSegment(), { maxLength: 3 }),
        fc.array(fc.tuple(secretish, value), { maxLength: 4 }),
        fc.option(fc.tuple(secretish, value)),
      )
      .map(([scheme, host, path, query, hash]) => {
        const q = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
        return `${scheme}://${host}/${path.join("/")}${q ? `?${q}` : ""}${hash ? `#${hash[0]}=${hash[1]}` : ""}`;
      });
    fc.assert(
      fc.property(url, (href) => {
        const r = record({}, { url: href, rawUrl: true });
        const got = onEventThread([r], [1_700_000_000_000], "log")[0]!;
        const { id: _, ...rest } = got;
        expect(rest).toEqual(onMainThread(r, 1_700_000_000_000, "log")[0]);
      }),
      { numRuns: 500 },
    );
  });

  it("fills a batch up to BATCH_CALLS and starts empty after take()", () => {
    const w = new RecordWriter();
    for (let i = 0; i < BATCH_CALLS; i++) w.add(record(), i);
    expect(w.full).toBe(true);
    const b = w.take();
    expect(b.count).toBe(BATCH_CALLS);
    expect(b.nums.length).toBe(BATCH_CALLS * 10);
    expect(w.count).toBe(0);
    expect(w.full).toBe(false);
    expect(w.take().count).toBe(0);
  });

  it("never writes into a batch's numbers until the batch is given back", () => {
    const w = new RecordWriter();
    w.add(record({ status: 201 }), 1);
    const first = w.take();
    const kept = Float64Array.from(first.nums);
    // Later batches go on other arrays while the first is out...
    for (let round = 0; round < 3; round++) {
      w.add(record({ status: 500 + round }), 2);
      const next = w.take();
      expect(next.nums).not.toBe(first.nums);
      w.recycle(next.nums);
    }
    expect(first.nums).toEqual(kept);
    // ...and once it is given back, a later batch may reuse it.
    w.recycle(first.nums);
    const seen = new Set<Float64Array>();
    for (let round = 0; round < 3; round++) {
      w.add(record(), 3);
      const b = w.take();
      seen.add(b.nums);
      w.recycle(b.nums);
    }
    expect(seen.has(first.nums)).toBe(true);
  });

  it("hands an array given back twice to one batch only", () => {
    const w = new RecordWriter();
    const x = w.take();
    w.recycle(x.nums);
    w.recycle(x.nums);
    const taken = [w.take().nums, w.take().nums, w.take().nums];
    expect(new Set(taken).size).toBe(3);
  });
});

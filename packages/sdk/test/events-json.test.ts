import { describe, expect, it } from "vitest";
import { TRUSTED_EVENT, type TrustedSerializer } from "../src/client/client.js";
import { BodyCapture } from "../src/interceptor/body.js";
import type { EventSink } from "../src/interceptor/decision-core.js";
import { type CallRecord, trackCall } from "../src/interceptor/events.js";
import { callRecord } from "./support/call-record.js";

// The interceptor writes its events' JSON by hand (it is on the path of every call); it must be exactly
// what JSON.stringify gives for the same event object, which is what every other event goes through.

type Tracked = Parameters<EventSink["track"]>[0];

function capture(record: CallRecord, enforcement: "log" | "warn" | "block" = "log"): Tracked[] {
  const out: Tracked[] = [];
  trackCall({ track: (e) => out.push(e) }, record, enforcement);
  return out;
}

function record(overrides: Partial<CallRecord> = {}): CallRecord {
  return callRecord(
    {
      verdict: { decision: "allow", policyIds: ["trusera.default-allow"], reasons: [], blocked: false },
      durationMs: 12.3456789,
      status: 201,
      requestBytes: 10,
      responseBytes: 0,
      ...overrides,
    },
    {
      method: "POST",
      url: 'https://h.example/p?q="x"&k=[REDACTED]',
      headers: { "content-type": "application/json", "x-émoji": "☃ \u0001" },
    },
  );
}

function expectSameJson(event: Tracked, id: string, ts: string, agent: string | undefined) {
  const serialize = event[TRUSTED_EVENT] as TrustedSerializer;
  const generic = JSON.stringify({
    id,
    type: event.type,
    name: event.name,
    payload: event.payload,
    metadata: event.metadata,
    timestamp: ts,
    agent_id: agent,
  });
  expect(serialize(id, ts, agent)).toBe(generic);
}

describe("interceptor event JSON", () => {
  it("is byte for byte what JSON.stringify gives, for allows, denies, errors and bodies", () => {
    const body = new BodyCapture(64);
    body.add('{"q":"naïve \\" text"}');
    const cases: CallRecord[] = [
      record(),
      record({
        status: null,
        error: 'PolicyViolationError: [Trusera] "quoted"\nline',
        durationMs: Number.NaN,
      }),
      record({
        verdict: {
          decision: "deny",
          policyIds: ["a", 'b"c'],
          reasons: ["forbidden by policy a"],
          blocked: true,
        },
        requestBody: body,
        requestContentType: "application/json",
        responseBody: new BodyCapture(10),
      }),
      record({ call: { library: "http", method: "GET", url: "http://x/", headers: {} } }),
    ];
    for (const r of cases) {
      for (const event of capture(r, "block")) {
        expectSameJson(event, "6f1c9d6e-3c2b-4b8a-9f0e-1a2b3c4d5e6f", "2026-11-22T03:27:17.123Z", undefined);
        expectSameJson(event, "0123456789abcdef0123456789abcdef", "2026-11-22T03:27:17.000Z", 'agent "x" ☃');
      }
    }
    expect(capture(cases[2]!).map((e) => e.type)).toEqual(["api_call", "policy_violation"]);
  });
});

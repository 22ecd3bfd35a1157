import type { OutboundCall } from "../../src/interceptor/call.js";
import type { CallRecord } from "../../src/interceptor/events.js";

/** A finished, allowed `GET` through fetch that answered 200 with two bytes, with `overrides` on top. */
export function callRecord(
  overrides: Partial<CallRecord> = {},
  call: Partial<OutboundCall> = {},
): CallRecord {
  return {
    call: { library: "fetch", method: "GET", url: "https://h.example/p?q=1", headers: {}, ...call },
    verdict: { decision: "allow", policyIds: [], reasons: [], blocked: false },
    startedAt: 0,
    durationMs: 1.25,
    status: 200,
    requestBytes: 0,
    responseBytes: 2,
    requestBody: null,
    responseBody: null,
    requestContentType: undefined,
    responseContentType: undefined,
    responseEncoding: undefined,
    error: undefined,
    done: true,
    ...overrides,
  };
}

import { TRUSTED_EVENT, type TrustedSerializer } from "../client/client.js";
import type { BodyCapture } from "./body.js";
import { eventName, type OutboundCall, type Verdict } from "./call.js";
import type { EventSink } from "./decision-core.js";
import type { EnforcementMode } from "./types.js";

/** What is known about one call while it runs. Adapters fill in status and sizes. */
export interface CallRecord {
  call: OutboundCall;
  verdict: Verdict;
  /** performance.now() at the decision. */
  startedAt: number;
  durationMs: number;
  status: number | null;
  requestBytes: number;
  responseBytes: number;
  requestBody: BodyCapture | null;
  responseBody: BodyCapture | null;
  requestContentType: string | undefined;
  responseContentType: string | undefined;
  responseEncoding: string | undefined;
  error: string | undefined;
  done: boolean;
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
const q = JSON.stringify;

function headersJson(headers: Record<string, string>): string {
  for (const _ in headers) return q(headers);
  return "{}";
}

// The event as JSON, written out by hand: on every intercepted call this is cheaper than building the
// event object for JSON.stringify, and it is the same text (checked by test/events-json.test.ts).
function serializer(type: string, name: string, payload: string, metadata: string): TrustedSerializer {
  return (id, timestamp, agentId) =>
    `{"id":${q(id)},"type":"${type}","name":${q(name)},"payload":${payload},"metadata":${metadata},"timestamp":${q(timestamp)}${agentId === undefined ? "" : `,"agent_id":${q(agentId)}`}}`;
}

/**
 * Tracks the `api_call` event of a finished (or blocked) call and, for a deny, the `policy_violation`
 * that goes with it. The payload and metadata are the contract in docs/policy-model.md.
 */
export function trackCall(sink: EventSink, record: CallRecord, enforcement: EnforcementMode): void {
  const { call, verdict } = record;
  const duration = round3(record.durationMs);
  const payload: Record<string, unknown> = {
    url: call.url,
    method: call.method,
    status_code: record.status,
    duration_ms: duration,
    request_size_bytes: record.requestBytes,
    response_size_bytes: record.responseBytes,
    request_headers: call.headers,
  };
  // Numbers are finite here (sizes are counts, the duration a difference of two clock readings), so a
  // template prints them as JSON does.
  let payloadJson = `{"url":${q(call.url)},"method":${q(call.method)},"status_code":${record.status === null ? "null" : record.status},"duration_ms":${Number.isFinite(duration) ? duration : "null"},"request_size_bytes":${record.requestBytes},"response_size_bytes":${record.responseBytes},"request_headers":${headersJson(call.headers)}`;
  if (record.error !== undefined) {
    payload.error = record.error;
    payloadJson += `,"error":${q(record.error)}`;
  }
  if (record.requestBody) {
    const text = record.requestBody.text(
      record.requestContentType ?? call.headers["content-type"],
      undefined,
    );
    if (text !== undefined) {
      payload.request_body = text;
      payloadJson += `,"request_body":${q(text)}`;
    }
  }
  if (record.responseBody) {
    const text = record.responseBody.text(record.responseContentType, record.responseEncoding);
    if (text !== undefined) {
      payload.response_body = text;
      payloadJson += `,"response_body":${q(text)}`;
    }
  }
  const metadata = {
    decision: verdict.decision,
    enforcement,
    policy_ids: verdict.policyIds,
    blocked: verdict.blocked,
    library: call.library,
  };
  const metadataJson = `{"decision":"${verdict.decision}","enforcement":"${enforcement}","policy_ids":${q(verdict.policyIds)},"blocked":${verdict.blocked},"library":"${call.library}"}`;
  const name = eventName(call);
  // Everything above is redacted already (safeUrl, recordHeaders, errorText, scrubBody) and valid by
  // construction, so the client may skip its generic scrub and serializer.
  sink.track({
    type: "api_call",
    name,
    payload,
    metadata,
    [TRUSTED_EVENT]: serializer("api_call", name, `${payloadJson}}`, metadataJson),
  });
  if (verdict.decision === "deny") {
    sink.track({
      type: "policy_violation",
      name,
      payload: { ...payload, reasons: verdict.reasons },
      metadata,
      [TRUSTED_EVENT]: serializer(
        "policy_violation",
        name,
        `${payloadJson},"reasons":${q(verdict.reasons)}}`,
        metadataJson,
      ),
    });
  }
}

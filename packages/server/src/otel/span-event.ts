import { createHash } from "node:crypto";
import { EVENT_LIMITS } from "@trusera/core";
import type { OtlpResourceSpans, OtlpSpan } from "./otlp-body.js";

/** Resource attribute that names the agent, before `service.name` (documented in docs/otel.md). */
export const AGENT_ATTRIBUTE = "trusera.agent.id";
const SPAN_KIND_CLIENT = 3;
const LLM_OPERATIONS = new Set(["chat", "text_completion", "generate_content", "embeddings"]);
const DECISIONS = new Set(["allow", "deny", "warn"]);

export interface MappedSpans {
  /** Events in the shape of the TypeScript SDK's dialect, for the ingest service. */
  events: Record<string, unknown>[];
  /** Spans that are neither GenAI nor HTTP client spans: counted, not stored. */
  dropped: number;
}

/**
 * One span's event id: derived from its trace and span ids, so that an exporter's retry of a batch is
 * a duplicate, not a second copy.
 */
export function spanEventId(traceId: string, spanId: string): string {
  return createHash("sha256").update(`${traceId}:${spanId}`).digest("hex").slice(0, 32);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Nanoseconds as text to microseconds (exact up to 2^53 µs, i.e. the year 2255). */
function micros(nanos: string): number {
  return Number(BigInt(nanos) / 1000n);
}

function typeOf(span: OtlpSpan): "llm_invoke" | "tool_call" | "decision" | "api_call" | null {
  const a = span.attributes;
  const op = str(a["gen_ai.operation.name"]);
  if (op === "execute_tool" || str(a["gen_ai.tool.name"]) || str(a["ai.toolCall.name"])) return "tool_call";
  if (
    (op && LLM_OPERATIONS.has(op)) ||
    str(a["gen_ai.request.model"]) ||
    str(a["gen_ai.response.model"]) ||
    (num(a["gen_ai.usage.input_tokens"]) !== null &&
      (str(a["gen_ai.system"]) || str(a["gen_ai.provider.name"])))
  )
    return "llm_invoke";
  // A decision about no model or tool call (trusera-sdk/otel exports them with this attribute).
  if (str(a["trusera.decision"])) return "decision";
  if (span.kind === SPAN_KIND_CLIENT && (str(a["http.request.method"]) || str(a["http.method"])))
    return "api_call";
  return null;
}

// A tool's input or result larger than this is kept as the start of its text: a span must not fail its
// whole export for the event size limit (256 KiB) over one big tool result.
const MAX_VALUE_CHARS = 16 * 1024;

function bounded(key: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  const value = parseJson(v);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === undefined || text.length <= MAX_VALUE_CHARS) return { [key]: value };
  return { [key]: text.slice(0, MAX_VALUE_CHARS), [`${key}_truncated`]: true };
}

function parseJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function payloadOf(
  type: string,
  span: OtlpSpan,
  durationMs: number,
): { name: string; payload: Record<string, unknown> } {
  const a = span.attributes;
  const status = span.status.code === 2 ? "error" : "ok";
  const common = {
    duration_ms: durationMs,
    status,
    ...(span.status.code === 2 && span.status.message ? { error: span.status.message } : {}),
  };
  switch (type) {
    case "llm_invoke": {
      const model = str(a["gen_ai.response.model"]) ?? str(a["gen_ai.request.model"]) ?? span.name;
      const input = num(a["gen_ai.usage.input_tokens"]) ?? num(a["gen_ai.usage.prompt_tokens"]);
      const output = num(a["gen_ai.usage.output_tokens"]) ?? num(a["gen_ai.usage.completion_tokens"]);
      return {
        name: model,
        payload: {
          model,
          provider: str(a["gen_ai.provider.name"]) ?? str(a["gen_ai.system"]) ?? null,
          operation: str(a["gen_ai.operation.name"]) ?? null,
          request_model: str(a["gen_ai.request.model"]) ?? null,
          input_tokens: input,
          output_tokens: output,
          total_tokens: input === null && output === null ? null : (input ?? 0) + (output ?? 0),
          ...(a["gen_ai.response.finish_reasons"] !== undefined
            ? { finish_reasons: a["gen_ai.response.finish_reasons"] }
            : {}),
          ...common,
        },
      };
    }
    case "tool_call": {
      const tool = str(a["gen_ai.tool.name"]) ?? str(a["ai.toolCall.name"]) ?? span.name;
      const input = a["gen_ai.tool.call.arguments"] ?? a["ai.toolCall.args"];
      const result = a["gen_ai.tool.call.result"] ?? a["ai.toolCall.result"];
      return {
        name: tool,
        payload: {
          tool,
          call_id: str(a["gen_ai.tool.call.id"]) ?? str(a["ai.toolCall.id"]) ?? null,
          ...bounded("input", input),
          ...bounded("result", result),
          ...common,
        },
      };
    }
    case "decision": {
      const step = str(a["trusera.step"]) ?? span.name;
      return {
        name: step,
        payload: {
          step,
          decision: a["trusera.decision"],
          ...(str(a["trusera.policy.id"]) ? { policy_id: a["trusera.policy.id"] } : {}),
          ...(a["trusera.reasons"] !== undefined ? { reasons: a["trusera.reasons"] } : {}),
          ...common,
        },
      };
    }
    default: {
      const method = str(a["http.request.method"]) ?? str(a["http.method"]) ?? "GET";
      const url = str(a["url.full"]) ?? str(a["http.url"]) ?? span.name;
      return {
        name: `${method} ${url}`,
        payload: {
          method,
          url,
          status_code: num(a["http.response.status_code"]) ?? num(a["http.status_code"]),
          ...common,
        },
      };
    }
  }
}

/**
 * Turns an OTLP export into events: GenAI spans (`gen_ai.*`, the Vercel AI SDK's `ai.toolCall.*`) as
 * `llm_invoke` and `tool_call`, spans with a `trusera.decision` as `decision`, HTTP client spans as
 * `api_call`; the rest is counted. Trace and span ids go into the metadata, for the trace tree.
 */
export function spansToEvents(batches: OtlpResourceSpans[]): MappedSpans {
  const events: Record<string, unknown>[] = [];
  let dropped = 0;
  for (const batch of batches) {
    const agent = str(batch.resource[AGENT_ATTRIBUTE]) ?? str(batch.resource["service.name"]) ?? null;
    for (const span of batch.spans) {
      const type = typeOf(span);
      if (!type) {
        dropped++;
        continue;
      }
      const start = micros(span.startTimeUnixNano);
      const end = micros(span.endTimeUnixNano);
      const durationMs = end >= start ? Math.round(end - start) / 1000 : 0;
      const { name, payload } = payloadOf(type, span, durationMs);
      // Any span may carry the decision recorded for it (trusera-sdk/otel sets these on every span).
      const recorded = str(span.attributes["trusera.decision"]);
      const decision = recorded && DECISIONS.has(recorded) ? recorded : undefined;
      const policyIds = span.attributes["trusera.policy.ids"];
      events.push({
        id: spanEventId(span.traceId, span.spanId),
        type,
        name: name.slice(0, EVENT_LIMITS.maxNameLength) || type,
        // An OTLP span without a start time is not rejected for it: it is stored as received.
        timestamp: start > 0 ? start : Date.now() * 1000,
        ...(agent ? { agent_id: agent } : {}),
        payload,
        metadata: {
          source: "otlp",
          trace_id: span.traceId,
          span_id: span.spanId,
          ...(span.parentSpanId ? { parent_span_id: span.parentSpanId } : {}),
          span_name: span.name.slice(0, EVENT_LIMITS.maxNameLength),
          ...(batch.scope ? { scope: batch.scope } : {}),
          ...(decision ? { decision } : {}),
          ...(Array.isArray(policyIds) ? { policy_ids: policyIds } : {}),
        },
      });
    }
  }
  return { events, dropped };
}

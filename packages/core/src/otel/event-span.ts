/** Span attribute values as OpenTelemetry takes them (`Attributes` of @opentelemetry/api). */
export type SpanAttributes = Record<string, string | number | boolean | string[]>;

/** What an exported event is: its type, name, payload and metadata, as `track` took them. */
export interface SpanSource {
  type: string;
  name: string;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  id?: string | undefined;
  agentId?: string | undefined;
}

function setIf(attrs: SpanAttributes, key: string, value: unknown): void {
  if (typeof value === "string" && value !== "") attrs[key] = value;
  else if (typeof value === "number" && Number.isFinite(value)) attrs[key] = value;
  else if (typeof value === "boolean") attrs[key] = value;
}

function text(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  try {
    return typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    return undefined;
  }
}

/**
 * An event as a span's name and attributes, after the OpenTelemetry GenAI semantic conventions
 * (`gen_ai.*`) where they name the thing, `trusera.*` for the rest (decision, policy ids, event id).
 * Used by trusera-sdk/otel and the server's OTLP forwarder; the server's OTLP ingest reads the same names
 * back (packages/server/src/otel/span-event.ts).
 */
export function spanOf(e: SpanSource): { name: string; attributes: SpanAttributes; client: boolean } {
  const p = e.payload;
  const m = e.metadata;
  const attributes: SpanAttributes = { "trusera.event.type": e.type };
  setIf(attributes, "trusera.event.id", e.id);
  setIf(attributes, "trusera.agent.id", e.agentId);
  const decision = typeof m.decision === "string" ? m.decision : (p.decision as unknown);
  setIf(attributes, "trusera.decision", decision);
  const ids = m.policy_ids ?? p.policy_ids;
  if (Array.isArray(ids)) attributes["trusera.policy.ids"] = ids.filter((x) => typeof x === "string");
  let name = `${e.type} ${e.name}`;
  let client = false;
  switch (e.type) {
    case "llm_invoke": {
      const model = typeof p.model === "string" ? p.model : e.name;
      attributes["gen_ai.operation.name"] = "chat";
      attributes["gen_ai.request.model"] = model;
      setIf(attributes, "gen_ai.provider.name", p.provider ?? m.provider);
      setIf(attributes, "gen_ai.usage.input_tokens", p.input_tokens);
      setIf(attributes, "gen_ai.usage.output_tokens", p.output_tokens);
      name = `chat ${model}`;
      client = true;
      break;
    }
    case "tool_call":
    case "policy_violation": {
      if (e.type === "policy_violation") setIf(attributes, "trusera.action", p.action);
      const tool = typeof p.tool === "string" ? p.tool : e.name;
      if (e.type === "tool_call" || p.action === "tool_call") {
        attributes["gen_ai.operation.name"] = "execute_tool";
        attributes["gen_ai.tool.name"] = tool;
        setIf(attributes, "gen_ai.tool.call.id", p.call_id);
        setIf(attributes, "gen_ai.tool.call.arguments", text(p.input));
        name = `execute_tool ${tool}`;
      }
      break;
    }
    case "decision":
      attributes["trusera.step"] = e.name;
      break;
    case "api_call":
      setIf(attributes, "http.request.method", p.method);
      setIf(attributes, "url.full", p.url);
      setIf(attributes, "http.response.status_code", p.status_code ?? p.status);
      client = true;
      break;
  }
  if (typeof p.status === "string") attributes["trusera.status"] = p.status;
  return { name, attributes, client };
}

import type { TruseraEvent } from "../events/event.js";
import {
  dataRequest,
  decisionRequest,
  fileWriteRequest,
  httpRequest,
  modelRequest,
  toolRequest,
} from "./request-model.js";
import type { CedarRequest } from "./types.js";

type EventLike = Pick<TruseraEvent, "type" | "name" | "payload" | "metadata"> & { agent_id?: string | null };

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The Cedar request an event stands for, so that a recorded event can be decided again (replay).
 * The inverse of what the SDK records: see docs/policy-model.md for the payload fields each type
 * carries. Returns null for events that are not decisions about an action (`policy_violation`
 * repeats the event it denied) or that lack what the request needs.
 */
export function eventToCedarRequest(event: EventLike): CedarRequest | null {
  const agent = event.agent_id ?? "unknown";
  const p = event.payload ?? {};
  const m = event.metadata ?? {};
  switch (event.type) {
    case "api_call": {
      const url = str(p.url) ?? str(event.name.split(" ")[1]);
      if (!url) return null;
      const method = str(p.method) ?? str(event.name.split(" ")[0]) ?? "GET";
      const headers =
        p.request_headers && typeof p.request_headers === "object" ? p.request_headers : undefined;
      try {
        return httpRequest(agent, { url, method, headers: headers as Record<string, string> | undefined });
      } catch {
        return null;
      }
    }
    case "tool_call":
      return toolRequest(agent, str(p.tool) ?? event.name, p.input ?? p.args ?? p);
    case "llm_invoke":
      return modelRequest(agent, str(p.model) ?? event.name, str(m.provider) ?? str(p.provider) ?? "unknown");
    case "data_access":
      return dataRequest(agent, str(p.source) ?? event.name, str(p.operation) ?? "read");
    case "file_write":
      return fileWriteRequest(agent, str(p.path) ?? event.name, str(p.operation) ?? "write");
    case "decision":
      return decisionRequest(agent, event.name);
    default:
      return null;
  }
}

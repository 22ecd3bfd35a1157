import {
  EVENT_LIMITS,
  isJsonObject,
  parseTimestamp,
  redactText,
  scrubSecrets,
  validateEvent,
} from "@trusera/core";

/** An incoming event after normalization, before its agent is resolved. */
export interface NormalizedEvent {
  id: string;
  type: string;
  name: string;
  ts: number;
  payload: string;
  metadata: string;
  decision: string | null;
  /** The agent id or name the event names, if any. */
  agentRef: string | null;
}

// The fields besides name, payload and metadata, as JSON: id, type, timestamp, agent_id and the keys.
const OTHER_FIELDS_BYTES = 128;

/** An event's size as the SDKs measure it (its JSON after redaction), from the parts that can be large. */
function eventBytes(name: string, payloadJson: string, metadataJson: string): number {
  return (
    Buffer.byteLength(name) +
    Buffer.byteLength(payloadJson) +
    Buffer.byteLength(metadataJson) +
    OTHER_FIELDS_BYTES
  );
}

const DECISIONS = new Set(["allow", "deny", "warn"]);
const VALID_ISO = "2000-01-01T00:00:00Z";

function decisionOf(
  type: string,
  payload: Record<string, unknown>,
  metadata: Record<string, unknown>,
): string | null {
  const d = metadata.decision ?? payload.decision;
  if (typeof d === "string" && DECISIONS.has(d)) return d;
  if (isJsonObject(d) && typeof d.decision === "string" && DECISIONS.has(d.decision)) return d.decision;
  return type === "policy_violation" ? "deny" : null;
}

/**
 * Reads one event as any SDK dialect sends it: ids as UUIDs or 32 hex characters (kept lower case),
 * timestamps as ISO text or seconds, milliseconds or microseconds, payload and metadata optional.
 * Secrets the sender failed to redact are redacted here too. Returns the problems when it cannot.
 */
export function normalizeEvent(raw: unknown, fallbackAgent: string | null): NormalizedEvent | string[] {
  if (!isJsonObject(raw)) return ["event must be a JSON object"];
  const ts = parseTimestamp(raw.timestamp);
  // Only the fields validation reads, in a fixed shape (copying the whole raw object cost more).
  const candidate: Record<string, unknown> = {
    type: raw.type,
    name: raw.name,
    agent_id: raw.agent_id,
    id: typeof raw.id === "string" ? raw.id.toLowerCase() : raw.id,
    payload: raw.payload ?? {},
    metadata: raw.metadata ?? {},
    // The time was read above in any dialect's form; validation only needs to see a well-formed one
    // (formatting the real one for it was 5% of ingest).
    timestamp: ts ? VALID_ISO : raw.timestamp,
  };
  const problems = validateEvent(candidate);
  // Postgres cannot store a NUL character in text; no name needs one (inside payloads JSON escapes it).
  if (typeof candidate.name === "string" && candidate.name.includes("\u0000"))
    problems.push("name must not contain NUL characters");
  if (typeof raw.agent_id === "string" && raw.agent_id.includes("\u0000"))
    problems.push("agent_id must not contain NUL characters");
  if (problems.length > 0 || !ts) return problems.length > 0 ? problems : ["timestamp is not a date-time"];
  const payload = scrubSecrets(candidate.payload as Record<string, unknown>);
  const metadata = scrubSecrets(candidate.metadata as Record<string, unknown>);
  const agentRef = typeof raw.agent_id === "string" && raw.agent_id !== "" ? raw.agent_id : fallbackAgent;
  const payloadJson = JSON.stringify(payload);
  const metadataJson = JSON.stringify(metadata);
  const bytes = eventBytes(candidate.name as string, payloadJson, metadataJson);
  if (bytes > EVENT_LIMITS.maxEventBytes)
    return [`event is ${bytes} bytes as JSON; the limit is ${EVENT_LIMITS.maxEventBytes}`];
  return {
    id: candidate.id as string,
    type: candidate.type as string,
    // Redacted like the payload; "[REDACTED]" can be longer than what it hides, so cut again.
    name: redactText(candidate.name as string).slice(0, EVENT_LIMITS.maxNameLength),
    ts: ts.micros,
    payload: payloadJson,
    metadata: metadataJson,
    decision: decisionOf(candidate.type as string, payload, metadata),
    agentRef,
  };
}

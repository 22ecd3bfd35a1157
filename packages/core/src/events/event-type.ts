/**
 * The six event types every Trusera SDK shares, plus `policy_violation`, which an interceptor tracks
 * whenever a policy denies an action.
 */
export const EventType = {
  TOOL_CALL: "tool_call",
  LLM_INVOKE: "llm_invoke",
  DATA_ACCESS: "data_access",
  API_CALL: "api_call",
  FILE_WRITE: "file_write",
  DECISION: "decision",
  POLICY_VIOLATION: "policy_violation",
} as const;

export type EventType = (typeof EventType)[keyof typeof EventType];

export const EVENT_TYPES: readonly EventType[] = Object.freeze(Object.values(EventType));

const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && TYPE_SET.has(value);
}

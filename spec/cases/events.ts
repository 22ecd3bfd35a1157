import { EVENT_LIMITS, EVENT_TYPES, isValidEvent, validateEvent } from "@trusera/core";

/** The field a validator problem is about: its first word, or "event" for the whole value. */
export function problemField(problem: string): string {
  const word = problem.split(" ")[0]!;
  return word === "event" ? "event" : word;
}

const base = {
  id: "0192f5e4-7b1a-7c3d-9e2f-0123456789ab",
  type: "tool_call",
  name: "web_search",
  payload: { query: "cats" },
  metadata: {},
  timestamp: "2026-11-22T02:11:33.123Z",
};

const without = (key: keyof typeof base) => {
  const { [key]: _gone, ...rest } = base;
  return rest;
};

/** Hand-written inputs: [name, candidate event]. Expected results come from validateEvent. */
const INPUTS: [string, unknown][] = [
  ["minimal valid event", base],
  ["valid with agent_id", { ...base, agent_id: "agent-1" }],
  ["32 hex id (Python dialect)", { ...base, id: "0123456789abcdef0123456789abcdef" }],
  ["upper-case UUID", { ...base, id: "0192F5E4-7B1A-7C3D-9E2F-0123456789AB" }],
  ["uuid v4", { ...base, id: "3f1c2b9e-8d4a-4e7b-9c1d-2a3b4c5d6e7f" }],
  ["every event type: llm_invoke", { ...base, type: "llm_invoke" }],
  ["every event type: data_access", { ...base, type: "data_access" }],
  ["every event type: api_call", { ...base, type: "api_call" }],
  ["every event type: file_write", { ...base, type: "file_write" }],
  ["every event type: decision", { ...base, type: "decision" }],
  ["every event type: policy_violation", { ...base, type: "policy_violation" }],
  ["timestamp with offset", { ...base, timestamp: "2026-11-22T02:11:33+02:00" }],
  ["timestamp with offset without colon", { ...base, timestamp: "2026-11-22T02:11:33-0530" }],
  ["timestamp with nanoseconds", { ...base, timestamp: "2026-11-22T02:11:33.123456789Z" }],
  ["timestamp with space separator", { ...base, timestamp: "2026-11-22 02:11:33Z" }],
  ["timestamp with lower-case t and z", { ...base, timestamp: "2026-11-22t02:11:33z" }],
  ["nested payload", { ...base, payload: { a: { b: [1, 2, { c: null }] } } }],
  ["name at the limit (512)", { ...base, name: "n".repeat(EVENT_LIMITS.maxNameLength) }],
  ["agent_id at the limit (256)", { ...base, agent_id: "a".repeat(EVENT_LIMITS.maxAgentIdLength) }],
  ["unicode name", { ...base, name: "café ☕ 検索" }],
  ["name of 256 emoji is 512 UTF-16 units", { ...base, name: "😀".repeat(256) }],
  ["name of 257 emoji is over the limit", { ...base, name: "😀".repeat(257) }],
  ["not an object: number", 42],
  ["not an object: array", [base]],
  ["not an object: null", null],
  ["not an object: string", "event"],
  ["missing id", without("id")],
  ["id too short", { ...base, id: "abc" }],
  ["id 31 hex", { ...base, id: "0123456789abcdef0123456789abcde" }],
  ["id with braces", { ...base, id: "{0192f5e4-7b1a-7c3d-9e2f-0123456789ab}" }],
  ["id not a string", { ...base, id: 12345 }],
  ["unknown type", { ...base, type: "nope" }],
  ["type in upper case", { ...base, type: "TOOL_CALL" }],
  ["missing type", without("type")],
  ["type null", { ...base, type: null }],
  ["empty name", { ...base, name: "" }],
  ["missing name", without("name")],
  ["name not a string", { ...base, name: 7 }],
  ["name over the limit (513)", { ...base, name: "n".repeat(EVENT_LIMITS.maxNameLength + 1) }],
  ["payload an array", { ...base, payload: [] }],
  ["payload null", { ...base, payload: null }],
  ["missing payload", without("payload")],
  ["metadata a string", { ...base, metadata: "x" }],
  ["missing metadata", without("metadata")],
  ["timestamp without zone", { ...base, timestamp: "2026-01-01T00:00:00" }],
  ["timestamp date only", { ...base, timestamp: "2026-01-01" }],
  ["timestamp without seconds", { ...base, timestamp: "2026-01-01T00:00Z" }],
  ["timestamp with ten fraction digits", { ...base, timestamp: "2026-01-01T00:00:00.1234567890Z" }],
  ["timestamp a number", { ...base, timestamp: 1764000000 }],
  ["missing timestamp", without("timestamp")],
  ["agent_id empty", { ...base, agent_id: "" }],
  ["agent_id null", { ...base, agent_id: null }],
  ["agent_id a number", { ...base, agent_id: 5 }],
  ["agent_id over the limit (257)", { ...base, agent_id: "a".repeat(EVENT_LIMITS.maxAgentIdLength + 1) }],
  [
    "everything wrong",
    { id: "x", type: "y", name: "", payload: 1, metadata: [], timestamp: "z", agent_id: "" },
  ],
  ["empty object", {}],
];

export function buildEvents() {
  return {
    description:
      "Event validation: each candidate event is valid or not, with the problems the TypeScript validator names.",
    limits: { ...EVENT_LIMITS },
    event_types: [...EVENT_TYPES],
    cases: INPUTS.map(([name, event]) => {
      const problems = validateEvent(event);
      if (isValidEvent(event) !== (problems.length === 0))
        throw new Error(`isValidEvent and validateEvent disagree on "${name}"`);
      return {
        name,
        event,
        valid: problems.length === 0,
        fields: [...new Set(problems.map(problemField))],
        problems,
      };
    }),
  };
}

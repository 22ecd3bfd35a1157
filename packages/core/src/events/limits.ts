/** Limits an event must respect; the server enforces the same numbers. */
export const EVENT_LIMITS = Object.freeze({
  /** Characters in `name`. */
  maxNameLength: 512,
  /** Characters in `agent_id`. */
  maxAgentIdLength: 256,
  /** Bytes of one event serialized as JSON. */
  maxEventBytes: 256 * 1024,
  /** Events in one batch request. */
  maxBatchEvents: 1000,
});

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
  /**
   * Events a client may report dropped with one batch (`dropped`). Counters are 64-bit integers: a
   * bound keeps them finite and exact (`1e308` made them Infinity).
   */
  maxDroppedPerBatch: 1_000_000_000,
});

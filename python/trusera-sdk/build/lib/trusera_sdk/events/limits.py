"""Limits an event must respect; the server enforces the same numbers (packages/core/src/events/limits.ts)."""

MAX_NAME_LENGTH = 512
MAX_AGENT_ID_LENGTH = 256
MAX_EVENT_BYTES = 256 * 1024
MAX_BATCH_EVENTS = 1000
# Events a client may report dropped with one batch; more are carried to the next.
MAX_DROPPED_PER_BATCH = 1_000_000_000

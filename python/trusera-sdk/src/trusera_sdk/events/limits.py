"""Limits an event must respect; the server enforces the same numbers (packages/core/src/events/limits.ts)."""

MAX_NAME_LENGTH = 512
MAX_AGENT_ID_LENGTH = 256
MAX_EVENT_BYTES = 256 * 1024
MAX_BATCH_EVENTS = 1000

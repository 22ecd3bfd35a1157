"""The six event types every Trusera SDK shares, plus ``policy_violation``, which an interceptor tracks
whenever a policy denies an action (packages/core/src/events/event-type.ts)."""

from __future__ import annotations

from enum import Enum


class EventType(str, Enum):
    """A ``str``: ``EventType.TOOL_CALL == "tool_call"``, and it serializes as its value."""

    TOOL_CALL = "tool_call"
    LLM_INVOKE = "llm_invoke"
    DATA_ACCESS = "data_access"
    API_CALL = "api_call"
    FILE_WRITE = "file_write"
    DECISION = "decision"
    POLICY_VIOLATION = "policy_violation"

    def __str__(self) -> str:
        return self.value


EVENT_TYPES: frozenset[str] = frozenset(t.value for t in EventType)

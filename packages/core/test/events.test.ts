import { createEvent, EVENT_TYPES, EventType, isValidEvent, validateEvent } from "@trusera/core";
import { describe, expect, it } from "vitest";

describe("event model", () => {
  it("has the six seed types plus policy_violation", () => {
    expect([...EVENT_TYPES].sort()).toEqual(
      [
        "api_call",
        "data_access",
        "decision",
        "file_write",
        "llm_invoke",
        "policy_violation",
        "tool_call",
      ].sort(),
    );
  });

  it("createEvent gives a UUID and an ISO timestamp", () => {
    const e = createEvent(EventType.TOOL_CALL, "web_search", { query: "x" });
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Date(e.timestamp).toISOString()).toBe(e.timestamp);
    expect(e.metadata).toEqual({});
    expect(isValidEvent(e)).toBe(true);
    expect(validateEvent(e)).toEqual([]);
  });

  it("accepts 32-hex ids from the Python dialect", () => {
    const e = { ...createEvent(EventType.DECISION, "d"), id: "0123456789abcdef0123456789abcdef" };
    expect(isValidEvent(e)).toBe(true);
  });

  it.each([
    ["not an object", 42, "event must be a JSON object"],
    [
      "unknown type",
      { ...createEvent(EventType.DECISION, "d"), type: "nope" },
      'type "nope" is not a known event type',
    ],
    ["empty name", { ...createEvent(EventType.DECISION, "d"), name: "" }, "name must be a non-empty string"],
    [
      "array payload",
      { ...createEvent(EventType.DECISION, "d"), payload: [] },
      "payload must be a JSON object",
    ],
    [
      "bad id",
      { ...createEvent(EventType.DECISION, "d"), id: "abc" },
      "id must be a UUID or 32 hex characters",
    ],
    [
      "zone-less timestamp",
      { ...createEvent(EventType.DECISION, "d"), timestamp: "2026-01-01T00:00:00" },
      "timestamp must be an ISO-8601 date-time with a time zone",
    ],
  ])("rejects %s with a reason", (_label, value, reason) => {
    expect(isValidEvent(value)).toBe(false);
    expect(validateEvent(value)).toContain(reason);
  });
});

describe("uuidv7", () => {
  it("makes valid, unique, time-ordered version-7 UUIDs", async () => {
    const { uuidv7, EVENT_ID_PATTERN } = await import("@trusera/core");
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    for (const id of ids.slice(0, 100)) {
      expect(id).toMatch(EVENT_ID_PATTERN);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // The first 48 bits are the time in ms (here later than any id so far: ids never go backwards).
    const at = Date.now() + 3_600_000;
    const hex = uuidv7(at).replace(/-/g, "");
    expect(Number.parseInt(hex.slice(0, 12), 16)).toBe(at);
  });
});

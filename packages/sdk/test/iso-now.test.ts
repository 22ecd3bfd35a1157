import { isoNow } from "@trusera/core";
import { describe, expect, it } from "vitest";

describe("isoNow", () => {
  it("formats exactly as Date#toISOString, across milliseconds, seconds and days", () => {
    const start = Date.UTC(2026, 11, 31, 23, 59, 58, 990);
    for (let t = start; t < start + 2_500; t += 7) expect(isoNow(t)).toBe(new Date(t).toISOString());
    for (const t of [0, 1, 9, 10, 99, 100, 999, 1000, Date.now()])
      expect(isoNow(t)).toBe(new Date(t).toISOString());
    expect(isoNow()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

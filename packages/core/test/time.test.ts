import { parseTimestamp } from "@trusera/core";
import { describe, expect, it } from "vitest";

describe("parseTimestamp", () => {
  const iso = "2026-03-31T00:00:01.120000Z";
  it.each([
    ["ISO with ms", "2026-03-31T00:00:01.12Z", iso],
    ["ISO with µs", "2026-03-31T00:00:01.120000Z", iso],
    ["ISO with offset", "2026-03-31T02:00:01.12+02:00", iso],
    ["seconds", 1774915201.12, iso],
    ["milliseconds", 1774915201120, iso],
    ["microseconds", 1774915201120000, iso],
    ["digit string", "1774915201120", iso],
  ])("reads %s", (_label, input, expected) => {
    expect(parseTimestamp(input)?.iso).toBe(expected);
  });

  it.each([["garbage"], [-1], [Number.NaN], [{}], ["2026-03-31"]])("rejects %s", (input) => {
    expect(parseTimestamp(input)).toBeNull();
  });
});

describe("isoNow", () => {
  it("formats exactly like Date#toISOString, across second boundaries", async () => {
    const { isoNow } = await import("@trusera/core");
    for (const t of [0, 5, 59, 999, 1000, 1001, 1774915201120, 1774915201999, 1774915202000, Date.now()]) {
      expect(isoNow(t)).toBe(new Date(t).toISOString());
    }
  });
});

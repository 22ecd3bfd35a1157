import { parseTimestamp } from "@trusera/core";
import fc from "fast-check";
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

  it.each([
    ["garbage"],
    [-1],
    [Number.NaN],
    [{}],
    ["2026-03-31"],
    ["2026-13-01T00:00:00Z"],
    ["2026-01-01T00:00:60Z"],
    ["2026-01-01T00:00:00.Z"],
    ["2026-01-01T00:00:00.1234567890Z"],
  ])("rejects %s", (input) => {
    expect(parseTimestamp(input)).toBeNull();
  });

  it("reads UTC text exactly as Date.parse does, to the microsecond (digits beyond it cut)", () => {
    const reference = (text: string): number | null => {
      const ms = Date.parse(text);
      if (Number.isNaN(ms)) return null;
      const fraction = /\.(\d+)/.exec(text)?.[1] ?? "";
      const micros = ms * 1000 + (fraction.length > 3 ? Number(fraction.slice(3, 6).padEnd(3, "0")) : 0);
      return Number.isSafeInteger(micros) ? micros : null;
    };
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, "0"));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, "0")),
        two(19),
        two(39),
        two(29),
        two(69),
        two(69),
        fc.option(fc.stringMatching(/^[0-9]{1,9}$/)),
        (y, mo, d, h, mi, s, frac) => {
          const text = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === null ? "" : `.${frac}`}Z`;
          expect(parseTimestamp(text)?.micros ?? null).toBe(reference(text));
        },
      ),
      { numRuns: 5000 },
    );
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

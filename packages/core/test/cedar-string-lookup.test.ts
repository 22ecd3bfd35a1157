import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StringLookup } from "../src/cedar/compiled/string-lookup.js";

// The index's lookup of a request's string among the policies' values must answer as a Map does:
// for whole strings, and for the prefixes of a given length. Keys are drawn from a small alphabet so
// that they share lengths and characters (the slots then hold several, and the sampled characters
// cannot tell them apart).
const text = fc.string({ unit: fc.constantFrom("a", "b", ".", "é", "😀", "/"), maxLength: 14 });

describe("StringLookup", () => {
  it("finds what a Map finds, whole and by prefix", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(text, { maxLength: 60 }),
        fc.array(text, { maxLength: 30 }),
        (keys, probes) => {
          const map = new Map(keys.map((k, i) => [k, i]));
          const lookup = new StringLookup(map);
          for (const s of [...probes, ...keys]) {
            expect(lookup.get(s)).toBe(map.get(s));
            for (let n = 0; n <= s.length; n++) expect(lookup.getPrefix(s, n)).toBe(map.get(s.slice(0, n)));
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("keeps apart many keys that differ in one character only", () => {
    const keys = Array.from({ length: 5_000 }, (_, i) => `blocked-${i}.example`);
    const lookup = new StringLookup(new Map(keys.map((k, i) => [k, i])));
    keys.forEach((k, i) => {
      expect(lookup.get(k)).toBe(i);
      expect(lookup.get(`${k}x`)).toBeUndefined();
      expect(lookup.getPrefix(`${k}/admin`, k.length)).toBe(i);
    });
    expect(lookup.get("blocked-5000.example")).toBeUndefined();
  });
});

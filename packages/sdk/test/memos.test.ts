// What the interceptor remembers between calls: decisions (per policy generation) and the work on URLs.
import { describe, expect, it } from "vitest";
import { fetchHref, safeUrl } from "../src/interceptor/call.js";
import { DecisionCache } from "../src/policy/decision-cache.js";

function filled(max: number, keys: string[]): DecisionCache<string> {
  const c = new DecisionCache<string>(max);
  c.get(1, "warm"); // takes the generation
  for (const k of keys) c.set(1, k, k.toUpperCase());
  return c;
}

describe("DecisionCache", () => {
  it("answers what it holds for the generation, and nothing once the generation changes", () => {
    const c = filled(8, ["a", "b"]);
    expect(c.get(1, "a")).toBe("A");
    expect(c.get(1, "zz")).toBeUndefined();
    expect(c.get(2, "a")).toBeUndefined();
    expect(c.size).toBe(0);
    c.set(1, "old", "x"); // a late answer for the previous generation is not kept
    expect(c.get(2, "old")).toBeUndefined();
  });

  it("evicts the least recently used: an entry hit while in the older half survives", () => {
    const c = filled(4, ["a", "b", "c", "d"]);
    expect(c.get(1, "a")).toBe("A"); // the oldest: moved to the recent end
    c.set(1, "e", "E"); // evicts b, the oldest now
    expect(c.get(1, "b")).toBeUndefined();
    expect(["a", "c", "d", "e"].map((k) => c.get(1, k))).toEqual(["A", "C", "D", "E"]);
    expect(c.size).toBe(4);
  });

  it("does not move an entry that is among the newest half on a hit (coarse recency)", () => {
    const c = filled(4, ["a", "b", "c", "d"]);
    expect(c.get(1, "d")).toBe("D"); // newest: stays where it is
    c.set(1, "e", "E");
    expect(c.get(1, "a")).toBeUndefined(); // the oldest went, as in exact LRU
    c.set(1, "f", "F"); // evicts b
    c.set(1, "g", "G"); // evicts c
    c.set(1, "h", "H"); // d, not hit again while it aged, is the oldest: it goes before e, f, g
    expect(c.get(1, "d")).toBeUndefined();
    expect(["e", "f", "g", "h"].map((k) => c.get(1, k))).toEqual(["E", "F", "G", "H"]);
  });

  it("a set right after its miss adds the entry once; a second set of it updates it, evicting nothing", () => {
    const c = filled(3, ["a", "b"]);
    expect(c.get(1, "k")).toBeUndefined();
    c.set(1, "k", "K1"); // full now
    c.set(1, "k", "K2"); // the miss was used up by the first set: this one finds the entry
    expect(["a", "b", "k"].map((k) => c.get(1, k))).toEqual(["A", "B", "K2"]);
    expect(c.get(1, "m")).toBeUndefined();
    c.set(1, "a", "A2"); // not the key that missed: found, and updated in place
    expect(c.size).toBe(3);
    expect(["a", "b", "k"].map((k) => c.get(1, k))).toEqual(["A2", "B", "K2"]);
  });

  it("keeps within its bound whatever the pattern, and holds nothing at size 0", () => {
    const c = filled(16, []);
    for (let i = 0; i < 1000; i++) {
      c.set(1, `k${i % 37}`, "v");
      c.get(1, `k${(i * 7) % 37}`);
      expect(c.size).toBeLessThanOrEqual(16);
    }
    const none = filled(0, ["a"]);
    expect(none.get(1, "a")).toBeUndefined();
    expect(none.size).toBe(0);
  });
});

describe("remembered URL work (fetchHref, safeUrl)", () => {
  it("gives what parsing and redacting give, the same on a second call, and throws for what cannot parse", () => {
    const raw = "HTTP://Example.COM:80/a/../b?api_key=sk-proj-abcdefghijklmnopqrstuvwx&page=2#frag";
    for (let round = 0; round < 2; round++) {
      expect(fetchHref(raw)).toBe("http://example.com/b?api_key=sk-proj-abcdefghijklmnopqrstuvwx&page=2");
      expect(safeUrl(fetchHref(raw))).toBe("http://example.com/b?api_key=[REDACTED]&page=2");
      expect(() => fetchHref("/relative")).toThrow(TypeError);
    }
    // Far more distinct URLs than it remembers: each still comes out right.
    for (let i = 0; i < 1000; i++)
      expect(fetchHref(`https://h${i}.example/x#y`)).toBe(`https://h${i}.example/x`);
  });
});

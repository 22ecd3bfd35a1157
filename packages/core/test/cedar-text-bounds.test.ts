import { CEDAR_TEXT_LIMITS, checkCedarText, compilePolicySet } from "@trusera/core";
import { describe, expect, it } from "vitest";

const when = (expr: string) => `permit (principal, action, resource) when { ${expr} };`;

// Shapes that make cedar-wasm 4.13 fail in a vitest fork at the sizes in the comment (to parse or to
// evaluate; see core/src/cedar/text-bounds.ts).
const SHAPES: Record<string, (n: number) => string> = {
  parens: (n) => when(`${"(".repeat(n)}true${")".repeat(n)}`), // ~116
  sets: (n) => when(`${"[".repeat(n)}1${"]".repeat(n)} == 1`), // ~126
  records: (n) => when(`${"{a:".repeat(n)}1${"}".repeat(n)} == 1`), // ~77
  mixed: (n) => when(`${"(1 + ".repeat(n)}1${")".repeat(n)} == 1`), // ~77
  plus: (n) => when(`${Array(n).fill("1").join(" + ")} == 2`), // ~104
  attrs: (n) => when(`context${".a".repeat(n)} == 1`), // ~103
  ifs: (n) => when(`${"if true then ".repeat(n)}true${" else false".repeat(n)}`), // ~104
  calls: (n) => when(`ip("1.1.1.1")${".isIpv4()".repeat(n)}`), // ~101
  ands: (n) => when(Array(n).fill("1 == 1").join(" && ")), // < 1,000
  ors: (n) => when(Array(n).fill('context.h == "x"').join(" || ")), // < 1,000
};

const schema = `entity A; entity R; action a appliesTo { principal: [A], resource: [R], context: {} };`;
const request = (action = "a") => ({
  principal: { type: "A", id: "a" },
  action: { type: "Action", id: action },
  resource: { type: "R", id: "r" },
  context: {},
});

describe("Cedar text bounds", () => {
  it.each(Object.keys(SHAPES))("refuses %s at a size that traps the engine, saying where", (shape) => {
    const text = SHAPES[shape]!(400);
    const d = checkCedarText(text);
    expect(d?.message).toMatch(/nests too deeply .*limit 50/);
    expect(d?.line).toBe(1);
    expect(d!.column).toBeGreaterThan(30);
  });

  it.each(Object.keys(SHAPES))(
    "the deepest %s the bound accepts compiles and decides without an engine fault",
    async (shape) => {
      let n = 1;
      while (checkCedarText(SHAPES[shape]!(n + 1)) === null) n++;
      // About half the depth where the engine fails (how far it gets varies: its frames shrink once warm).
      const result = await compilePolicySet(SHAPES[shape]!(n), { defaultDecision: "deny" });
      expect(result.ok ? "" : result.errors[0]!.message).not.toMatch(/engine failed|nests/);
      // (Some shapes fail to evaluate, e.g. `context.a` is missing: an answer, not an engine fault.)
      if (result.ok) expect(result.policySet.evaluate(request()).errors.join()).not.toMatch(/^cedar:/);
    },
  );

  it("counts nothing inside strings or comments, and keeps a set's elements side by side", () => {
    const huge = `"${"((((".repeat(5000)}"`;
    expect(checkCedarText(when(`context.q == ${huge}`))).toBeNull();
    expect(checkCedarText(`// ${"(".repeat(5000)}\n${when("true")}`)).toBeNull();
    const hosts = Array.from({ length: 5000 }, (_, i) => `"h${i}.test"`).join(", ");
    expect(checkCedarText(when(`[${hosts}].contains(context.host)`))).toBeNull();
    // Operators of higher precedence end with their operand: 40 alternatives of 3 operators each.
    const ors = Array.from({ length: 40 }, (_, i) => `resource.host == "h${i}.test"`).join(" || ");
    expect(checkCedarText(when(ors))).toBeNull();
  });

  it("refuses text over the size limit before parsing it", () => {
    const text = " ".repeat(CEDAR_TEXT_LIMITS.maxChars + 1);
    expect(checkCedarText(text)?.message).toMatch(/characters; the limit is 524288/);
  });

  it("checks the schema text too", async () => {
    const deepSchema = `entity A = ${"{a: ".repeat(100)}Long${"}".repeat(100)};`;
    const result = await compilePolicySet(when("true"), { defaultDecision: "deny", schema: deepSchema });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]!.message).toMatch(/^schema: .*nests too deeply/);
  });
});

describe("an engine trap", () => {
  it("poisons nobody: the engine is replaced and compiled sets carry on", async () => {
    const compiled = await compilePolicySet(
      `@id("no-b") forbid (principal, action == Action::"b", resource);`,
      { defaultDecision: "allow", slot: "bounds-test.tenant-b" },
    );
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const b = compiled.policySet;
    expect(b.evaluate(request("b")).decision).toBe("deny");
    expect(b.evaluate(request("a")).decision).toBe("allow");

    // With the bounds lifted, the engine traps on this text (what one hostile request did before).
    const hostile = await compilePolicySet(SHAPES.parens!(200), {
      defaultDecision: "deny",
      limits: { maxChars: 1e6, maxDepth: Number.POSITIVE_INFINITY },
    });
    expect(hostile.ok).toBe(false);
    if (!hostile.ok) expect(hostile.errors[0]!.message).toMatch(/engine failed .* restarted/);

    // The set compiled before the trap still decides the same, and new sets compile and decide.
    expect(b.evaluate(request("b"))).toEqual({ decision: "deny", policyIds: ["no-b"], errors: [] });
    expect(b.evaluate(request("a")).decision).toBe("allow");
    const fresh = await compilePolicySet(when("true"), { defaultDecision: "deny", schema });
    expect(fresh.ok && fresh.policySet.evaluate(request()).decision).toBe("allow");
  });
});

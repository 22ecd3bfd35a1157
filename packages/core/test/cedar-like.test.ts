import { describe, expect, it } from "vitest";
import { compilePolicySet } from "../src/cedar/engine.js";
import type { CedarRequest } from "../src/cedar/types.js";

// `like` on the compiled path must take time linear in the string whatever the pattern: patterns come
// from any inline policy, strings from any request. A backtracking RegExp never finished the second case.
const request = (s: string): CedarRequest => ({
  principal: { type: "Agent", id: "a" },
  action: { type: "Action", id: "tool_call" },
  resource: { type: "Tool", id: "t" },
  context: { s },
  entities: [],
});

async function compiled(pattern: string) {
  const result = await compilePolicySet(
    `@id("p") permit (principal, action, resource) when { context.s like "${pattern}" };`,
    { defaultDecision: "deny" },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  expect(await result.policySet.whenCompiled()).toBe(true);
  return result.policySet;
}

describe("like on the compiled path", () => {
  // Equality with the engine on random patterns and strings is the differential test's (cedar-compiled).
  it("decides hostile pattern and string pairs at once", async () => {
    const cases: [string, string, "allow" | "deny"][] = [
      ["*a*b", "a".repeat(16_384), "deny"],
      [`${"*a".repeat(20)}*b`, "a".repeat(512), "deny"],
      [`${"*a".repeat(20)}*b`, `${"a".repeat(511)}b`, "allow"],
      ["a*b*c", `a${"b".repeat(5000)}c`, "allow"],
      ["ab*bc", "abc", "deny"],
      ["ab*bc", "abbc", "allow"],
      ["*x*y*", `${"x".repeat(3000)}`, "deny"],
    ];
    for (const [pattern, s, expected] of cases) {
      const set = await compiled(pattern);
      expect(set.evaluateCompiled(request(s))?.decision, `${pattern} against ${s.length} characters`).toBe(
        expected,
      );
    }
  });
});

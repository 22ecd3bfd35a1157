import { compilePolicies, compilePolicySet, DEFAULT_ALLOW_POLICY_ID } from "@trusera/core";
import { describe, expect, it } from "vitest";

const schema = `
entity Agent;
entity Host = { hostname: String, port: Long };
action "api_call" appliesTo { principal: Agent, resource: Host, context: { method: String } };
`;

const request = (hostname: string, method = "GET") => ({
  principal: { type: "Agent", id: "a1" },
  action: { type: "Action", id: "api_call" },
  resource: { type: "Host", id: hostname },
  context: { method },
  entities: [{ uid: { type: "Host", id: hostname }, attrs: { hostname, port: 443 }, parents: [] }],
});

describe("compilePolicySet", () => {
  it("decides with real Cedar semantics: && is AND, // inside a string is text", async () => {
    const text = `@id("no-evil-posts")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname == "evil.test" && context.method == "POST" };

@id("no-url-ish")
forbid (principal, action, resource) when { resource.hostname like "*//*" };`;
    const result = await compilePolicySet(text, { schema, defaultDecision: "allow" });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const set = result.policySet;
    expect(set.policyIds).toEqual(["no-evil-posts", "no-url-ish"]);
    expect(set.evaluate(request("evil.test", "POST"))).toEqual({
      decision: "deny",
      policyIds: ["no-evil-posts"],
      errors: [],
    });
    expect(set.evaluate(request("evil.test", "GET")).decision).toBe("allow");
    expect(set.evaluate(request("good.test", "POST"))).toEqual({
      decision: "allow",
      policyIds: [DEFAULT_ALLOW_POLICY_ID],
      errors: [],
    });
    expect(set.evaluate(request("a//b")).policyIds).toEqual(["no-url-ish"]);
  });

  it("denies what no permit matches when defaultDecision is deny", async () => {
    const result = await compilePolicySet(
      `permit (principal, action, resource) when { resource.hostname == "ok.test" };`,
      { schema, defaultDecision: "deny" },
    );
    if (!result.ok) throw new Error("unexpected");
    expect(result.policySet.evaluate(request("ok.test")).decision).toBe("allow");
    expect(result.policySet.evaluate(request("other.test"))).toEqual({
      decision: "deny",
      policyIds: [],
      errors: [],
    });
  });

  it("reports a typo against the schema with policy id, line and column", async () => {
    const text = `// first line\n@id("typo")\nforbid (principal, action, resource)\n  when { resource.hostnme == "x" };`;
    const result = await compilePolicySet(text, { schema, defaultDecision: "allow" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({
      policyId: "typo",
      line: 4,
      column: 10,
      help: "did you mean `hostname`?",
    });
    expect(result.errors[0]!.message).toContain("hostnme");
  });

  it("reports a syntax error at its line and column", async () => {
    const text = `permit (principal, action, resource);\nforbid (principal, action, resource) when { resource.x == };`;
    const result = await compilePolicySet(text, { defaultDecision: "deny" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ line: 2, column: 59 });
  });

  it("rejects duplicate ids", async () => {
    const text = `@id("x") permit (principal, action, resource);\n@id("x") forbid (principal, action, resource);`;
    const result = await compilePolicySet(text, { defaultDecision: "deny" });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors[0]).toMatchObject({ policyId: "x", line: 2, message: 'duplicate policy id "x"' });
  });
});

describe("CompiledPolicySet.policyJson", () => {
  it("gives the engine's JSON of every policy once compiled, which compiles elsewhere into the same answers", async () => {
    const text = `@id("no-evil-posts")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname == "evil.test" && context.method == "POST" };

@id("no-internal")
forbid (principal, action, resource) when { resource.hostname like "*.internal" };`;
    // Over 50 policies with the default-allow one: compiled in slices, as the server's replay sets are.
    const filler = Array.from(
      { length: 60 },
      (_, i) =>
        `@id("f${i}")\nforbid (principal, action, resource) when { resource.hostname == "f${i}.test" };`,
    ).join("\n");
    for (const policies of [text, `${text}\n${filler}`]) {
      const compiled = await compilePolicySet(policies, { defaultDecision: "allow", schema });
      if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
      const set = compiled.policySet;
      expect(set.policyJson).toBeNull(); // not compiled yet
      expect(await set.whenCompiled()).toBe(true);
      const json = set.policyJson!;
      expect(json.map(([id]) => id)).toEqual([...set.policyIds, DEFAULT_ALLOW_POLICY_ID]);
      const elsewhere = compilePolicies(json);
      for (const [host, method] of [
        ["evil.test", "POST"],
        ["evil.test", "GET"],
        ["db.internal", "GET"],
        ["f7.test", "GET"],
        ["fine.test", "GET"],
      ] as const) {
        const r = request(host, method);
        expect(elsewhere.decide(r)).toEqual(set.evaluateCompiled(r));
        expect(elsewhere.decide(r)).toEqual(set.evaluateWithEngine(r));
      }
    }
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicySet, compilePolicySetSync, loadCedar } from "../src/cedar/engine.js";
import { httpRequest, toolRequest } from "../src/cedar/request-model.js";
import type { CedarEntity, CedarRequest } from "../src/cedar/types.js";
import { compareAnswers } from "./cedar-compiled/compare.js";

// Named hard cases: each policy set decided by the compiled evaluator and by cedar-wasm's
// isAuthorized. `compiled` says who must answer: the compiled evaluator itself (true), or the engine,
// to which it hands the request (false: an evaluation error, an uncompiled policy in scope, a value
// only the engine reads). Either way `evaluate` must give the engine's answer.

const req = (over: Partial<CedarRequest> & { context?: Record<string, unknown> } = {}): CedarRequest => ({
  principal: { type: "User", id: "alice" },
  action: { type: "Action", id: "read" },
  resource: { type: "Doc", id: "d1" },
  context: {},
  entities: [],
  ...over,
});
const ent = (
  type: string,
  id: string,
  attrs: Record<string, unknown> = {},
  parents: [string, string][] = [],
  tags?: Record<string, unknown>,
): CedarEntity => ({
  uid: { type, id },
  attrs,
  parents: parents.map(([t, i]) => ({ type: t, id: i })),
  ...(tags ? { tags } : {}),
});

interface HardCase {
  name: string;
  policies: string;
  requests: { request: CedarRequest; compiled: boolean; decision: "allow" | "deny" }[];
}

const P = (id: string, text: string) => `@id("${id}") ${text}`;

const CASES: HardCase[] = [
  {
    name: "like: an escaped \\* is a star, * any run, over code points",
    policies: P("p", `permit (principal, action, resource) when { context.s like "a\\*b*é" };`),
    requests: [
      { request: req({ context: { s: "a*bxxé" } }), compiled: true, decision: "allow" },
      { request: req({ context: { s: "axbxxé" } }), compiled: true, decision: "deny" },
      { request: req({ context: { s: "a*bé" } }), compiled: true, decision: "allow" },
    ],
  },
  {
    name: "like: a pattern with wildcards inside",
    policies: P("p", `permit (principal, action, resource) when { context.s like "*.exa*le.*/x" };`),
    requests: [
      { request: req({ context: { s: "api.example.com/x" } }), compiled: true, decision: "allow" },
      { request: req({ context: { s: "api.example.com/y" } }), compiled: true, decision: "deny" },
      { request: req({ context: { s: "a\nb.exale.c/x" } }), compiled: true, decision: "allow" },
    ],
  },
  {
    name: "has: false on an entity that is not there, an error on a string",
    policies: [
      P("ent", `permit (principal, action, resource) when { principal has name };`),
      P("str", `forbid (principal, action, resource) when { context has s && context.s has x };`),
    ].join("\n"),
    requests: [
      { request: req(), compiled: true, decision: "deny" },
      {
        request: req({ entities: [ent("User", "alice", { name: "A" })] }),
        compiled: true,
        decision: "allow",
      },
      { request: req({ context: { s: "text" } }), compiled: false, decision: "deny" },
    ],
  },
  {
    name: "an attribute of a missing entity is an error: the policy is skipped and reported",
    policies: [
      P("reads", `forbid (principal, action, resource) when { principal.level > 3 };`),
      P("all", `permit (principal, action, resource);`),
    ].join("\n"),
    requests: [
      { request: req(), compiled: false, decision: "allow" },
      { request: req({ entities: [ent("User", "alice", { level: 5 })] }), compiled: true, decision: "deny" },
    ],
  },
  {
    name: "in: over a transitive hierarchy, sets of entities, an action group",
    policies: [
      P("org", `permit (principal in Org::"acme", action in Action::"readers", resource);`),
      P("set", `permit (principal, action, resource) when { resource in [Folder::"x", Folder::"y"] };`),
    ].join("\n"),
    requests: [
      {
        request: req({
          entities: [
            ent("User", "alice", {}, [["Team", "t"]]),
            ent("Team", "t", {}, [["Org", "acme"]]),
            ent("Action", "read", {}, [["Action", "readers"]]),
          ],
        }),
        compiled: true,
        decision: "allow",
      },
      {
        request: req({ entities: [ent("User", "alice", {}, [["Team", "t"]])] }),
        compiled: true,
        decision: "deny",
      },
      {
        request: req({ entities: [ent("Doc", "d1", {}, [["Folder", "y"]])] }),
        compiled: true,
        decision: "allow",
      },
    ],
  },
  {
    // Past nine entities the compiled evaluator looks them up in a Map instead of a list.
    name: "many entities: attributes and a deep hierarchy found among a dozen",
    policies: [
      P("org", `permit (principal in Org::"acme", action, resource) when { principal.level > 2 };`),
      P("doc", `forbid (principal, action, resource) when { resource.owner == "bob" };`),
    ].join("\n"),
    requests: [10, 11].map((n) => ({
      request: req({
        entities: [
          ...Array.from({ length: n }, (_, i) =>
            ent("Team", `t${i}`, {}, i + 1 < n ? [["Team", `t${i + 1}`]] : [["Org", "acme"]]),
          ),
          ent("User", "alice", { level: 3 }, [["Team", "t0"]]),
          ent("Doc", "d1", { owner: n === 10 ? "carol" : "bob" }),
        ],
      }),
      compiled: true,
      decision: n === 10 ? ("allow" as const) : ("deny" as const),
    })),
  },
  {
    name: "a cycle in the hierarchy: the engine refuses the request",
    policies: P("p", `permit (principal, action, resource);`),
    requests: [
      {
        request: req({
          entities: [ent("Team", "a", {}, [["Team", "b"]]), ent("Team", "b", {}, [["Team", "a"]])],
        }),
        compiled: false,
        decision: "deny",
      },
    ],
  },
  {
    name: "sets and records: equality ignores order and repeats; contains, containsAll, containsAny",
    policies: [
      P(
        "eq",
        `permit (principal, action, resource) when { context.xs == [3, 1, 1, 2] && context.r == {b: [1], a: "x"} };`,
      ),
      P(
        "has",
        `forbid (principal, action, resource) when { context.xs.contains(3) && [{a: 1}].contains(context.q) };`,
      ),
      P(
        "any",
        `permit (principal, action, resource) when { context.xs.containsAll([1, 2]) && !context.xs.containsAny(["1"]) };`,
      ),
    ].join("\n"),
    requests: [
      {
        request: req({ context: { xs: [1, 2, 3], r: { a: "x", b: [1, 1] }, q: { a: 2 } } }),
        compiled: true,
        decision: "allow",
      },
      {
        request: req({ context: { xs: [1, 2, 3], r: { a: "x", b: [1] }, q: { a: 1 } } }),
        compiled: true,
        decision: "deny",
      },
      { request: req({ context: { xs: [1, 3], r: {}, q: {} } }), compiled: true, decision: "deny" },
    ],
  },
  {
    name: "tags: hasTag, getTag, and getTag of a missing tag is an error",
    policies: [
      P(
        "tag",
        `forbid (principal, action, resource) when { resource.hasTag("env") && resource.getTag("env") == "prod" };`,
      ),
      P("bad", `forbid (principal, action, resource) when { resource.getTag("owner") == "x" };`),
      P("all", `permit (principal, action, resource);`),
    ].join("\n"),
    requests: [
      {
        request: req({ entities: [ent("Doc", "d1", {}, [], { env: "prod", owner: "y" })] }),
        compiled: true,
        decision: "deny",
      },
      {
        request: req({ entities: [ent("Doc", "d1", {}, [], { env: "dev" })] }),
        compiled: false,
        decision: "allow",
      },
    ],
  },
  {
    name: "&& and || short-circuit: an error on the side not taken is no error",
    policies: [
      P("and", `permit (principal, action, resource) when { false && (1 + "a" == 2) };`),
      P("or", `permit (principal, action, resource) when { true || context.missing };`),
      P("if", `forbid (principal, action, resource) when { if context.flag then 1 else "x" == "x" };`),
    ].join("\n"),
    requests: [
      { request: req({ context: { flag: false } }), compiled: true, decision: "deny" },
      { request: req({ context: { flag: true } }), compiled: false, decision: "allow" },
      { request: req({ context: { flag: "yes" } }), compiled: false, decision: "allow" },
    ],
  },
  {
    name: "integer overflow is an error; within 2^53 the compiled evaluator answers",
    policies: [
      P("mul", `forbid (principal, action, resource) when { context.n * context.n > 0 };`),
      P("add", `forbid (principal, action, resource) when { context.n + 9007199254740991 > 0 };`),
      P("all", `permit (principal, action, resource);`),
    ].join("\n"),
    requests: [
      { request: req({ context: { n: 3037000500 } }), compiled: false, decision: "deny" },
      { request: req({ context: { n: -1 } }), compiled: true, decision: "deny" },
      { request: req({ context: { n: 0 } }), compiled: true, decision: "deny" },
      { request: req({ context: { n: -9007199254740991 } }), compiled: false, decision: "allow" },
    ],
  },
  {
    name: "forbid overrides permit; every satisfied policy is a reason",
    policies: [
      P("p1", `permit (principal, action, resource);`),
      P("p2", `permit (principal == User::"alice", action, resource);`),
      P("f1", `forbid (principal, action == Action::"write", resource);`),
    ].join("\n"),
    requests: [
      { request: req(), compiled: true, decision: "allow" },
      { request: req({ action: { type: "Action", id: "write" } }), compiled: true, decision: "deny" },
    ],
  },
  {
    name: "extension functions stay with the engine, but only when their policy is in scope",
    policies: [
      P(
        "ip",
        `forbid (principal, action == Action::"connect", resource) when { ip(context.addr).isLoopback() };`,
      ),
      P(
        "dec",
        `forbid (principal, action == Action::"pay", resource) when { decimal(context.amount).greaterThan(decimal("10.0")) };`,
      ),
      P("all", `permit (principal, action, resource);`),
    ].join("\n"),
    requests: [
      {
        request: req({ action: { type: "Action", id: "connect" }, context: { addr: "127.0.0.1" } }),
        compiled: false,
        decision: "deny",
      },
      {
        request: req({ action: { type: "Action", id: "pay" }, context: { amount: "9.5" } }),
        compiled: false,
        decision: "allow",
      },
      { request: req({ context: { addr: "127.0.0.1" } }), compiled: true, decision: "allow" },
    ],
  },
  {
    name: "is, and is ... in, in scopes and conditions",
    policies: [
      P("s", `permit (principal is User in Org::"acme", action, resource is Doc);`),
      P("c", `forbid (principal, action, resource) when { context has who && context.who is Admin };`),
    ].join("\n"),
    requests: [
      {
        request: req({ entities: [ent("User", "alice", {}, [["Org", "acme"]])] }),
        compiled: true,
        decision: "allow",
      },
      {
        request: req({
          principal: { type: "Bot", id: "alice" },
          entities: [ent("Bot", "alice", {}, [["Org", "acme"]])],
        }),
        compiled: true,
        decision: "deny",
      },
      { request: req({ context: { who: "admin" } }), compiled: false, decision: "deny" },
    ],
  },
  {
    name: "values only the engine reads or refuses: floats, null, escapes, duplicate entities",
    policies: P("p", `permit (principal, action, resource) when { context has x };`),
    requests: [
      { request: req({ context: { x: 1.5 } }), compiled: false, decision: "deny" },
      { request: req({ context: { x: null } }), compiled: false, decision: "deny" },
      {
        request: req({ context: { x: { __entity: { type: "User", id: "bob" } } } }),
        compiled: true,
        decision: "allow",
      },
      {
        request: req({ context: { x: { __extn: { fn: "ip", arg: "10.0.0.1" } } } }),
        compiled: false,
        decision: "allow",
      },
      { request: req({ context: JSON.parse('{"__proto__": {"x": 1}}') }), compiled: false, decision: "deny" },
      {
        request: req({ context: { x: 1 }, entities: [ent("User", "alice"), ent("User", "alice")] }),
        compiled: false,
        decision: "allow",
      },
    ],
  },
  {
    name: "a record with type and id is a record, not an entity; a string is never a long",
    policies: [
      P("rec", `permit (principal, action, resource) when { context.who == User::"alice" };`),
      P("num", `permit (principal, action, resource) when { context.n == "1" };`),
    ].join("\n"),
    requests: [
      {
        request: req({ context: { who: { type: "User", id: "alice" }, n: 1 } }),
        compiled: true,
        decision: "deny",
      },
    ],
  },
  {
    name: "the request model: an HTTP call and a tool call with tags",
    policies: [
      P(
        "evil",
        `forbid (principal, action == Action::"api_call", resource) when { resource.hostname == "evil.example" && context.path like "/v1/*" };`,
      ),
      P(
        "rm",
        `forbid (principal, action == Action::"tool_call", resource == Tool::"shell") when { resource.hasTag("cmd") && resource.getTag("cmd") like "rm *" };`,
      ),
      P("all", `permit (principal, action, resource);`),
    ].join("\n"),
    requests: [
      {
        request: httpRequest("a", { url: "https://evil.example/v1/x?q=1" }),
        compiled: true,
        decision: "deny",
      },
      { request: httpRequest("a", { url: "https://evil.example/v2/x" }), compiled: true, decision: "allow" },
      { request: toolRequest("a", "shell", { cmd: "rm -rf /" }), compiled: true, decision: "deny" },
      { request: toolRequest("a", "shell", { cmd: "ls" }), compiled: true, decision: "allow" },
    ],
  },
];

describe("compiled Cedar evaluator: named hard cases against cedar-wasm", () => {
  it.each(CASES)("$name", async (c) => {
    const engine = await loadCedar();
    const compiled = compilePolicySetSync(engine, c.policies, { defaultDecision: "deny" });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const set = compiled.policySet;
    for (const [i, r] of c.requests.entries()) {
      const wasm = set.evaluateWithEngine(r.request);
      expect(wasm.decision, `request ${i}`).toBe(r.decision);
      const own = set.evaluateCompiled(r.request);
      expect(own !== null, `request ${i}: answered by the compiled evaluator`).toBe(r.compiled);
      if (own !== null) compareAnswers(own, wasm, c.policies, r.request);
      compareAnswers(set.evaluate(r.request), wasm, c.policies, r.request, own !== null);
    }
  });

  it("compiles the shapes policies are written in: only extension calls stay with the engine", async () => {
    const result = await compilePolicySet(
      CASES.map((c) => c.policies.replaceAll('@id("', `@id("${c.name.slice(0, 12)}-`)).join("\n"),
      {
        defaultDecision: "allow",
      },
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(await result.policySet.whenCompiled()).toBe(true);
    expect(result.policySet.uncompiledPolicyIds?.map((id) => id.split("-").pop())).toEqual(["ip", "dec"]);
  });

  it("a set over the at-once limit compiles in slices; the engine decides until then", {
    timeout: 120_000,
  }, async () => {
    const text = Array.from(
      { length: 60 },
      (_, i) =>
        `@id("h${i}") forbid (principal, action == Action::"api_call", resource) when { resource.hostname == "h${i}.example" && context.path like "/p${i}/*" };`,
    ).join("\n");
    const result = await compilePolicySet(text, { defaultDecision: "allow" });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const set = result.policySet;
    const request = httpRequest("a", { url: "https://h7.example/p7/x" });
    expect(set.evaluateCompiled(request)).toBeNull(); // not compiled yet: the caller was not blocked
    expect(set.evaluate(request)).toEqual({ decision: "deny", policyIds: ["h7"], errors: [] });
    expect(await set.whenCompiled()).toBe(true);
    expect(set.evaluateCompiled(request)).toEqual({ decision: "deny", policyIds: ["h7"], errors: [] });
    expect(set.evaluate(httpRequest("a", { url: "https://h7.example/p8/x" })).policyIds).toEqual([
      "trusera.default-allow",
    ]);
  });

  it('evaluator: "engine" keeps every decision with cedar-wasm', async () => {
    const result = await compilePolicySet(`permit (principal, action, resource);`, {
      defaultDecision: "deny",
      evaluator: "engine",
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(await result.policySet.whenCompiled()).toBe(false);
    expect(result.policySet.evaluateCompiled(req())).toBeNull();
    expect(result.policySet.evaluate(req()).decision).toBe("allow");
  });
});

describe("compiled Cedar evaluator: every case of spec/vectors/decisions.json", () => {
  const vectors = JSON.parse(
    readFileSync(new URL("../../../spec/vectors/decisions.json", import.meta.url), "utf8"),
  );
  const cases = (
    vectors.cases as {
      name: string;
      policies: string;
      schema: boolean;
      default_decision: "allow" | "deny";
      load_error: boolean;
      requests: { request: CedarRequest }[];
    }[]
  ).filter((c) => !c.load_error);
  it.each(cases)("$name", async (c) => {
    const result = await compilePolicySet(c.policies, {
      defaultDecision: c.default_decision,
      ...(c.schema ? { schema: vectors.schema } : {}),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    for (const r of c.requests) {
      const wasm = result.policySet.evaluateWithEngine(r.request);
      const own = result.policySet.evaluateCompiled(r.request);
      // Every request of the contract is one the compiled evaluator answers itself, unless it errs
      // or a policy it hands to the engine (an extension call) is in scope.
      const handed = (result.policySet.uncompiledPolicyIds ?? []).length > 0;
      expect(own !== null || wasm.errors.length > 0 || handed).toBe(true);
      if (own !== null) compareAnswers(own, wasm, c.policies, r.request);
    }
  });
});

import { describe, expect, it } from "vitest";
import {
  agentActionRequest,
  commandRequest,
  dataRequest,
  decisionRequest,
  fileWriteRequest,
  httpRequest,
  modelRequest,
  toolRequest,
} from "../src/cedar/index.js";
import { CedarEvaluator, PolicyLoadError, TruseraError } from "../src/index.js";

// The official Cedar engine behind CedarEvaluator: parse errors with position, validation against the
// request model, both default decisions, and one policy per action of the model.

async function loadError(evaluator: CedarEvaluator, text: string): Promise<PolicyLoadError> {
  const err = await evaluator.loadPolicy(text).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PolicyLoadError);
  return err as PolicyLoadError;
}

describe("CedarEvaluator", () => {
  it("reports a syntax error with the policy id, line and column", async () => {
    const e = new CedarEvaluator();
    const err = await loadError(
      e,
      `@id("fine")
forbid (principal, action == Action::"api_call", resource);

@id("broken")
forbid (principal, action == Action::"api_call", resource)
when { context.method == "POST" && };`,
    );
    expect(err.code).toBe("TRUSERA_POLICY_INVALID");
    expect(err).toBeInstanceOf(TruseraError);
    expect(err.diagnostics[0]).toMatchObject({ line: 6, severity: "error" });
    expect(err.diagnostics[0]!.column).toBeGreaterThan(30);
    expect(err.message).toMatch(/^Invalid Cedar policy set: .*at 6:\d+: /);
  });

  it("validates against the request model: a typo is an error at load time, not a silent never-match", async () => {
    const e = new CedarEvaluator();
    const err = await loadError(
      e,
      `// comment line
@id("typo")
forbid (principal, action == Action::"api_call", resource)
  when { resource.hostnme == "evil.example" };`,
    );
    expect(err.diagnostics[0]).toMatchObject({ policyId: "typo", line: 4 });
    expect(err.diagnostics[0]!.message).toMatch(/hostnme/);
    expect(e.loaded).toBe(false);
  });

  it('rejects the seed\'s `Action::"*"`, which is not a Cedar wildcard', async () => {
    const e = new CedarEvaluator();
    const err = await loadError(
      e,
      `forbid (principal, action == Action::"*", resource) when { resource.hostname == "langchain" };`,
    );
    expect(err.message).toMatch(/Action::"\*"/);
  });

  it("decides with Cedar semantics; defaultDecision allow is a deny-list", async () => {
    const e = new CedarEvaluator();
    const loaded = await e.loadPolicy(`@id("no-evil-posts")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname == "evil.example" && context.method == "POST" };`);
    expect(loaded.policyIds).toEqual(["no-evil-posts"]);
    expect(e.evaluate(httpRequest("a1", { url: "https://evil.example/x", method: "POST" }))).toEqual({
      decision: "deny",
      policyIds: ["no-evil-posts"],
      errors: [],
    });
    // && is AND: GET to the same host is allowed.
    expect(e.evaluate(httpRequest("a1", { url: "https://evil.example/x" })).decision).toBe("allow");
    // "//" inside a URL string is text, not a comment.
    await e.loadPolicy(`forbid (principal, action == Action::"api_call", resource)
when { context.url like "https://evil.example//*" };`);
    expect(e.evaluate(httpRequest("a1", { url: "https://evil.example//double" })).decision).toBe("deny");
  });

  it("defaultDecision deny is an allow-list, per evaluator or per load", async () => {
    const e = new CedarEvaluator({ defaultDecision: "deny" });
    await e.loadPolicy(`permit (principal, action == Action::"api_call", resource == Host::"ok.example");`);
    expect(e.defaultDecision).toBe("deny");
    expect(e.evaluate(httpRequest("a", { url: "https://ok.example/" })).decision).toBe("allow");
    expect(e.evaluate(httpRequest("a", { url: "https://other.example/" }))).toEqual({
      decision: "deny",
      policyIds: [],
      errors: [],
    });
    await e.loadPolicy(`forbid (principal, action == Action::"api_call", resource == Host::"x.example");`, {
      defaultDecision: "allow",
    });
    expect(e.evaluate(httpRequest("a", { url: "https://other.example/" })).decision).toBe("allow");
  });

  it("keeps the active set when a new one fails to load; generation changes only on success", async () => {
    const e = new CedarEvaluator();
    await e.loadPolicy(
      `@id("keep") forbid (principal, action == Action::"api_call", resource == Host::"a.example");`,
    );
    const generation = e.generation;
    await loadError(e, `forbid (principal, action, resource) when { nonsense`);
    expect(e.generation).toBe(generation);
    expect(e.policyIds).toEqual(["keep"]);
    expect(e.evaluate(httpRequest("x", { url: "https://a.example/" })).policyIds).toEqual(["keep"]);
    e.clear();
    expect(e.loaded).toBe(false);
    expect(e.evaluate(httpRequest("x", { url: "https://a.example/" }))).toEqual({
      decision: "allow",
      policyIds: [],
      errors: ["no policy loaded"],
    });
  });

  it("concurrent loads end with the last one active and consistent", async () => {
    const e = new CedarEvaluator();
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        e.loadPolicy(
          `@id("p${n}") forbid (principal, action == Action::"api_call", resource == Host::"h${n}");`,
        ),
      ),
    );
    expect(e.policyIds).toEqual(["p4"]);
    expect(e.evaluate(httpRequest("x", { url: "https://h4/" })).policyIds).toEqual(["p4"]);
    expect(e.evaluate(httpRequest("x", { url: "https://h1/" })).decision).toBe("allow");
  });

  it("covers every action of the request model, with tool arguments as tags", async () => {
    const e = new CedarEvaluator();
    await e.loadPolicy(`
@id("no-etc") forbid (principal, action == Action::"tool_call", resource == Tool::"read_file")
  when { resource.hasTag("path") && resource.getTag("path") like "/etc/*" };
@id("no-gpt4-for-intern") forbid (principal == Agent::"intern", action == Action::"llm_invoke", resource)
  when { resource.name == "gpt-4" };
@id("no-deletes") forbid (principal, action == Action::"data_access", resource)
  when { context.operation == "delete" };
@id("no-pem") forbid (principal, action == Action::"file_write", resource) when { resource.extension == "pem" };
@id("no-wire") forbid (principal, action == Action::"decision", resource == Step::"wire_transfer");
@id("no-force-push") forbid (principal, action == Action::"shell_exec", resource == Command::"git")
  when { context.args.contains("--force") };
@id("no-prod-deletes") forbid (principal, action == Action::"agent_action", resource)
  when { context.action_class == "delete" && context.target like "prod/*" };
`);
    const deny = (r: Parameters<CedarEvaluator["evaluate"]>[0]) => e.evaluate(r).policyIds;
    expect(deny(toolRequest("a", "read_file", { path: "/etc/passwd" }))).toEqual(["no-etc"]);
    expect(e.evaluate(toolRequest("a", "read_file", { path: "/tmp/x" })).decision).toBe("allow");
    expect(deny(modelRequest("intern", "gpt-4", "openai"))).toEqual(["no-gpt4-for-intern"]);
    expect(e.evaluate(modelRequest("senior", "gpt-4", "openai")).decision).toBe("allow");
    expect(deny(dataRequest("a", "db.users", "delete"))).toEqual(["no-deletes"]);
    expect(deny(fileWriteRequest("a", "/keys/server.PEM"))).toEqual(["no-pem"]);
    expect(deny(decisionRequest("a", "wire_transfer"))).toEqual(["no-wire"]);
    expect(
      deny(
        commandRequest("a", {
          binary: "/usr/bin/git",
          args: ["push", "--force"],
          actionClass: "network",
          cwd: "/",
        }),
      ),
    ).toEqual(["no-force-push"]);
    expect(
      deny(agentActionRequest("a", { action: "remove", target: "prod/db", actionClass: "delete" })),
    ).toEqual(["no-prod-deletes"]);
  });
});

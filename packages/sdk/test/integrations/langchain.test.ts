import { ensureHandler } from "@langchain/core/callbacks/manager";
import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { type ServerProcess, startServerProcess } from "@trusera/testing";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigurationError, PolicyViolationError } from "../../src/index.js";
import { TruseraLangChainHandler } from "../../src/integrations/langchain/index.js";
import { answer, ScriptedChatModel, toolCalls } from "./scripted-chat-model.js";
import { clientFor, evaluatorWith, storedEvents, summary, TOOL_POLICIES } from "./support.js";

// A real LangChain agent (langchain's createAgent on LangGraph) with a real chat model subclass and
// real tools, reporting to a real trusera-server process.

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.dispose();
});

/** Tools that count what really ran. */
function makeTools() {
  const ran: string[] = [];
  const readFile = tool(
    async ({ path }) => {
      ran.push(`read_file ${path}`);
      return `contents of ${path}`;
    },
    { name: "read_file", description: "Reads a file", schema: z.object({ path: z.string() }) },
  );
  const deleteFile = tool(
    async ({ path }) => {
      ran.push(`delete_file ${path}`);
      return `deleted ${path}`;
    },
    { name: "delete_file", description: "Deletes a file", schema: z.object({ path: z.string() }) },
  );
  return { ran, readFile, deleteFile };
}

describe("TruseraLangChainHandler", () => {
  it("is a named callback handler that LangChain uses as it is (the seed's lost its methods)", () => {
    const client = clientFor(server, "lc-name");
    const handler = new TruseraLangChainHandler(client);
    expect(handler.name).toBe("TruseraLangChainHandler");
    expect(ensureHandler(handler)).toBe(handler);
    expect(handler.awaitHandlers).toBe(true);
    expect(handler.raiseError).toBe(false);
    expect(new TruseraLangChainHandler(client, { enforcement: "block" }).raiseError).toBe(true);
    expect(() => new TruseraLangChainHandler(client, { enforcment: "block" } as never)).toThrow(
      ConfigurationError,
    );
    expect(() => new TruseraLangChainHandler({} as never)).toThrow(ConfigurationError);
    void client.close();
  });

  it("records model calls with usage and cost, tool calls and agent steps of a createAgent run (log mode)", async () => {
    const agent = "lc-log";
    const client = clientFor(server, agent);
    const { ran, readFile, deleteFile } = makeTools();
    const model = new ScriptedChatModel("gpt-4o-mini", [
      toolCalls([
        ["read_file", { path: "/tmp/notes.txt" }],
        ["delete_file", { path: "/tmp/old.txt" }],
      ]),
      answer("Done."),
    ]);
    const handler = new TruseraLangChainHandler(client, {
      cedarEvaluator: await evaluatorWith(TOOL_POLICIES),
    });
    const result = await createAgent({ model, tools: [readFile, deleteFile] }).invoke(
      { messages: [{ role: "user", content: "tidy up" }] },
      { callbacks: [handler] },
    );
    expect(result.messages.at(-1)?.content).toBe("Done.");
    // log mode: the denied delete_file still ran, and was recorded as a violation.
    expect(ran.sort()).toEqual(["delete_file /tmp/old.txt", "read_file /tmp/notes.txt"]);

    const events = await storedEvents(server, client, agent);
    const models = events.filter((e) => e.type === "llm_invoke");
    expect(models).toHaveLength(2);
    expect(models[0]).toMatchObject({
      name: "gpt-4o-mini",
      payload: {
        model: "gpt-4o-mini",
        provider: "openai",
        input_tokens: 100,
        output_tokens: 20,
        total_tokens: 120,
        // 100 * 0.15 / 1e6 + 20 * 0.60 / 1e6
        estimated_cost_usd: 0.000027,
        status: "ok",
      },
      metadata: { decision: "allow", enforcement: "log", library: "langchain", provider: "openai" },
    });
    expect(models[0]!.payload.duration_ms).toBeGreaterThanOrEqual(0);
    const tools = events.filter((e) => e.type === "tool_call");
    expect(tools.map((e) => e.name).sort()).toEqual(["delete_file", "read_file"]);
    const del = tools.find((e) => e.name === "delete_file")!;
    expect(del).toMatchObject({
      payload: {
        tool: "delete_file",
        input: { path: "/tmp/old.txt" },
        status: "ok",
        tool_call_id: "call_delete_file_1",
      },
      metadata: { decision: "deny", policy_ids: ["no-delete"], blocked: false },
    });
    expect(events.filter((e) => e.type === "policy_violation")).toMatchObject([
      { name: "delete_file", payload: { action: "tool_call", reasons: ["forbidden by policy no-delete"] } },
    ]);
    // Agent steps: the graph itself and its nodes, not LangGraph's hidden plumbing.
    const steps = events.filter((e) => e.type === "decision").map((e) => e.name);
    expect(new Set(steps)).toEqual(new Set(["LangGraph", "model_request", "tools"]));
    expect(steps.filter((s) => s === "model_request")).toHaveLength(2);

    // The events replay on the server to the decisions that were made: the same Cedar requests.
    const version = await server.api("POST", "/api/v1/policies", { policies: TOOL_POLICIES });
    expect(version.status).toBe(201);
    const replay = await server.api("POST", "/api/v1/policies/replay", {
      version_id: version.body.id,
      agent_id: agent,
    });
    expect(replay.body).toMatchObject({
      evaluated: events.length - 1,
      skipped: 1, // the policy_violation repeats the tool_call it denied
      unchanged: events.length - 1,
      allow_to_deny: 0,
      deny_to_allow: 0,
    });
    await client.close();
  });

  it("block mode: a denied tool does not run inside createAgent; the agent is told why", async () => {
    const agent = "lc-block-agent";
    const client = clientFor(server, agent);
    const { ran, readFile, deleteFile } = makeTools();
    const model = new ScriptedChatModel("gpt-4o", [
      toolCalls([
        ["read_file", { path: "/etc/shadow" }],
        ["read_file", { path: "/tmp/notes.txt" }],
        ["delete_file", { path: "/tmp/old.txt" }],
      ]),
      answer("I was not allowed to do everything."),
    ]);
    const handler = new TruseraLangChainHandler(client, {
      enforcement: "block",
      cedarEvaluator: await evaluatorWith(TOOL_POLICIES),
    });
    const result = await createAgent({ model, tools: [readFile, deleteFile] }).invoke(
      { messages: [{ role: "user", content: "tidy up" }] },
      { callbacks: [handler] },
    );
    expect(ran).toEqual(["read_file /tmp/notes.txt"]);
    const toolMessages = result.messages.filter((m) => m instanceof ToolMessage) as ToolMessage[];
    const refused = toolMessages.filter((m) => m.status === "error").map((m) => String(m.content));
    expect(refused).toHaveLength(2);
    expect(refused.join("\n")).toContain(
      "[Trusera] Policy violation: tool delete_file denied - forbidden by policy no-delete",
    );
    expect(refused.join("\n")).toContain(
      "[Trusera] Policy violation: tool read_file denied - forbidden by policy no-etc",
    );
    // The model saw the refusals in its second call.
    expect(model.calls).toHaveLength(2);
    expect(client.warnings.filter((w) => w.startsWith("Policy violation (blocked): tool"))).toHaveLength(2);

    const events = await storedEvents(server, client, agent);
    const blocked = events.filter((e) => e.type === "tool_call" && e.metadata.blocked);
    expect(blocked.map((e) => `${e.name} ${e.payload.input.path} ${e.payload.status}`).sort()).toEqual([
      "delete_file /tmp/old.txt blocked",
      "read_file /etc/shadow blocked",
    ]);
    expect(summary(events.filter((e) => e.type === "policy_violation")).sort()).toEqual([
      "policy_violation delete_file",
      "policy_violation read_file",
    ]);
    await client.close();
  });

  it("block mode: a direct tool.invoke rejects with PolicyViolationError and the tool does not run", async () => {
    const agent = "lc-block-direct";
    const client = clientFor(server, agent);
    const { ran, readFile, deleteFile } = makeTools();
    const handler = new TruseraLangChainHandler(client, {
      enforcement: "block",
      cedarEvaluator: await evaluatorWith(TOOL_POLICIES),
    });
    const err = await deleteFile
      .invoke({ path: "/srv/data" }, { callbacks: [handler] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect(err).toMatchObject({
      code: "TRUSERA_POLICY_VIOLATION",
      action: "tool_call",
      resource: "delete_file",
      library: "langchain",
      policyIds: ["no-delete"],
      message: "[Trusera] Policy violation: tool delete_file denied - forbidden by policy no-delete",
    });
    expect(await readFile.invoke({ path: "/srv/readme" }, { callbacks: [handler] })).toBe(
      "contents of /srv/readme",
    );
    expect(ran).toEqual(["read_file /srv/readme"]);
    const events = await storedEvents(server, client, agent);
    expect(summary(events).sort()).toEqual(
      ["tool_call delete_file", "policy_violation delete_file", "tool_call read_file"].sort(),
    );
    await client.close();
  });

  it("block mode: a denied model is never called and the agent's invoke rejects", async () => {
    const agent = "lc-block-model";
    const client = clientFor(server, agent);
    const { readFile } = makeTools();
    const model = new ScriptedChatModel("gpt-4", [answer("never")]);
    const handler = new TruseraLangChainHandler(client, {
      enforcement: "block",
      cedarEvaluator: await evaluatorWith(
        `@id("no-gpt4") forbid (principal, action == Action::"llm_invoke", resource == Model::"gpt-4");`,
      ),
    });
    const err = await createAgent({ model, tools: [readFile] })
      .invoke({ messages: [{ role: "user", content: "hi" }] }, { callbacks: [handler] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect((err as PolicyViolationError).message).toBe(
      "[Trusera] Policy violation: model gpt-4 denied - forbidden by policy no-gpt4",
    );
    expect(model.calls).toHaveLength(0);
    const events = await storedEvents(server, client, agent);
    expect(events.find((e) => e.type === "llm_invoke")).toMatchObject({
      name: "gpt-4",
      payload: { status: "blocked", input_tokens: null, estimated_cost_usd: null },
      metadata: { decision: "deny", blocked: true, policy_ids: ["no-gpt4"] },
    });
    await client.close();
  });

  it("block mode: a denied agent step (a graph node) does not run", async () => {
    const agent = "lc-block-step";
    const client = clientFor(server, agent);
    const { ran, readFile } = makeTools();
    const model = new ScriptedChatModel("gpt-4o", [
      toolCalls([["read_file", { path: "/tmp/a" }]]),
      answer("x"),
    ]);
    const handler = new TruseraLangChainHandler(client, {
      enforcement: "block",
      cedarEvaluator: await evaluatorWith(
        `@id("no-tools-step") forbid (principal, action == Action::"decision", resource == Step::"tools");`,
      ),
    });
    const err = await createAgent({ model, tools: [readFile] })
      .invoke({ messages: [{ role: "user", content: "hi" }] }, { callbacks: [handler] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect((err as PolicyViolationError).action).toBe("decision");
    expect(ran).toEqual([]);
    await client.close();
  });

  it("uses the price table users give", async () => {
    const agent = "lc-prices";
    const client = clientFor(server, agent);
    const model = new ScriptedChatModel("my-finetune-v2", [answer("hi", { input: 1000, output: 500 })]);
    const handler = new TruseraLangChainHandler(client, {
      prices: { "my-finetune": { input: 2, output: 4 } },
    });
    await model.invoke("hello", { callbacks: [handler] });
    const events = await storedEvents(server, client, agent);
    expect(events.find((e) => e.type === "llm_invoke")?.payload).toMatchObject({
      model: "my-finetune-v2",
      input_tokens: 1000,
      output_tokens: 500,
      estimated_cost_usd: 0.004,
    });
    await client.close();
  });
});

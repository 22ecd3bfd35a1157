import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, type ServerProcess, startServerProcess } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolicyViolationError } from "../../src/index.js";
import { truseraMiddleware } from "../../src/integrations/ai/index.js";
import { aiMajors, mockModelOf } from "../support/ai-majors.js";
import { clientFor, evaluatorWith, storedEvents, summary, TOOL_POLICIES } from "./support.js";

// The Vercel AI SDK (5, 6 and 7: support/ai-majors.ts) driving its own mock language model through
// wrapLanguageModel, with real tools executed by generateText/streamText, reporting to a real
// trusera-server process.

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.dispose();
});

const MAJORS = await aiMajors();

const toolCall = (id: string, toolName: string, input: unknown) =>
  ({ type: "tool-call", toolCallId: id, toolName, input: JSON.stringify(input) }) as const;

describe.each(MAJORS)("truseraMiddleware (Vercel AI SDK $major)", (lib) => {
  const { generateText, stepCountIs, streamText, tool, wrapLanguageModel } = lib.ai;
  const agentOf = (name: string) => `${name}-${lib.major}`;

  function makeTools() {
    const ran: string[] = [];
    const tools = {
      read_file: tool({
        description: "Reads a file",
        inputSchema: z.object({ path: z.string() }),
        execute: async ({ path }) => {
          ran.push(`read_file ${path}`);
          return `contents of ${path}`;
        },
      }),
      delete_file: tool({
        description: "Deletes a file",
        inputSchema: z.object({ path: z.string() }),
        execute: async ({ path }) => {
          ran.push(`delete_file ${path}`);
          return `deleted ${path}`;
        },
      }),
    };
    return { ran, tools };
  }

  /** A mock model that first asks for `calls`, then answers "Done.". */
  function mockModel(modelId: string, calls: ReturnType<typeof toolCall>[]) {
    const model = mockModelOf(lib, {
      modelId,
      tokens: { input: 1000, output: 200 },
      generate: [
        { content: calls, finishReason: "tool-calls" },
        { content: [{ type: "text", text: "Done." }], finishReason: "stop" },
      ],
      stream: [
        { chunks: calls, finishReason: "tool-calls" },
        {
          chunks: [
            { type: "text-start", id: "t" },
            { type: "text-delta", id: "t", delta: "Done." },
            { type: "text-end", id: "t" },
          ],
          finishReason: "stop",
        },
      ],
    });
    return model as any;
  }

  it("records model calls with usage and cost, and the model's tool calls (log mode)", async () => {
    const agent = agentOf("ai-log");
    const client = clientFor(server, agent);
    const { ran, tools } = makeTools();
    const model = wrapLanguageModel({
      model: mockModel("gpt-4o", [
        toolCall("c1", "read_file", { path: "/tmp/a" }),
        toolCall("c2", "delete_file", { path: "/tmp/b" }),
      ]),
      middleware: truseraMiddleware(client, { cedarEvaluator: await evaluatorWith(TOOL_POLICIES) }),
    });
    const result = await generateText({ model, tools, prompt: "tidy up", stopWhen: stepCountIs(3) });
    expect(result.text).toBe("Done.");
    expect(ran.sort()).toEqual(["delete_file /tmp/b", "read_file /tmp/a"]);
    const events = await storedEvents(server, client, agent);
    const models = events.filter((e) => e.type === "llm_invoke");
    expect(models).toHaveLength(2);
    expect(models[0]).toMatchObject({
      name: "gpt-4o",
      payload: {
        provider: "openai",
        input_tokens: 1000,
        output_tokens: 200,
        total_tokens: 1200,
        // 1000 * 2.5 / 1e6 + 200 * 10 / 1e6
        estimated_cost_usd: 0.0045,
        status: "ok",
        // 6 and 7 give {unified, raw}: the unified reason is recorded.
        finish_reason: "tool-calls",
      },
      metadata: { decision: "allow", library: "ai" },
    });
    // Decided and handed on to the AI SDK, which executes them (the middleware does not see that).
    expect(
      events
        .filter((e) => e.type === "tool_call")
        .map((e) => [e.name, e.payload.input, e.metadata.decision, e.payload.status]),
    ).toEqual(
      expect.arrayContaining([
        ["read_file", { path: "/tmp/a" }, "allow", "requested"],
        ["delete_file", { path: "/tmp/b" }, "deny", "requested"],
      ]),
    );
    expect(summary(events.filter((e) => e.type === "policy_violation"))).toEqual([
      "policy_violation delete_file",
    ]);
    await client.close();
  });

  it("block mode: generateText rejects at a denied tool call, and no tool of that step runs", async () => {
    const agent = agentOf("ai-block");
    const client = clientFor(server, agent);
    const { ran, tools } = makeTools();
    const model = wrapLanguageModel({
      model: mockModel("gpt-4o", [
        toolCall("c1", "read_file", { path: "/tmp/a" }),
        toolCall("c2", "read_file", { path: "/etc/passwd" }),
      ]),
      middleware: truseraMiddleware(client, {
        enforcement: "block",
        cedarEvaluator: await evaluatorWith(TOOL_POLICIES),
      }),
    });
    const err = await generateText({ model, tools, prompt: "x", stopWhen: stepCountIs(3) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect(err).toMatchObject({
      action: "tool_call",
      resource: "read_file",
      library: "ai",
      message: "[Trusera] Policy violation: tool read_file denied - forbidden by policy no-etc",
    });
    expect(ran).toEqual([]);
    const events = await storedEvents(server, client, agent);
    expect(
      events.filter((e) => e.type === "tool_call").map((e) => `${e.payload.input.path} ${e.payload.status}`),
    ).toEqual(expect.arrayContaining(["/tmp/a skipped", "/etc/passwd blocked"]));
    expect(summary(events.filter((e) => e.type === "policy_violation"))).toEqual([
      "policy_violation read_file",
    ]);
    await client.close();
  });

  it("block mode: a denied model is never called", async () => {
    const agent = agentOf("ai-block-model");
    const client = clientFor(server, agent);
    const inner = mockModel("gpt-4", []);
    const model = wrapLanguageModel({
      model: inner,
      middleware: truseraMiddleware(client, {
        enforcement: "block",
        cedarEvaluator: await evaluatorWith(
          `@id("no-gpt4") forbid (principal, action == Action::"llm_invoke", resource == Model::"gpt-4");`,
        ),
      }),
    });
    await expect(generateText({ model, prompt: "x" })).rejects.toThrow(
      "[Trusera] Policy violation: model gpt-4 denied - forbidden by policy no-gpt4",
    );
    // streamText reports a failing model call as any model error: an error part and onError.
    const errors: unknown[] = [];
    await streamText({ model, prompt: "x", onError: ({ error }) => void errors.push(error) }).consumeStream();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PolicyViolationError);
    expect(inner.doGenerateCalls).toHaveLength(0);
    expect(inner.doStreamCalls).toHaveLength(0);
    const events = await storedEvents(server, client, agent);
    expect(summary(events).filter((s) => s.startsWith("llm_invoke"))).toEqual([
      "llm_invoke gpt-4",
      "llm_invoke gpt-4",
    ]);
    await client.close();
  });

  it("streamText: a denied tool call fails the stream before the tool runs; allowed ones stream on", async () => {
    const agent = agentOf("ai-stream");
    const client = clientFor(server, agent);
    const evaluator = await evaluatorWith(TOOL_POLICIES);

    const allowed = makeTools();
    const ok = streamText({
      model: wrapLanguageModel({
        model: mockModel("gpt-4o-mini", [toolCall("c1", "read_file", { path: "/tmp/a" })]),
        middleware: truseraMiddleware(client, { enforcement: "block", cedarEvaluator: evaluator }),
      }),
      tools: allowed.tools,
      prompt: "x",
      stopWhen: stepCountIs(3),
    });
    expect(await ok.text).toBe("Done.");
    expect(allowed.ran).toEqual(["read_file /tmp/a"]);

    const denied = makeTools();
    const parts: string[] = [];
    const bad = streamText({
      model: wrapLanguageModel({
        model: mockModel("gpt-4o-mini", [toolCall("c2", "delete_file", { path: "/tmp/b" })]),
        middleware: truseraMiddleware(client, { enforcement: "block", cedarEvaluator: evaluator }),
      }),
      tools: denied.tools,
      prompt: "x",
      stopWhen: stepCountIs(3),
    });
    const err = await (async () => {
      for await (const part of bad.fullStream) parts.push(part.type);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect(parts).not.toContain("tool-call");
    expect(denied.ran).toEqual([]);

    const events = await storedEvents(server, client, agent);
    const models = events.filter((e) => e.type === "llm_invoke");
    // The allowed stream's two steps (with usage from their finish parts), and the blocked one.
    expect(models).toHaveLength(3);
    expect(models.filter((e) => e.payload.input_tokens === 1000)).toHaveLength(2);
    expect(
      events
        .filter((e) => e.type === "tool_call")
        .map((e) => `${e.name} ${e.payload.status}`)
        .sort(),
    ).toEqual(["delete_file blocked", "read_file requested"]);
    await client.close();
  });
});

// examples/integrations/ai.ts, unchanged, on each extra major (`ai` resolved from its .cache dir); the
// workspace's own major runs it in examples/test.
describe.each(MAJORS.filter((m) => m.dir !== null))("examples/integrations/ai.ts on ai $major", (lib) => {
  it("the allowed read runs, the read under /etc stops generateText, tokens and cost are recorded", async () => {
    const example = join(REPO_ROOT, "examples", "integrations", "ai.ts");
    const hook = fileURLToPath(new URL("../support/ai-major-hook.mjs", import.meta.url));
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "--import", hook, example],
        {
          cwd: REPO_ROOT,
          timeout: 60_000,
          env: {
            ...process.env,
            TRUSERA_API_KEY: server.apiKey,
            TRUSERA_API_URL: server.url,
            TRUSERA_TEST_AI_DIR: lib.dir!,
          },
        },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
      );
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("read_file ran on /tmp/notes.txt\nallowed: Read /tmp/notes.txt.");
    expect(run.stdout).toContain(
      "blocked: [Trusera] Policy violation: tool read_file denied - forbidden by policy no-etc",
    );
    const res = await server.api("GET", "/api/v1/events?agent_id=ai-sdk-example&type=llm_invoke&limit=100");
    const models = res.body.events as { payload: Record<string, unknown> }[];
    expect(models.length).toBeGreaterThanOrEqual(3);
    // 800 * 2.5 / 1e6 + 60 * 10 / 1e6
    for (const m of models)
      expect(m.payload).toMatchObject({ input_tokens: 800, total_tokens: 860, estimated_cost_usd: 0.0026 });
  });
});

import { type ServerProcess, startServerProcess } from "@trusera/testing";
import { generateText, simulateReadableStream, stepCountIs, streamText, tool, wrapLanguageModel } from "ai";
import { MockLanguageModelV2 } from "ai/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolicyViolationError } from "../../src/index.js";
import { truseraMiddleware } from "../../src/integrations/ai/index.js";
import { clientFor, evaluatorWith, storedEvents, summary, TOOL_POLICIES } from "./support.js";

// The Vercel AI SDK (v5) driving its own mock language model through wrapLanguageModel, with real
// tools executed by generateText/streamText, reporting to a real trusera-server process.

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.dispose();
});

const usage = { inputTokens: 1000, outputTokens: 200, totalTokens: 1200 };

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

const toolCall = (id: string, toolName: string, input: unknown) =>
  ({ type: "tool-call", toolCallId: id, toolName, input: JSON.stringify(input) }) as const;

/** A mock model that first asks for `calls`, then answers "Done.". */
function mockModel(modelId: string, calls: ReturnType<typeof toolCall>[]) {
  return new MockLanguageModelV2({
    provider: "openai.chat",
    modelId,
    doGenerate: [
      { content: calls, finishReason: "tool-calls", usage, warnings: [] },
      { content: [{ type: "text", text: "Done." }], finishReason: "stop", usage, warnings: [] },
    ],
    doStream: [
      {
        stream: simulateReadableStream({
          chunks: [
            { type: "stream-start", warnings: [] },
            ...calls,
            { type: "finish", finishReason: "tool-calls", usage },
          ],
        }),
      },
      {
        stream: simulateReadableStream({
          chunks: [
            { type: "stream-start", warnings: [] },
            { type: "text-start", id: "t" },
            { type: "text-delta", id: "t", delta: "Done." },
            { type: "text-end", id: "t" },
            { type: "finish", finishReason: "stop", usage },
          ],
        }),
      },
    ],
  });
}

describe("truseraMiddleware (Vercel AI SDK)", () => {
  it("records model calls with usage and cost, and the model's tool calls (log mode)", async () => {
    const agent = "ai-log";
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
    const agent = "ai-block";
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
    const agent = "ai-block-model";
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
    const agent = "ai-stream";
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

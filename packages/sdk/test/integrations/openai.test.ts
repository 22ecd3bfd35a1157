import { type FakeOpenAI, type ServerProcess, startFakeOpenAI, startServerProcess } from "@trusera/testing";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, PolicyViolationError } from "../../src/index.js";
import { TruseraOpenAI } from "../../src/integrations/openai/index.js";
import { clientFor, evaluatorWith, storedEvents, summary, TOOL_POLICIES } from "./support.js";

// The OpenAI Node SDK pointed at an OpenAI-compatible server on a loopback port, with the
// application's tool loop, reporting to a real trusera-server process.

let server: ServerProcess;
let upstream: FakeOpenAI | undefined;
beforeAll(async () => {
  server = await startServerProcess();
});
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});
afterAll(async () => {
  await server?.dispose();
});

const TOOL_SCHEMAS = ["read_file", "delete_file"].map((name) => ({
  type: "function" as const,
  function: {
    name,
    parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  },
}));

function makeTools() {
  const ran: string[] = [];
  return {
    ran,
    tools: {
      read_file: ({ path }: { path: string }) => {
        ran.push(`read_file ${path}`);
        return `contents of ${path}`;
      },
      delete_file: async ({ path }: { path: string }) => {
        ran.push(`delete_file ${path}`);
        return { deleted: path };
      },
    },
  };
}

const openaiAt = (fake: FakeOpenAI) =>
  new OpenAI({ baseURL: fake.baseURL, apiKey: "sk-test", maxRetries: 0 });

describe("TruseraOpenAI", () => {
  it("records each model call with usage and cost, and runs the model's tool calls (log mode)", async () => {
    const agent = "oa-log";
    const client = clientFor(server, agent);
    upstream = await startFakeOpenAI([
      {
        toolCalls: [
          { name: "read_file", arguments: { path: "/tmp/a" } },
          { name: "delete_file", arguments: { path: "/tmp/b" } },
        ],
        usage: { prompt_tokens: 500, completion_tokens: 40 },
      },
      { content: "Done.", usage: { prompt_tokens: 600, completion_tokens: 5 } },
    ]);
    const trusera = new TruseraOpenAI(client, { cedarEvaluator: await evaluatorWith(TOOL_POLICIES) });
    const openai = trusera.wrap(openaiAt(upstream));
    const { ran, tools } = makeTools();
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "tidy up" }];
    for (let turn = 0; turn < 4; turn++) {
      const completion = await openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        tools: TOOL_SCHEMAS,
      });
      const message = completion.choices[0]!.message;
      messages.push(message);
      if (!message.tool_calls?.length) break;
      messages.push(...(await trusera.runToolCalls(message.tool_calls as never, tools)));
    }
    expect(messages.at(-1)).toMatchObject({ role: "assistant", content: "Done." });
    expect(ran).toEqual(["read_file /tmp/a", "delete_file /tmp/b"]);
    // The tool results went back to the model as tool messages.
    expect(upstream.requests[1]!.messages).toEqual(
      expect.arrayContaining([
        { role: "tool", tool_call_id: "call_1_0", content: "contents of /tmp/a" },
        { role: "tool", tool_call_id: "call_1_1", content: '{"deleted":"/tmp/b"}' },
      ]),
    );
    const events = await storedEvents(server, client, agent);
    expect(events.filter((e) => e.type === "llm_invoke").map((e) => e.payload)).toEqual([
      expect.objectContaining({
        model: "gpt-4o-mini",
        provider: "openai",
        input_tokens: 500,
        output_tokens: 40,
        total_tokens: 540,
        // 500 * 0.15 / 1e6 + 40 * 0.6 / 1e6
        estimated_cost_usd: 0.000099,
        finish_reason: "tool_calls",
        tool_calls: 2,
        status: "ok",
      }),
      expect.objectContaining({ input_tokens: 600, output_tokens: 5, finish_reason: "stop", tool_calls: 0 }),
    ]);
    expect(
      events
        .filter((e) => e.type === "tool_call")
        .map((e) => [e.name, e.payload.status, e.metadata.decision]),
    ).toEqual([
      ["read_file", "ok", "allow"],
      ["delete_file", "ok", "deny"],
    ]);
    expect(summary(events.filter((e) => e.type === "policy_violation"))).toEqual([
      "policy_violation delete_file",
    ]);
    await client.close();
  });

  it("block mode: runToolCalls runs none of the calls when one is denied", async () => {
    const agent = "oa-block";
    const client = clientFor(server, agent);
    upstream = await startFakeOpenAI([
      {
        toolCalls: [
          { name: "read_file", arguments: { path: "/tmp/a" } },
          { name: "read_file", arguments: { path: "/etc/shadow" } },
        ],
      },
    ]);
    const trusera = new TruseraOpenAI(client, {
      enforcement: "block",
      cedarEvaluator: await evaluatorWith(TOOL_POLICIES),
    });
    const openai = trusera.wrap(openaiAt(upstream));
    const { ran, tools } = makeTools();
    const completion = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "read" }],
      tools: TOOL_SCHEMAS,
    });
    const err = await trusera
      .runToolCalls(completion.choices[0]!.message.tool_calls as never, tools)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect((err as PolicyViolationError).message).toBe(
      "[Trusera] Policy violation: tool read_file denied - forbidden by policy no-etc",
    );
    expect(ran).toEqual([]);
    const events = await storedEvents(server, client, agent);
    expect(
      events.filter((e) => e.type === "tool_call").map((e) => `${e.payload.input.path} ${e.payload.status}`),
    ).toEqual(["/tmp/a skipped", "/etc/shadow blocked"]);
    await client.close();
  });

  it("block mode: a guarded tool map refuses a denied tool and runs the others", async () => {
    const agent = "oa-wrap-tools";
    const client = clientFor(server, agent);
    const trusera = new TruseraOpenAI(client, {
      enforcement: "block",
      cedarEvaluator: await evaluatorWith(TOOL_POLICIES),
    });
    const { ran, tools } = makeTools();
    const guarded = trusera.wrapTools(tools);
    await expect(guarded.delete_file({ path: "/srv" })).rejects.toMatchObject({
      name: "PolicyViolationError",
      action: "tool_call",
      resource: "delete_file",
      library: "openai",
    });
    expect(await guarded.read_file({ path: "/srv/readme" })).toBe("contents of /srv/readme");
    expect(ran).toEqual(["read_file /srv/readme"]);
    // A guarded map handed to runToolCalls is decided once per call, not twice.
    await trusera.runToolCalls(
      [{ id: "c1", type: "function", function: { name: "read_file", arguments: '{"path":"/x"}' } }],
      guarded,
    );
    const events = await storedEvents(server, client, agent);
    expect(summary(events)).toEqual([
      "policy_violation delete_file",
      "tool_call delete_file",
      "tool_call read_file",
      "tool_call read_file",
    ]);
    await client.close();
  });

  it("block mode: a denied model is never sent", async () => {
    const agent = "oa-block-model";
    const client = clientFor(server, agent);
    upstream = await startFakeOpenAI([{ content: "never" }]);
    const trusera = new TruseraOpenAI(client, {
      enforcement: "block",
      cedarEvaluator: await evaluatorWith(
        `@id("no-gpt4") forbid (principal, action == Action::"llm_invoke", resource == Model::"gpt-4");`,
      ),
    });
    const openai = trusera.wrap(openaiAt(upstream));
    await expect(
      openai.chat.completions.create({ model: "gpt-4", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toThrow("[Trusera] Policy violation: model gpt-4 denied - forbidden by policy no-gpt4");
    expect(upstream.requests).toEqual([]);
    // Allowed models go through, and the SDK's APIPromise keeps withResponse().
    const { data, response } = await openai.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("never");
    expect(response.headers.get("x-request-id")).toBe("req_1");
    const events = await storedEvents(server, client, agent);
    expect(events.filter((e) => e.type === "llm_invoke").map((e) => `${e.name} ${e.payload.status}`)).toEqual(
      ["gpt-4 blocked", "gpt-4o ok"],
    );
    await client.close();
  });

  it("records a streamed completion when it has been read, with the usage of its last chunk", async () => {
    const agent = "oa-stream";
    const client = clientFor(server, agent);
    upstream = await startFakeOpenAI([
      { content: "Streamed.", usage: { prompt_tokens: 1000, completion_tokens: 100 } },
    ]);
    const openai = new TruseraOpenAI(client).wrap(openaiAt(upstream));
    const stream = await openai.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: "x" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("Streamed.");
    const events = await storedEvents(server, client, agent);
    expect(events.find((e) => e.type === "llm_invoke")?.payload).toMatchObject({
      model: "gpt-4.1-mini",
      input_tokens: 1000,
      output_tokens: 100,
      // 1000 * 0.4 / 1e6 + 100 * 1.6 / 1e6
      estimated_cost_usd: 0.00056,
      status: "ok",
    });
    await client.close();
  });

  it("records a Responses API call, and answers a call to a tool the map lacks with an error message", async () => {
    const agent = "oa-responses";
    const client = clientFor(server, agent);
    upstream = await startFakeOpenAI([
      { content: "Hi.", usage: { prompt_tokens: 10, completion_tokens: 2 } },
    ]);
    const trusera = new TruseraOpenAI(client);
    const openai = trusera.wrap(openaiAt(upstream));
    const response = await openai.responses.create({ model: "gpt-4.1", input: "hello" });
    expect(response.output_text).toBe("Hi.");
    const messages = await trusera.runToolCalls(
      [{ id: "c9", type: "function", function: { name: "format_disk", arguments: "{}" } }],
      makeTools().tools,
    );
    expect(messages).toEqual([
      { role: "tool", tool_call_id: "c9", content: 'Error: no tool named "format_disk"' },
    ]);
    const events = await storedEvents(server, client, agent);
    expect(events.map((e) => [e.type, e.name, e.payload.status])).toEqual([
      ["llm_invoke", "gpt-4.1", "ok"],
      ["tool_call", "format_disk", "error"],
    ]);
    expect(events[0]!.payload).toMatchObject({
      input_tokens: 10,
      output_tokens: 2,
      finish_reason: "completed",
    });
    await client.close();
  });

  it("records a failed call with its error", async () => {
    const agent = "oa-error";
    const client = clientFor(server, agent);
    upstream = await startFakeOpenAI([]);
    const openai = new TruseraOpenAI(client).wrap(
      new OpenAI({ baseURL: `${upstream.baseURL}/missing`, apiKey: "sk-test", maxRetries: 0 }),
    );
    await expect(openai.chat.completions.create({ model: "gpt-4o", messages: [] })).rejects.toMatchObject({
      status: 404,
    });
    const events = await storedEvents(server, client, agent);
    expect(events.find((e) => e.type === "llm_invoke")?.payload).toMatchObject({ status: "error" });
    expect(events.find((e) => e.type === "llm_invoke")?.payload.error).toMatch(/404/);
    await client.close();
  });

  it("failClosed: with no policy loaded, every tool is denied (and blocked in block mode)", async () => {
    const agent = "oa-fail-closed";
    const client = clientFor(server, agent);
    const evaluator = new CedarEvaluator();
    const { ran, tools } = makeTools();
    const guarded = new TruseraOpenAI(client, {
      enforcement: "block",
      cedarEvaluator: evaluator,
      failClosed: true,
    }).wrapTools(tools);
    await expect(guarded.read_file({ path: "/tmp/a" })).rejects.toThrow(
      "[Trusera] Policy violation: tool read_file denied - no policy is available and failClosed is on",
    );
    await evaluator.loadPolicy(TOOL_POLICIES);
    expect(await guarded.read_file({ path: "/tmp/a" })).toBe("contents of /tmp/a");
    // Arguments no Cedar request can be built from are decided as for a missing policy.
    const cyclic: Record<string, unknown> = { path: "/tmp/c" };
    cyclic.self = cyclic;
    await expect(guarded.read_file(cyclic as never)).rejects.toThrow(/request could not be built/);
    expect(ran).toEqual(["read_file /tmp/a"]);
    await client.close();
  });
});

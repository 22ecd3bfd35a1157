import { gzipSync } from "node:zlib";
import { context, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as HttpExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { type ServerProcess, startServerProcess, WebhookReceiver, waitFor } from "@trusera/testing";
import { generateText, jsonSchema, stepCountIs, tool } from "ai";
import { MockLanguageModelV2 } from "ai/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJson, spanJson, TRACE } from "./otel-spans.js";

// OTLP/HTTP ingest against the built server: the real Vercel AI SDK with its telemetry on, exported by
// the real OTel JS SDK exporters (JSON and protobuf, gzip), then the events and the trace tree read back.

let server: ServerProcess;
// A small body limit: an oversized body is refused while the client sends it, and a big one raced that.
const BODY_LIMIT = 64 * 1024;
beforeAll(async () => {
  server = await startServerProcess({ args: ["--body-limit", String(BODY_LIMIT)] });
});
afterAll(async () => {
  await server?.dispose();
});

function provider(exporter: SpanExporter, agent: string) {
  return new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": agent }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

function model() {
  const usage = { inputTokens: 31, outputTokens: 7, totalTokens: 38 };
  return new MockLanguageModelV2({
    provider: "openai.chat",
    modelId: "gpt-4o-mini",
    doGenerate: [
      {
        content: [{ type: "tool-call", toolCallId: "call_1", toolName: "weather", input: '{"city":"Oslo"}' }],
        finishReason: "tool-calls",
        usage,
        warnings: [],
      },
      {
        content: [{ type: "text", text: "It is sunny in Oslo." }],
        finishReason: "stop",
        usage,
        warnings: [],
      },
    ] as never,
  });
}

async function runAgent(exporter: SpanExporter, agent: string) {
  const p = provider(exporter, agent);
  // Registered for the run: the context manager is what makes the steps' spans children of the call's.
  p.register();
  try {
    await generateText({
      model: model(),
      prompt: "Weather in Oslo?",
      tools: {
        weather: tool({
          description: "the weather in a city",
          inputSchema: jsonSchema<{ city: string }>({
            type: "object",
            properties: { city: { type: "string" } },
          }),
          execute: async ({ city }) => ({ city, sky: "sunny" }),
        }),
      },
      stopWhen: stepCountIs(3),
      experimental_telemetry: { isEnabled: true, tracer: p.getTracer("ai") },
    });
    await p.forceFlush();
  } finally {
    await p.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  }
}

async function events(agent: string) {
  const res = await server.api("GET", `/api/v1/events?agent_id=${agent}&limit=100`);
  expect(res.status).toBe(200);
  return res.body.events as any[];
}

async function post(
  body: Buffer | string,
  headers: Record<string, string>,
  key: string | null = server.apiKey,
) {
  const res = await fetch(`${server.url}/v1/traces`, {
    method: "POST",
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

describe.each([
  [
    "JSON",
    (url: string, key: string) => new HttpExporter({ url, headers: { Authorization: `Bearer ${key}` } }),
  ],
  [
    "protobuf, gzip",
    (url: string, key: string) =>
      new ProtoExporter({ url, headers: { Authorization: `Bearer ${key}` }, compression: "gzip" as never }),
  ],
])("the Vercel AI SDK's telemetry through the OTLP %s exporter", (label, make) => {
  const agent = `vercel-${label.replace(/\W+/g, "-")}`;

  it("arrives as llm_invoke and tool_call events of the agent named by service.name", async () => {
    await runAgent(make(`${server.url}/v1/traces`, server.apiKey), agent);
    const got = await events(agent);
    const llm = got.filter((e) => e.type === "llm_invoke");
    const tools = got.filter((e) => e.type === "tool_call");
    expect(llm).toHaveLength(2);
    for (const e of llm) {
      expect(e.name).toBe("gpt-4o-mini");
      expect(e.payload).toMatchObject({
        model: "gpt-4o-mini",
        provider: "openai.chat",
        input_tokens: 31,
        output_tokens: 7,
        total_tokens: 38,
      });
      expect(e.metadata).toMatchObject({ source: "otlp", trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    }
    expect(tools).toHaveLength(1);
    expect(tools[0]).toMatchObject({
      name: "weather",
      payload: {
        tool: "weather",
        call_id: "call_1",
        input: { city: "Oslo" },
        result: { city: "Oslo", sky: "sunny" },
      },
    });
    // Only what the platform models is stored: the SDK's wrapper spans (ai.generateText) are not.
    expect(got).toHaveLength(3);

    // One run, one trace: the tree holds all three.
    const traceId = tools[0].metadata.trace_id;
    expect(new Set(got.map((e) => e.metadata.trace_id))).toEqual(new Set([traceId]));
    const tree = await server.api("GET", `/api/v1/traces/${traceId}`);
    expect(tree.status).toBe(200);
    expect(tree.body.events).toBe(3);
    expect(tree.body.roots.map((r: any) => r.type).sort()).toEqual(["llm_invoke", "llm_invoke", "tool_call"]);
  });

  it("stores an exporter's retry of the same spans once", async () => {
    const before = (await events(agent)).length;
    const res = await post(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: "service.name", value: { stringValue: agent } }] },
            scopeSpans: [],
          },
        ],
      }),
      { "content-type": "application/json" },
    );
    expect(res.status).toBe(200);
    expect((await events(agent)).length).toBe(before);
  });
});

describe("GenAI semantic conventions over OTLP/JSON", () => {
  it("nests a chat, its tool and an HTTP client call into one tree; other spans are counted, not stored", async () => {
    const res = await post(
      exportJson("semconv-agent", [
        spanJson("00f067aa0ba902b7", {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "anthropic",
          "gen_ai.request.model": "claude-x",
          "gen_ai.usage.input_tokens": 100,
          "gen_ai.usage.output_tokens": 20,
        }),
        spanJson(
          "00f067aa0ba902b8",
          {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "search",
            "gen_ai.tool.call.id": "t1",
          },
          "00f067aa0ba902b7",
        ),
        spanJson(
          "00f067aa0ba902b9",
          {
            "http.request.method": "GET",
            "url.full": "https://api.example.com/q?api_key=sk-abcdefghijklmnopqrstuvwxyz123456",
            "http.response.status_code": 200,
          },
          "00f067aa0ba902b8",
          3,
        ),
        spanJson("00f067aa0ba902ba", {}),
        spanJson("00f067aa0ba902bb", { "db.system": "postgresql" }, "00f067aa0ba902b7"),
      ]),
      { "content-type": "application/json" },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      partialSuccess: { rejectedSpans: "2", errorMessage: expect.stringContaining("2 span(s)") },
    });
    const tree = await server.api("GET", `/api/v1/traces/${TRACE}`);
    expect(tree.body.events).toBe(3);
    const [chat] = tree.body.roots;
    expect(tree.body.roots).toHaveLength(1);
    expect(chat).toMatchObject({
      type: "llm_invoke",
      payload: {
        model: "claude-x",
        provider: "anthropic",
        input_tokens: 100,
        output_tokens: 20,
        duration_ms: 250,
      },
    });
    expect(chat.children[0]).toMatchObject({ type: "tool_call", name: "search", payload: { call_id: "t1" } });
    const http = chat.children[0].children[0];
    expect(http).toMatchObject({ type: "api_call", payload: { method: "GET", status_code: 200 } });
    // Redacted like every other ingest path.
    expect(JSON.stringify(http)).not.toContain("sk-abcdefghijklmnopqrstuvwxyz123456");
  });

  it("a large tool result and an overlong tool name are cut, not a failed export", async () => {
    const res = await post(
      exportJson("big-tool-agent", [
        spanJson("50f067aa0ba902b7", {
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": "t".repeat(1000),
          "gen_ai.tool.call.result": JSON.stringify({ rows: "r".repeat(50 * 1024) }),
        }),
      ]),
      { "content-type": "application/json" },
    );
    expect(res.status).toBe(200);
    const [e] = await events("big-tool-agent");
    expect(e.name).toHaveLength(512);
    expect(e.payload.result_truncated).toBe(true);
    expect(e.payload.result).toHaveLength(16 * 1024);
  });

  it("a span with a trusera.decision becomes a decision event with that decision", async () => {
    const res = await post(
      exportJson("decider", [
        spanJson("10f067aa0ba902b7", {
          "trusera.decision": "deny",
          "trusera.policy.id": "p-1",
          "trusera.step": "refund",
        }),
      ]),
      { "content-type": "application/json" },
    );
    expect(res.status).toBe(200);
    const [e] = await events("decider");
    expect(e).toMatchObject({
      type: "decision",
      name: "refund",
      decision: "deny",
      payload: { policy_id: "p-1" },
    });
  });
});

describe("ingested spans are events: replay and alert rules work on them", () => {
  it("replays a policy over what the Vercel AI SDK agent did", async () => {
    const res = await server.api("POST", "/api/v1/policies/replay", {
      policies:
        '@id("no-weather")\nforbid (principal, action == Action::"tool_call", resource == Tool::"weather");\npermit (principal, action, resource);',
      agent_id: "vercel-JSON",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ evaluated: 3, allow_to_deny: 1, denied_by_policy: { "no-weather": 1 } });
    expect(res.body.examples.allow_to_deny[0]).toMatchObject({ type: "tool_call", name: "weather" });
  });

  it("fires a match rule on a tool call that arrived as a span", async () => {
    const hook = await new WebhookReceiver().listen();
    try {
      const rule = await server.api("POST", "/api/v1/alerts/rules", {
        name: "deletes over otel",
        kind: "match",
        type: "tool_call",
        name_pattern: "delete*",
        channels: [{ type: "webhook", url: `${hook.url}/otel` }],
      });
      expect(rule.status).toBe(201);
      const res = await post(
        exportJson("alerted-agent", [
          spanJson("40f067aa0ba902b7", {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "delete_user",
          }),
        ]),
        { "content-type": "application/json" },
      );
      expect(res.status).toBe(200);
      await waitFor(() => hook.requests.length === 1, { what: "the alert webhook" });
      expect(hook.requests[0]!.body).toContain("delete_user");
    } finally {
      await hook.close();
    }
  });
});

describe("bad input: a clear 4xx, nothing stored, never a 5xx", () => {
  const agent = "bad-input-agent";
  const good = exportJson(agent, [
    spanJson("20f067aa0ba902b7", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" }),
  ]);

  it.each([
    [
      "malformed protobuf",
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
      { "content-type": "application/x-protobuf" },
      400,
      "otlp_malformed",
    ],
    ["malformed JSON", "{not json", { "content-type": "application/json" }, 400, "malformed_json"],
    ["a wrong content type", good, { "content-type": "text/plain" }, 415, "unsupported_media_type"],
    [
      "gzip that is not gzip",
      good,
      { "content-type": "application/json", "content-encoding": "gzip" },
      400,
      "otlp_malformed",
    ],
    [
      "an unknown encoding",
      good,
      { "content-type": "application/json", "content-encoding": "br" },
      415,
      "unsupported_content_encoding",
    ],
    [
      "a short trace id",
      good.replace(TRACE, "abcd"),
      { "content-type": "application/json" },
      400,
      "otlp_malformed",
    ],
    [
      "an oversized body",
      Buffer.alloc(BODY_LIMIT + 1, 0x20),
      { "content-type": "application/json" },
      413,
      "payload_too_large",
    ],
    [
      "a gzip bomb",
      gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20)),
      { "content-type": "application/json", "content-encoding": "gzip" },
      413,
      "payload_too_large",
    ],
  ])("%s", async (_label, body, headers, status, code) => {
    const res = await post(body as never, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await events(agent)).toHaveLength(0);
  });

  it("no key is a 401; spans without attributes are reported in partialSuccess and not stored", async () => {
    expect((await post(good, { "content-type": "application/json" }, null)).status).toBe(401);
    // An ingest key sends spans but cannot read a trace back.
    const ingestKey = (await server.api("POST", "/api/v1/keys", { role: "ingest", label: "otel" })).body.key;
    expect(
      (
        await post(
          exportJson("ingest-key-agent", [
            spanJson(
              "60f067aa0ba902b7",
              { "gen_ai.request.model": "m" },
              undefined,
              1,
              "9b8efff798038103d269b633813fc60c",
            ),
          ]),
          { "content-type": "application/json" },
          ingestKey,
        )
      ).status,
    ).toBe(200);
    const read = await fetch(`${server.url}/api/v1/traces/9b8efff798038103d269b633813fc60c`, {
      headers: { authorization: `Bearer ${ingestKey}` },
    });
    expect(read.status).toBe(403);
    const bare = exportJson(agent, [spanJson("30f067aa0ba902b7", {})]);
    const res = await post(bare, { "content-type": "application/json" });
    expect(res.status).toBe(200);
    expect(res.body.partialSuccess.rejectedSpans).toBe("1");
    expect(await events(agent)).toHaveLength(0);
  });
});

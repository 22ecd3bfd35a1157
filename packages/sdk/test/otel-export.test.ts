import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import * as generated from "@opentelemetry/otlp-transformer/build/src/generated/root.js";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { freePort, type ServerProcess, startServerProcess, waitFor } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Logger, TruseraClient } from "../src/index.js";
import { exportToOtel } from "../src/otel/index.js";

// trusera-sdk/otel: events become spans through the real OTel JS SDK and its OTLP/protobuf exporter,
// received by an OTLP endpoint decoding with the official definitions; then sent to the real server.

const quiet: Logger = { debug() {}, warn() {} };
const TRACE = ((generated as any).default ?? generated).opentelemetry.proto.collector.trace.v1;

interface Received {
  body: Buffer;
  spans: {
    name: string;
    kind: number;
    traceId: string;
    spanId: string;
    parentSpanId: string;
    attributes: Record<string, unknown>;
  }[];
}

let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let server: ServerProcess;

function attrs(list: { key: string; value: Record<string, unknown> }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    const v = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue ?? value.arrayValue;
    out[key] =
      value.arrayValue !== undefined
        ? ((value.arrayValue as { values?: { stringValue: string }[] }).values ?? []).map(
            (x) => x.stringValue,
          )
        : value.intValue !== undefined
          ? Number(v)
          : v;
  }
  return out;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const msg = TRACE.ExportTraceServiceRequest.toObject(TRACE.ExportTraceServiceRequest.decode(body), {
        longs: String,
        bytes: String,
        enums: Number,
      });
      const spans = [];
      for (const rs of msg.resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            spans.push({
              name: s.name,
              kind: s.kind,
              traceId: Buffer.from(s.traceId, "base64").toString("hex"),
              spanId: Buffer.from(s.spanId, "base64").toString("hex"),
              parentSpanId: Buffer.from(s.parentSpanId ?? "", "base64").toString("hex"),
              attributes: attrs(s.attributes),
            });
      received.push({ body, spans });
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
  server = await startServerProcess();
});
afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  await server?.dispose();
});

function provider(service: string) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: receiverUrl }))],
  });
}

const allSpans = () => received.flatMap((r) => r.spans);

describe("exportToOtel", () => {
  it("sends events to the server and, as GenAI spans, to an OTLP endpoint; the server reads them back", async () => {
    received.length = 0;
    const p = provider("otel-roundtrip");
    const client = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: server.url,
      agentId: "otel-export-agent",
      logger: quiet,
    });
    const exp = exportToOtel(client, { tracer: p.getTracer("test") });
    client.track({
      type: "llm_invoke",
      name: "gpt-4o",
      payload: {
        model: "gpt-4o",
        provider: "openai",
        input_tokens: 12,
        output_tokens: 3,
        duration_ms: 40,
        status: "ok",
      },
      metadata: { decision: "allow", policy_ids: [] },
    });
    client.track({
      type: "tool_call",
      name: "search",
      payload: {
        tool: "search",
        input: { q: "cats", api_key: "sk-abcdefghijklmnopqrstuvwxyz0123456789" },
        duration_ms: 5,
      },
      metadata: { decision: "deny", policy_ids: ["no-search"] },
    });
    client.track({
      type: "decision",
      name: "refund",
      payload: { step: "refund" },
      metadata: { decision: "warn", policy_ids: ["p-2"] },
    });
    await client.close();
    await p.forceFlush();
    await p.shutdown();
    exp.stop();
    expect(exp).toMatchObject({ spans: 3, failed: 0 });

    const spans = allSpans();
    expect(spans.map((s) => s.name)).toEqual(["chat gpt-4o", "execute_tool search", "decision refund"]);
    expect(spans[0]!.kind).toBe(3); // CLIENT
    expect(spans[0]!.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.provider.name": "openai",
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.usage.output_tokens": 3,
      "trusera.decision": "allow",
      "trusera.agent.id": "otel-export-agent",
    });
    expect(spans[1]!.attributes).toMatchObject({
      "gen_ai.tool.name": "search",
      "trusera.decision": "deny",
      "trusera.policy.ids": ["no-search"],
    });
    expect(JSON.stringify(spans)).not.toContain("sk-abcdefghijklmnopqrstuvwxyz0123456789");

    // In addition to the server: the client delivered the same three events.
    const direct = await server.api("GET", "/api/v1/events?agent_id=otel-export-agent");
    expect(direct.body.events).toHaveLength(3);

    // The exported bytes are valid OTLP for the server too: the same three events come back.
    for (const r of received) {
      const res = await fetch(`${server.url}/v1/traces`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/x-protobuf" },
        body: r.body,
      });
      expect(res.status).toBe(200);
    }
    const back = (await server.api("GET", "/api/v1/events?agent_id=otel-roundtrip")).body.events;
    expect(back.map((e: { type: string }) => e.type).sort()).toEqual(["decision", "llm_invoke", "tool_call"]);
    const tool = back.find((e: { type: string }) => e.type === "tool_call");
    expect(tool).toMatchObject({ name: "search", decision: "deny", metadata: { policy_ids: ["no-search"] } });
  });

  it("uses the application's global provider by default, under the span active where the event is tracked", async () => {
    received.length = 0;
    const p = provider("otel-global");
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(p);
    const client = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: server.url,
      agentId: "global",
      logger: quiet,
    });
    const exp = exportToOtel(client);
    try {
      const agentSpan = p.getTracer("app").startSpan("invoke_agent support");
      await context.with(trace.setSpan(context.active(), agentSpan), async () => {
        await Promise.resolve();
        client.track({ type: "tool_call", name: "lookup", payload: { tool: "lookup", duration_ms: 3 } });
      });
      agentSpan.end();
      await p.forceFlush();
      const [tool, agent] = allSpans();
      expect(tool).toMatchObject({
        name: "execute_tool lookup",
        parentSpanId: agent!.spanId,
        traceId: agent!.traceId,
      });
      expect(agent!.name).toBe("invoke_agent support");
    } finally {
      exp.stop();
      await client.close();
      await p.shutdown();
      trace.disable();
      context.disable();
    }
  });

  it('mode "only": spans without a server; the client sends and queues nothing', async () => {
    received.length = 0;
    const p = provider("otel-only");
    const client = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      agentId: "nowhere",
      logger: quiet,
    });
    const exp = exportToOtel(client, { tracer: p.getTracer("test"), mode: "only" });
    client.track({ type: "tool_call", name: "fetch", payload: { tool: "fetch" } });
    await p.forceFlush();
    await waitFor(() => allSpans().length === 1, { what: "the span" });
    expect(client.stats.tracked).toBe(0);
    exp.stop();
    await client.close();
    await p.shutdown();
  });

  it("never throws into the application: a failing tracer is counted, the event still tracked", async () => {
    const client = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: server.url,
      agentId: "throws",
      logger: quiet,
    });
    const tracer = {
      startSpan() {
        throw new Error("tracer broke");
      },
    } as never;
    const exp = exportToOtel(client, { tracer });
    expect(() => client.track({ type: "tool_call", name: "x", payload: {} })).not.toThrow();
    expect(exp.failed).toBe(1);
    expect(client.stats.tracked).toBe(1);
    expect(() => exportToOtel(client)).toThrow(/already exports/);
    exp.stop();
    await client.close();
  });
});

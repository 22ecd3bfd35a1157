import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createEvent, EventType } from "@trusera/core";
import { type ServerProcess, startServerProcess, waitFor } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config.js";

// The server forwards what it stores to an OTLP/HTTP endpoint (TRUSERA_OTLP_FORWARD_URL): a real
// server process and a receiver on loopback.

interface Export {
  headers: Record<string, string | string[] | undefined>;
  body: {
    resourceSpans: {
      resource: { attributes: { key: string; value: Record<string, unknown> }[] };
      scopeSpans: {
        spans: {
          name: string;
          traceId: string;
          spanId: string;
          kind: number;
          attributes: { key: string; value: Record<string, unknown> }[];
        }[];
      }[];
    }[];
  };
}

let receiver: Server;
const exports: Export[] = [];
let server: ServerProcess;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      exports.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const port = (receiver.address() as AddressInfo).port;
  server = await startServerProcess({
    env: {
      TRUSERA_OTLP_FORWARD_URL: `http://127.0.0.1:${port}/v1/traces`,
      TRUSERA_OTLP_FORWARD_HEADERS: "x-honeycomb-team=abc%3D123",
    },
  });
});
afterAll(async () => {
  await server?.dispose();
  await new Promise((r) => receiver?.close(r));
});

const spans = () =>
  exports.flatMap((e) => e.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
const attrs = (list: { key: string; value: Record<string, unknown> }[]) =>
  Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));

describe("forwarding stored events to an OTLP endpoint", () => {
  it("sends each stored event once as a GenAI span, with the configured headers", async () => {
    const events = [
      {
        ...createEvent(EventType.LLM_INVOKE, "gpt-4o", {
          model: "gpt-4o",
          provider: "openai",
          input_tokens: 9,
          output_tokens: 2,
          duration_ms: 12,
        }),
        agent_id: "fwd-agent",
      },
      {
        ...createEvent(
          EventType.TOOL_CALL,
          "search",
          { tool: "search", input: { q: "x" } },
          { decision: "deny", policy_ids: ["no-search"] },
        ),
        agent_id: "fwd-agent",
      },
    ];
    const res = await server.api("POST", "/api/v1/events/batch", { events });
    expect(res.body.accepted).toBe(2);
    // Sent again: duplicates are not stored, so not forwarded either.
    await server.api("POST", "/api/v1/events/batch", { events });
    await waitFor(() => spans().length >= 2, { what: "two forwarded spans", timeoutMs: 10_000 });
    const got = spans();
    expect(got).toHaveLength(2);
    expect(exports[0]!.headers["x-honeycomb-team"]).toBe("abc=123");
    expect(attrs(exports[0]!.body.resourceSpans[0]!.resource.attributes)).toEqual({
      "service.name": "trusera-server",
    });
    const chat = got.find((s) => s.name === "chat gpt-4o")!;
    expect(chat.kind).toBe(3);
    expect(attrs(chat.attributes)).toMatchObject({
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.usage.input_tokens": "9",
      "gen_ai.provider.name": "openai",
    });
    const tool = got.find((s) => s.name === "execute_tool search")!;
    expect(attrs(tool.attributes)).toMatchObject({
      "gen_ai.tool.name": "search",
      "trusera.decision": "deny",
      "trusera.event.id": events[1]!.id,
    });
    expect(tool.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(tool.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("does not send spans that came in over OTLP back out", async () => {
    const before = spans().length;
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "otel-in" } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "6b8efff798038103d269b633813fc60c",
                  spanId: "00f067aa0ba902b7",
                  name: "chat",
                  kind: 3,
                  startTimeUnixNano: "1765000000000000000",
                  endTimeUnixNano: "1765000000000000000",
                  attributes: [{ key: "gen_ai.request.model", value: { stringValue: "m" } }],
                },
              ],
            },
          ],
        },
      ],
    });
    const res = await fetch(`${server.url}/v1/traces`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    // A marker event after it: once the marker is forwarded, the OTLP one would have been too.
    await server.api("POST", "/api/v1/events/batch", {
      events: [{ ...createEvent(EventType.DECISION, "marker", {}), agent_id: "fwd-agent" }],
    });
    await waitFor(() => spans().length > before, { what: "the marker", timeoutMs: 10_000 });
    expect(
      spans()
        .slice(before)
        .map((s) => s.name),
    ).toEqual(["decision marker"]);
  });
});

describe("forwarding configuration", () => {
  it.each([
    [{ TRUSERA_OTLP_FORWARD_URL: "not a url" }, /is not a URL/],
    [{ TRUSERA_OTLP_FORWARD_URL: "ftp://x/v1/traces" }, /http:\/\/ or https:\/\//],
    [
      { TRUSERA_OTLP_FORWARD_URL: "http://x/v1/traces", TRUSERA_OTLP_FORWARD_HEADERS: "novalue" },
      /key=value/,
    ],
  ])("refuses %j with a clear message", (env, message) => {
    expect(() => resolveConfig({}, env)).toThrow(message);
  });

  it("is off by default", () => {
    expect(resolveConfig({}, {}).otlpForward).toBeNull();
  });
});

// Issue 22: OTLP/HTTP trace ingest (POST /v1/traces), spans stored per second, protobuf and JSON, next to
// the native batch endpoint in the same run (same machine, same concurrency, a fresh server each).
import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { createRequire } from "node:module";
import { closedLoop, fmtRate, postOk, row } from "../lib.mjs";
import { startBenchServer } from "../server-process.mjs";
import { measureIngest } from "./server-ingest.mjs";

const require = createRequire(import.meta.url);
const generated = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const { ExportTraceServiceRequest } = generated.opentelemetry.proto.collector.trace.v1;

const SPANS = 100;
const SECONDS = 5;
const CONCURRENCY = 16;

const kv = (key, value) => ({
  key,
  value: typeof value === "number" ? { intValue: value } : { stringValue: value },
});

/** One export of 100 GenAI spans (a chat and a tool call, alternating) of one new trace. */
function exportOf(encoding) {
  const traceId = randomBytes(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = [];
  for (let i = 0; i < SPANS; i++) {
    const chat = i % 2 === 0;
    spans.push({
      traceId: encoding === "json" ? traceId.toString("hex") : traceId,
      spanId: encoding === "json" ? randomBytes(8).toString("hex") : randomBytes(8),
      name: chat ? "chat gpt-4o-mini" : "execute_tool search",
      kind: chat ? 3 : 1,
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + 12_000_000n),
      attributes: chat
        ? [
            kv("gen_ai.operation.name", "chat"),
            kv("gen_ai.system", "openai"),
            kv("gen_ai.request.model", "gpt-4o-mini"),
            kv("gen_ai.usage.input_tokens", 120),
            kv("gen_ai.usage.output_tokens", 30),
          ]
        : [
            kv("gen_ai.operation.name", "execute_tool"),
            kv("gen_ai.tool.name", "search"),
            kv("gen_ai.tool.call.id", `call_${i}`),
          ],
    });
  }
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [kv("service.name", "bench-otel")] },
        scopeSpans: [{ scope: { name: "bench" }, spans }],
      },
    ],
  };
  if (encoding === "json") return Buffer.from(JSON.stringify(body));
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(body)).finish());
}

async function measureOtlp(url, key, encoding) {
  const contentType = encoding === "json" ? "application/json" : "application/x-protobuf";
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // Built before the clock starts (new span ids in each: every span is a real insert).
  const bodies = Array.from({ length: Math.ceil((SECONDS * 60_000) / SPANS) }, () => exportOf(encoding));
  const post = (body) => postOk(`${url}/v1/traces`, key, body, { agent, contentType });
  for (let i = 0; i < 10; i++) await post(exportOf(encoding));
  const sps = await closedLoop({
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    perSend: SPANS,
    send: (i) => post(i < bodies.length ? bodies[i] : exportOf(encoding)),
  });
  agent.destroy();
  return sps;
}

async function fresh(fn) {
  const server = await startBenchServer(["--log-level", "warn"]);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

export async function run() {
  const native = await fresh((s) =>
    measureIngest(s.url, s.apiKey, { seconds: SECONDS, concurrency: CONCURRENCY, ids: "v4" }),
  );
  const rows = [];
  for (const encoding of ["protobuf", "json"]) {
    const rate = await fresh((s) => measureOtlp(s.url, s.apiKey, encoding));
    rows.push(
      row(
        "otel-ingest",
        `OTLP/HTTP ${encoding}, exports of ${SPANS} GenAI spans, ${CONCURRENCY} connections`,
        `${fmtRate(rate)} spans`,
        {
          baseline: `native batches of 100 events: ${fmtRate(native)} (ratio ${(rate / native).toFixed(2)})`,
          note: "SQLite; spans stored as llm_invoke/tool_call events; load generator on the same cores",
        },
      ),
    );
  }
  return rows;
}

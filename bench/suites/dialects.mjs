// Issue 17: what the published clients' dialects cost at ingest. Batches of 100 events, side by side
// in alternating blocks against one server: our SDK's api_call batch (which passes through the
// TypeScript 1.x translation untouched) versus the same calls as the Python SDK 1.x sends them
// (`interception` events, translated to api_call) and as the TypeScript SDK 1.1.2 does (agent only in
// metadata.agent_id). Figures are medians per batch, reported as ratios to ours.
import { randomUUID } from "node:crypto";
import { Agent } from "node:http";
import { alternate, fmtNs, median, postOk, row } from "../lib.mjs";
import { startBenchServer } from "../server-process.mjs";

const BATCH = 100;

const batches = {
  ours: () => ({
    path: "/api/v1/events/batch",
    events: (now) =>
      `{"id":"${randomUUID()}","type":"api_call","name":"GET https://api.example.com/v1/items","payload":{"url":"https://api.example.com/v1/items","method":"GET","status_code":200,"duration_ms":12},"metadata":{"decision":"allow","enforcement":"block"},"timestamp":"${now}","agent_id":"bench-agent"}`,
  }),
  python: () => ({
    path: "/api/v1/agents/bench-agent/events",
    events: (now) =>
      `{"id":"${randomUUID()}","type":"interception","name":"http_get","payload":{"method":"GET","url":"https://api.example.com/v1/items","status_code":200,"duration_ms":12.3},"metadata":{"allowed":true,"enforcement":"block"},"timestamp":"${now}"}`,
  }),
  ts112: () => ({
    path: "/api/v1/events/batch",
    events: (now) =>
      `{"id":"${randomUUID()}","type":"api_call","name":"http.get.api_example_com.v1_items","payload":{"method":"GET","url":"https://api.example.com/v1/items","status":200,"duration_ms":12},"metadata":{"agent_id":"bench-agent"},"timestamp":"${now}"}`,
  }),
};

function body(kind) {
  const { events } = batches[kind]();
  const now = new Date().toISOString();
  return `{"events":[${Array.from({ length: BATCH }, () => events(now)).join(",")}]}`;
}

export async function run() {
  const server = await startBenchServer(["--log-level", "warn"]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Bodies built before the clock starts: fresh ids in each, so every event is a real insert.
    const side = (kind) => {
      const bodies = Array.from({ length: 1000 }, () => body(kind));
      const { path } = batches[kind]();
      return {
        run: (i) => postOk(`${server.url}${path}`, server.apiKey, bodies[i % bodies.length], { agent }),
      };
    };
    const rows = [];
    for (const [kind, label] of [
      ["python", "Python SDK 1.x interception batch"],
      ["ts112", "TypeScript SDK 1.1.2 batch (agent in metadata)"],
    ]) {
      const s = await alternate(side("ours"), side(kind), { blocks: 10, perBlock: 50, warmup: 50 });
      const a = median(s.a);
      const b = median(s.b);
      rows.push(
        row("dialects", `${label}, per batch of ${BATCH}`, fmtNs(b), {
          baseline: `our SDK's batch ${fmtNs(a)}`,
          target: "(reported: ratio to ours)",
          note: `${(b / a).toFixed(2)}x ours, one connection, alternating blocks against one server`,
        }),
      );
    }
    return rows;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

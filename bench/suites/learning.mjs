// Issue 21: rule suggestions over 1,000,000 recorded receipts. The receipt log text is generated
// (receipt-shaped JCS-like lines from 200 runs: routine writes and network calls the policy denies,
// allowed reads, a few rare deletes outside the working tree and calls to new hosts), then parsed,
// reduced to history records and learned from, with the impact replay of every suggestion: what
// `transient-trace rules suggest` does after the log has verified (verification is measured by the
// receipts suite). Core is TypeScript only, so the learning module is bundled here with esbuild.
// The server side: GET /api/v1/policies/suggestions over 1,000,000 stored events (SQLite, HTTP), the
// events seeded through the store as the other server suites do.
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { row } from "../lib.mjs";
import { inProcessServer, seedEvents } from "../seed.mjs";

const COUNT = 1_000_000;
const TARGET_S = 10;

async function loadLearning() {
  // Inside the repository, so that the bundle's external imports (cedar-wasm, canonicalize) resolve.
  const cache = fileURLToPath(new URL("../../node_modules/.cache/", import.meta.url));
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, "bench-learning-"));
  const out = join(dir, "learning.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("../../packages/core/src/learning/index.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: out,
    logLevel: "error",
    absWorkingDir: fileURLToPath(new URL("../../packages/core/", import.meta.url)),
  });
  return {
    mod: await import(pathToFileURL(out).href),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function receiptLine(i) {
  const run = `run-${i % 200}`;
  const t = new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
  let cls;
  let target;
  let ctx = { cwd: "/work/app" };
  let outcome = "deny";
  const k = i % 10;
  if (i % 250_000 === 7) {
    cls = "delete";
    target = { binary: "rm", command: `rm -f /var/tmp/x${i}` };
    ctx.paths = [`/var/tmp/x${i}`];
    outcome = "allow";
  } else if (k < 4) {
    cls = "write_low";
    target = { binary: "touch", command: `touch build/f${i % 50}.o` };
    ctx.paths = [`/work/app/build/f${i % 50}.o`];
  } else if (k < 6) {
    cls = "network";
    target = { binary: "curl", command: `curl -s https://registry.npmjs.org/p${i % 20}` };
    ctx.hosts = ["registry.npmjs.org"];
  } else {
    cls = "read";
    target = { binary: "cat", command: `cat src/f${i % 100}.ts` };
    ctx = { ...ctx, paths: [`/work/app/src/f${i % 100}.ts`] };
    outcome = "allow";
  }
  return JSON.stringify({
    receipt_id: `TR-${i}`,
    occurred_at: t,
    correlation_id: `${run}/run:${i}`,
    metadata: { run_id: run },
    intent: {
      action: "shell_exec",
      action_class: cls,
      connector: "transient-trace/run",
      target,
      context: ctx,
    },
    decision: { outcome, reason_code: outcome === "allow" ? "rule:reads" : "default_deny" },
  });
}

/** Samples this process's RSS while `fn` runs: its peak growth over the start, in MiB. */
async function measured(fn) {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const value = await fn();
    const used = process.cpuUsage(cpu0);
    return {
      value,
      seconds: (performance.now() - t0) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
      mib: Math.round((Math.max(peak, process.memoryUsage().rss) - rssBefore) / 2 ** 20),
    };
  } finally {
    clearInterval(timer);
  }
}

// The active set: default deny, the hosts seedEvents calls permitted (it records them all allowed).
// Besides those events, 5,000 denied calls to registry.npmjs.org by 10 agents and 2 allowed ones to a
// new host: a permit and a forbid are learned, each with the impact replay of the whole window.
const SERVER_ACTIVE = `@id("known")
permit (principal, action == Action::"api_call", resource)
when { ["api.openai.com", "api.anthropic.com", "api.github.com", "evil.example", "s3.amazonaws.com", "internal.corp", "new.example"].contains(resource.hostname) };`;
const EXTRA = 5002;

function extraEvents(agentIds) {
  const now = Date.now() * 1000;
  const events = [];
  for (let i = 0; i < EXTRA; i++) {
    const url = i < 2 ? `https://new.example/x${i}` : `https://registry.npmjs.org/p${i % 40}`;
    const denied = i >= 2;
    events.push({
      id: randomUUID(),
      agentId: agentIds[i % agentIds.length],
      type: "api_call",
      name: `GET ${url}`,
      ts: now - (EXTRA - i) * 1000,
      receivedAt: now,
      payload: JSON.stringify({ url, method: "GET", status_code: denied ? 0 : 200 }),
      metadata: JSON.stringify({ decision: denied ? "deny" : "allow", enforcement: "block", policy_ids: [] }),
      decision: denied ? "deny" : "allow",
    });
  }
  return events;
}

async function serverRows() {
  const s = await inProcessServer();
  try {
    const { seconds: seeded, agentIds } = await seedEvents(s.server.store, s.projectId, {
      count: COUNT - EXTRA,
      agents: 10,
      spanSeconds: 86_400,
    });
    await s.server.store.ingestEvents(s.projectId, {
      events: extraEvents(agentIds),
      dropped: 0,
      dropsAgentId: null,
    });
    const headers = { authorization: `Bearer ${s.key}`, "content-type": "application/json" };
    const created = await fetch(`${s.server.url}/api/v1/policies`, {
      method: "POST",
      headers,
      body: JSON.stringify({ policies: SERVER_ACTIVE, default_decision: "deny", activate: true }),
    });
    if (created.status !== 201) throw new Error(`policy not created: ${await created.text()}`);
    const m = await measured(async () => {
      const res = await fetch(`${s.server.url}/api/v1/policies/suggestions?max_events=${COUNT}`, { headers });
      return res.json();
    });
    const body = m.value;
    if (body.replayed !== COUNT || body.suggestions.length !== 2)
      throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 500)}`);
    return [
      row(
        "learning",
        `server: suggestions over ${COUNT.toLocaleString("en-US")} events (SQLite, HTTP)`,
        `${m.seconds.toFixed(2)} s`,
        {
          target: `< ${TARGET_S} s`,
          ok: m.seconds < TARGET_S,
          note: `${body.suggestions.length} suggestion(s) (${body.suggestions.map((x) => `${x.kind} ${x.evidence.count}, impact ${x.impact.changed}`).join("; ")}); read + group + impact replay; seeded in ${seeded.toFixed(1)} s`,
        },
      ),
      row(
        "learning",
        "  the same, CPU time of this process (server included)",
        `${m.cpuSeconds.toFixed(2)} s`,
        {
          target: `< ${TARGET_S} s`,
          ok: m.cpuSeconds < TARGET_S,
        },
      ),
      row("learning", "  memory (RSS growth, peak; server in this process)", `${m.mib} MiB`),
    ];
  } finally {
    await s.stop();
  }
}

export async function run() {
  return [...(await cliRows()), ...(await serverRows())];
}

async function cliRows() {
  const { mod, cleanup } = await loadLearning();
  try {
    const lines = new Array(COUNT);
    for (let i = 0; i < COUNT; i++) lines[i] = receiptLine(i);
    const text = lines.join("\n");
    lines.length = 0;
    const policy = {
      version: 1,
      defaultAction: "deny",
      rules: [
        { id: "reads", action: "allow", actionClasses: ["read"] },
        { id: "deletes", action: "allow", actionClasses: ["delete"] },
      ],
    };
    const {
      value: suggestions,
      seconds,
      cpuSeconds,
      mib,
    } = await measured(() => {
      const history = [];
      for (const line of text.split("\n")) {
        const h = mod.historyRecord(JSON.parse(line));
        if (h) history.push(h);
      }
      return mod.suggestRules(history, policy, { home: "/root" });
    });
    return [
      row(
        "learning",
        `rules suggest over ${COUNT.toLocaleString("en-US")} receipts`,
        `${seconds.toFixed(2)} s`,
        {
          target: `< ${TARGET_S} s`,
          ok: seconds < TARGET_S,
          note: `${suggestions.length} suggestions (${suggestions.map((s) => `${s.kind} ${s.evidence.count}`).join(", ")}); parse + history + grouping + impact replay, after verification`,
        },
      ),
      row("learning", "  the same, CPU time of this process", `${cpuSeconds.toFixed(2)} s`, {
        target: `< ${TARGET_S} s`,
        ok: cpuSeconds < TARGET_S,
      }),
      row("learning", "memory (RSS growth, peak)", `${mib} MiB`, {
        note: `the log text itself (${Math.round(text.length / 2 ** 20)} MiB) was in memory before`,
      }),
    ];
  } finally {
    cleanup();
  }
}

// Issues 4 and 19: replay of a 50-policy candidate over 100,000 recorded events, with distinct URLs
// (every event decided) and with repeating ones (seedEvents repeats 2,910 distinct requests).
import { loadavg } from "node:os";
import { fmtNs, row } from "../lib.mjs";
import { benchDatabase, inProcessServer, seedEvents } from "../seed.mjs";

const COUNT = 100_000;
const RUNS = 3;

/** 50 policies of the kinds people write: hosts, paths, methods, headers. */
export function candidateText() {
  const out = [];
  for (let i = 0; i < 20; i++) {
    out.push(
      `@id("host-${i}")\nforbid (principal, action == Action::"api_call", resource) when { resource.hostname == "blocked-${i}.example" };`,
    );
  }
  out.push(
    '@id("evil")\nforbid (principal, action == Action::"api_call", resource) when { resource.hostname == "evil.example" };',
  );
  for (let i = 0; i < 15; i++) {
    out.push(
      `@id("path-${i}")\nforbid (principal, action == Action::"api_call", resource) when { context.path like "/admin/${i}/*" };`,
    );
  }
  for (let i = 0; i < 10; i++) {
    out.push(
      `@id("post-${i}")\nforbid (principal == Agent::"bench-agent-${i}", action == Action::"api_call", resource) when { context.method == "POST" && resource.hostname == "internal.corp" };`,
    );
  }
  for (let i = 0; i < 4; i++) {
    out.push(
      `@id("header-${i}")\nforbid (principal, action == Action::"api_call", resource) when { context.headers.contains("x-danger-${i}") };`,
    );
  }
  return out.join("\n\n");
}

/** RUNS replays of the seeded window through HTTP: each one's wall and CPU time (every thread's). */
async function replays(s, text, fresh = false) {
  const runs = [];
  let report;
  for (let i = 0; i < RUNS; i++) {
    const parts0 = s.server.ctx.replay.partsOnThread;
    const load = loadavg()[0];
    const cpu0 = process.cpuUsage();
    const t = process.hrtime.bigint();
    const res = await fetch(`${s.server.url}/api/v1/policies/replay`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.key}`, "content-type": "application/json" },
      body: JSON.stringify({
        // fresh: another text each run (a comment), which the server validates and compiles anew.
        policies: fresh ? `${text}\n// run ${i} at ${Date.now()}` : text,
        since: Date.now() - 2 * 86_400_000,
        max_events: 1_000_000,
      }),
    });
    report = await res.json();
    const ns = Number(process.hrtime.bigint() - t);
    const cpu = process.cpuUsage(cpu0);
    if (report.candidate?.policies !== 50 || report.events_scanned !== COUNT) {
      throw new Error(`unexpected report: ${JSON.stringify(report).slice(0, 500)}`);
    }
    // Whether the replay thread took parts (it does where a core is idle: see replay-threads.ts).
    const shared = s.server.ctx.replay.partsOnThread > parts0;
    runs.push({ ns, cpuMs: (cpu.user + cpu.system) / 1000, shared, load });
  }
  return { runs, report };
}

const median = (runs) => [...runs].sort((a, b) => a.ns - b.ns)[Math.floor(runs.length / 2)].ns;
const each = (runs) =>
  runs
    .map(
      (r) =>
        `${(r.ns / 1e6).toFixed(0)} ms (CPU ${r.cpuMs.toFixed(0)} ms, ${r.shared ? "2 threads" : "1 thread"}, load ${r.load.toFixed(1)})`,
    )
    .join(", ");

/** One replay over a fresh store seeded with COUNT events, distinct URLs or repeating ones. */
async function replayRow(distinctUrls, backend = "SQLite", overrides = {}) {
  const s = await inProcessServer(overrides);
  try {
    const { seconds } = await seedEvents(s.server.store, s.projectId, {
      count: COUNT,
      agents: 10,
      spanSeconds: 86_400,
      distinctUrls,
    });
    const text = candidateText();
    // Three replays of the same window: the first in the process also warms the JIT and cedar-wasm
    // (validation) and, on SQLite, starts the replay's second thread; the value is the median, each run
    // is in the note.
    const { runs, report } = await replays(s, text);
    // The server keeps the candidate it compiled last while the same text is replayed (its closures
    // warm): the same three with another text each time, as when a candidate is edited between replays.
    const fresh = await replays(s, text, true);
    // Side by side on SQLite: the same replays with the server's thread alone (the service swapped for
    // one that never starts a thread; the routes read it per request), after the runs above warmed it.
    let single = null;
    if (backend === "SQLite") {
      const { ReplayService } = await import("../../packages/server/dist/index.js");
      const shared = s.server.ctx.replay;
      s.server.ctx.replay = new ReplayService(s.server.store, { start: null });
      try {
        single = await replays(s, text);
      } finally {
        s.server.ctx.replay = shared;
      }
    }
    const ns = median(runs);
    const urls = distinctUrls ? "distinct URLs" : "repeating URLs";
    return row(
      "server-replay",
      `replay of a 50-policy candidate over 100,000 events, ${urls} (${backend}, HTTP; median of ${RUNS})`,
      fmtNs(ns),
      {
        ...(single ? { baseline: `${fmtNs(median(single.runs))} on one thread` } : {}),
        ...(distinctUrls
          ? { target: "<= 500 ms", ok: ns <= 500e6 }
          : { target: "no slower than one thread", ok: ns <= median(single?.runs ?? runs) * 1.1 }),
        note: `runs (the first in the server also warms the JIT${backend === "SQLite" ? " and starts the replay thread" : ""}): ${each(runs)}; a new candidate text each run: ${each(fresh.runs)} (median ${fmtNs(median(fresh.runs))})${single ? `; on the server's thread alone: ${each(single.runs)}` : ""}; ${Math.round(COUNT / (ns / 1e9)).toLocaleString("en-US")} events/s decided again; ${report.engine_calls.toLocaleString("en-US")} decisions made (events that repeat the stored texts of another are decided once per thread; the memo is dropped when few do); changed ${report.changed} (allow->deny ${report.allow_to_deny}, deny->allow ${report.deny_to_allow}); seeded in ${seconds.toFixed(1)} s`,
      },
    );
  } finally {
    await s.stop();
  }
}

export async function run() {
  const rows = [await replayRow(true), await replayRow(false)];
  // Postgres too when a database is configured (TRUSERA_BENCH_DATABASE_URL or the test one).
  const db = await benchDatabase();
  if (db) {
    try {
      rows.push(await replayRow(true, "Postgres", { databaseUrl: db.url }));
    } finally {
      await db.drop();
    }
  }
  return rows;
}

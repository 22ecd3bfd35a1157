// Issue 4: newest 100 events of one agent among 1,000,000 stored (target: under 20 ms), over HTTP.
// Issue 20: a search of name and payload text (`q`) over the same events: a common string (a page of
// matches, found early in newest-first order) and one that matches nothing (the worst case: every
// event of the project is read); target under 1 s, the dashboard's search box waits for it.
import { fmtNs, median, row } from "../lib.mjs";
import { benchDatabase, inProcessServer, seedEvents } from "../seed.mjs";

const COUNT = Number(process.env.TRUSERA_BENCH_QUERY_EVENTS ?? 1_000_000);

/** Median and p95 of `n` timed GETs of `url` (nanoseconds), after a warm-up; each must return `expect` events. */
async function timeGets(url, key, expect, n) {
  const get = async () => {
    const t = process.hrtime.bigint();
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const body = await res.json();
    if (body.events.length !== expect)
      throw new Error(`expected ${expect} events, got ${body.events.length}`);
    return Number(process.hrtime.bigint() - t);
  };
  for (let i = 0; i < Math.min(3, n); i++) await get();
  const samples = [];
  for (let i = 0; i < n; i++) samples.push(await get());
  samples.sort((a, b) => a - b);
  return { median: median(samples), p95: samples[Math.floor(samples.length * 0.95)] };
}

async function searchRows(name, s) {
  const rows = [];
  for (const [what, q, expect, n] of [
    ["a common string", "items/42?", 100, 50],
    ["a string that matches nothing (every event read)", "no-such-text", 0, 10],
  ]) {
    const t = await timeGets(
      `${s.server.url}/api/v1/events?q=${encodeURIComponent(q)}&limit=100`,
      s.key,
      expect,
      n,
    );
    rows.push(
      row(
        "server-query",
        `${name}: search ${what} among ${COUNT.toLocaleString("en-US")} events (HTTP, median)`,
        fmtNs(t.median),
        {
          target: "< 1 s",
          ok: t.median < 1e9,
          note: `p95 ${fmtNs(t.p95)}; a LIKE scan in newest-first index order, stopping at a full page`,
        },
      ),
    );
  }
  return rows;
}

async function measure(name, overrides) {
  const s = await inProcessServer(overrides);
  try {
    const { agentIds, seconds } = await seedEvents(s.server.store, s.projectId, { count: COUNT, agents: 10 });
    const url = `${s.server.url}/api/v1/events?agent_id=${agentIds[3]}&limit=100`;
    const get = async () => {
      const t = process.hrtime.bigint();
      const res = await fetch(url, { headers: { authorization: `Bearer ${s.key}` } });
      const body = await res.json();
      if (body.events.length !== 100) throw new Error(`expected 100 events, got ${body.events.length}`);
      return Number(process.hrtime.bigint() - t);
    };
    for (let i = 0; i < 20; i++) await get();
    const samples = [];
    for (let i = 0; i < 200; i++) samples.push(await get());
    const ms = median(samples) / 1e6;
    const search = await searchRows(name, s);
    return [
      row(
        "server-query",
        `${name}: newest 100 of one agent among ${COUNT.toLocaleString("en-US")} events (HTTP, median)`,
        fmtNs(median(samples)),
        {
          target: "< 20 ms",
          ok: ms < 20,
          note: `seeded through the store in ${seconds.toFixed(1)} s (${Math.round(COUNT / seconds).toLocaleString("en-US")} events/s, batches of 1,000); p95 ${fmtNs(samples.sort((a, b) => a - b)[Math.floor(samples.length * 0.95)])}`,
        },
      ),
      ...search,
    ];
  } finally {
    await s.stop();
  }
}

export async function run() {
  const rows = [...(await measure("SQLite", {}))];
  const db = await benchDatabase();
  if (db) {
    try {
      rows.push(...(await measure("Postgres", { databaseUrl: db.url })));
    } finally {
      await db.drop();
    }
  }
  return rows;
}

// Seeds events straight through a server's Store (no HTTP), for the query and replay benchmarks.
import { randomUUID } from "node:crypto";

const HOSTS = [
  "api.openai.com",
  "api.anthropic.com",
  "api.github.com",
  "evil.example",
  "internal.corp",
  "s3.amazonaws.com",
];

/**
 * `count` api_call events spread over `agents` agents and the last `spanSeconds` seconds, some denied.
 * URLs repeat (97 paths x 5 pages per host) unless `distinctUrls`: then every event's URL is its own,
 * as recorded traffic with query strings and ids mostly is (a replay then decides each one).
 */
export async function seedEvents(
  store,
  projectId,
  { count, agents = 10, spanSeconds = 3 * 86_400, inFlight = 8, distinctUrls = false } = {},
) {
  const agentIds = [];
  for (let i = 0; i < agents; i++)
    agentIds.push((await store.upsertAgent(projectId, `bench-agent-${i}`, "bench")).id);
  const now = Date.now() * 1000;
  const step = Math.max(1, Math.floor((spanSeconds * 1e6) / count));
  const BATCH = 1000;
  let made = 0;
  const started = performance.now();
  const nextBatch = () => {
    const events = [];
    for (let i = 0; i < BATCH && made < count; i++, made++) {
      const host = HOSTS[made % HOSTS.length];
      const denied = host === "evil.example" && made % 2 === 0;
      const url = distinctUrls
        ? `https://${host}/v1/items/${made % 97}?page=${made % 5}&q=${made}`
        : `https://${host}/v1/items/${made % 97}?page=${made % 5}`;
      events.push({
        id: randomUUID(),
        agentId: agentIds[made % agents],
        type: "api_call",
        name: `GET ${url}`,
        ts: now - (count - made) * step,
        receivedAt: now,
        payload: JSON.stringify({
          url,
          method: made % 3 ? "GET" : "POST",
          status_code: denied ? 0 : 200,
          duration_ms: 12,
          request_size_bytes: 0,
          response_size_bytes: 1524,
          request_headers: { accept: "application/json" },
        }),
        metadata: JSON.stringify({
          decision: denied ? "deny" : "allow",
          enforcement: "block",
          policy_ids: [],
          blocked: denied,
          library: "fetch",
        }),
        decision: denied ? "deny" : "allow",
      });
    }
    return events;
  };
  // A few batches in flight at once, as concurrent requests would be (SQLite commits them as a group).
  const workers = Array.from({ length: inFlight }, async () => {
    for (;;) {
      const events = nextBatch();
      if (events.length === 0) return;
      await store.ingestEvents(projectId, { events, dropped: 0, dropsAgentId: null });
    }
  });
  await Promise.all(workers);
  return { agentIds, seconds: (performance.now() - started) / 1000 };
}

/** A throwaway Postgres database for a benchmark, when TRUSERA_BENCH_DATABASE_URL (or the test URL) is set. */
export async function benchDatabase() {
  const base = process.env.TRUSERA_BENCH_DATABASE_URL || process.env.TRUSERA_TEST_DATABASE_URL;
  if (!base) return null;
  const { default: pg } = await import("pg");
  const name = `trusera_bench_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      // Called once the suite's servers and stores are closed. A plain DROP also waits out an autovacuum
      // worker at work there, where FORCE would refuse (not the database owner's backend).
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/** A server of the built package, in this process, for suites that seed through its store. */
export async function inProcessServer(overrides = {}) {
  const { startServer } = await import("../packages/server/dist/index.js");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dataDir = mkdtempSync(join(tmpdir(), "trusera-bench-"));
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    bodyLimit: 5 * 1024 * 1024,
    logLevel: "silent",
    logRequests: false,
    databaseUrl: null,
    poolSize: 10,
    retentionDays: 0,
    purgeIntervalSeconds: 3600,
    shutdownTimeoutMs: 10_000,
    ...overrides,
  });
  const projectId = (await server.store.findProjectByName("default")).id;
  return {
    server,
    projectId,
    key: server.firstKey.key,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

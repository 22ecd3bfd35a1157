import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  FaultProxy,
  freePort,
  SERVER_CLI,
  type ServerProcess,
  serverNode,
  startServerProcess,
  tempDir,
  waitFor,
} from "@trusera/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEvent, EventType, type Logger, TruseraClient } from "../src/index.js";

// Every test here talks to a real trusera-server process over loopback, sometimes through a real
// proxy that injects faults. Nothing is mocked.

const quiet: Logger = { debug() {}, warn() {} };
let server: ServerProcess;
const clients: TruseraClient[] = [];

function client(options: ConstructorParameters<typeof TruseraClient>[0]): TruseraClient {
  const c = new TruseraClient({ apiKey: server.apiKey, logger: quiet, ...options });
  clients.push(c);
  return c;
}

async function storedEvents(agent: string): Promise<{ id: string; name: string }[]> {
  const out: { id: string; name: string }[] = [];
  let cursor: string | null = null;
  do {
    const q: URLSearchParams = new URLSearchParams({
      agent_id: agent,
      limit: "1000",
      ...(cursor ? { cursor } : {}),
    });
    const res: {
      status: number;
      body: { events: { id: string; name: string }[]; next_cursor: string | null };
    } = await server.api("GET", `/api/v1/events?${q}`);
    expect(res.status).toBe(200);
    out.push(...res.body.events);
    cursor = res.body.next_cursor;
  } while (cursor);
  return out;
}

function track(c: TruseraClient, n: number, prefix = "e"): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = createEvent(EventType.TOOL_CALL, `${prefix}-${i}`, { i });
    ids.push(e.id);
    c.track(e);
  }
  return ids;
}

beforeAll(async () => {
  server = await startServerProcess();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await server?.dispose();
});

describe("TruseraClient delivery against a real server", () => {
  it("registers an agent and delivers events of every type, each stored once", async () => {
    const c = client({ baseUrl: server.url });
    const agentId = await c.registerAgent("delivery-agent", "custom");
    expect(agentId).toMatch(/^agt_/);
    expect(await c.registerAgent("delivery-agent", "custom")).toBe(agentId);
    for (const type of Object.values(EventType)) c.track(createEvent(type, `n-${type}`, { type }));
    await c.flush();
    const stored = await storedEvents(agentId);
    expect(stored.map((e) => e.name).sort()).toEqual(
      Object.values(EventType)
        .map((t) => `n-${t}`)
        .sort(),
    );
    expect(c.stats).toMatchObject({ sent: 7, dropped: 0, invalid: 0, rejected: 0 });
  });

  it("close() with 1,000 queued events delivers all 1,000", async () => {
    const c = client({ baseUrl: server.url, agentId: "close-agent", flushInterval: 60_000, batchSize: 1000 });
    const ids = track(c, 1000);
    expect(c.stats.queued).toBe(1000);
    await c.close();
    const stored = await storedEvents("close-agent");
    expect(stored).toHaveLength(1000);
    expect(new Set(stored.map((e) => e.id))).toEqual(new Set(ids));
    expect(c.stats).toMatchObject({ sent: 1000, queued: 0, dropped: 0 });
  });

  it("server down at start, then up: nothing is lost", async () => {
    const dir = tempDir();
    const port = await freePort();
    // Make the key before the server ever runs, with the real CLI, so the client can start first.
    const made = spawnSync(
      serverNode(),
      [SERVER_CLI, "keys", "create", "--project", "p", "--json", "--data-dir", dir.path],
      {
        encoding: "utf8",
      },
    );
    expect(made.status, made.stderr).toBe(0);
    const key = JSON.parse(made.stdout).key as string;
    const c = new TruseraClient({
      apiKey: key,
      baseUrl: `http://127.0.0.1:${port}`,
      agentId: "late-agent",
      flushInterval: 200,
      maxRetries: 1,
      logger: quiet,
      spool: { dir: join(dir.path, "spool") },
    });
    clients.push(c);
    const ids = track(c, 25);
    await c.flush(); // nobody listens: after its retries the batch goes to the disk spool
    expect(c.stats).toMatchObject({ queued: 0, spooled: 25, sent: 0, dropped: 0 });
    const late = await startServerProcess({ port, dataDir: dir.path });
    try {
      // No explicit flush: the client's timer delivers from the spool once the server is up.
      await waitFor(() => c.stats.recovered === 25, { what: "background delivery" });
      const res = await late.api("GET", "/api/v1/events?agent_id=late-agent&limit=1000", undefined, key);
      expect(res.body.events.map((e: { id: string }) => e.id).sort()).toEqual(ids.sort());
    } finally {
      await late.stop();
      dir.remove();
    }
  });

  it("500 then 200: a batch whose answer was lost is retried with its Idempotency-Key and stored once", async () => {
    const proxy = await new FaultProxy(server.url).listen();
    try {
      proxy.inject({ kind: "forward-then-status", status: 500 }, { kind: "status", status: 503 });
      const c = client({ baseUrl: proxy.url, agentId: "retry-agent" });
      const ids = track(c, 40);
      await c.flush();
      const posts = proxy.requests.filter((r) => r.url === "/api/v1/events/batch");
      expect(posts.map((r) => r.status)).toEqual([500, 503, 200]);
      const keys = new Set(posts.map((r) => r.headers["idempotency-key"]));
      expect(keys.size).toBe(1);
      const stored = await storedEvents("retry-agent");
      expect(stored.map((e) => e.id).sort()).toEqual(ids.sort());
      expect(c.stats).toMatchObject({ sent: 40, retries: 2 });
    } finally {
      await proxy.close();
    }
  });

  it("429 with Retry-After: waits as long as asked, then delivers", async () => {
    const proxy = await new FaultProxy(server.url).listen();
    try {
      proxy.inject({ kind: "status", status: 429, headers: { "retry-after": "1" } });
      const c = client({ baseUrl: proxy.url, agentId: "ratelimited-agent" });
      track(c, 10);
      await c.flush();
      const posts = proxy.requests.filter((r) => r.url === "/api/v1/events/batch");
      expect(posts.map((r) => r.status)).toEqual([429, 200]);
      expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
      expect(await storedEvents("ratelimited-agent")).toHaveLength(10);
    } finally {
      await proxy.close();
    }
  });

  it("a slow server: a request that times out is retried and the batch stored once", async () => {
    const proxy = await new FaultProxy(server.url).listen();
    try {
      proxy.inject({ kind: "delay", ms: 800 });
      const c = client({ baseUrl: proxy.url, agentId: "slow-agent", requestTimeout: 300 });
      const ids = track(c, 30);
      await c.flush();
      // The delayed request still reached the server after the client gave up on it.
      await new Promise((r) => setTimeout(r, 900));
      const stored = await storedEvents("slow-agent");
      expect(stored.map((e) => e.id).sort()).toEqual(ids.sort());
      expect(c.stats.retries).toBeGreaterThanOrEqual(1);
    } finally {
      await proxy.close();
    }
  });

  it("network resets are retried", async () => {
    const proxy = await new FaultProxy(server.url).listen();
    try {
      proxy.inject({ kind: "reset" }, { kind: "reset" });
      const c = client({ baseUrl: proxy.url, agentId: "reset-agent" });
      track(c, 5);
      await c.flush();
      expect(await storedEvents("reset-agent")).toHaveLength(5);
    } finally {
      await proxy.close();
    }
  });

  it("never retries a 4xx other than 408 and 429", async () => {
    const proxy = await new FaultProxy(server.url).listen();
    try {
      proxy.inject({ kind: "status", status: 400 });
      const c = client({ baseUrl: proxy.url, agentId: "rejected-agent" });
      track(c, 3);
      await c.flush();
      expect(proxy.requests.filter((r) => r.url === "/api/v1/events/batch")).toHaveLength(1);
      expect(c.stats).toMatchObject({ rejected: 3, sent: 0, queued: 0, retries: 0 });
    } finally {
      await proxy.close();
    }
  });

  it("overflow drops the oldest events, and the server learns how many", async () => {
    const port = await freePort();
    const c = client({
      baseUrl: `http://127.0.0.1:${port}`,
      agentId: "overflow-agent",
      maxQueueSize: 50,
      flushInterval: 60_000,
      batchSize: 1000,
    });
    const ids = track(c, 80);
    expect(c.stats).toMatchObject({ queued: 50, dropped: 30 });
    // Point a proxy at the real server on the port the client already uses.
    const proxy = new FaultProxy(server.url);
    await proxy.listen(port);
    try {
      await c.flush();
      const stored = await storedEvents("overflow-agent");
      expect(stored.map((e) => e.id).sort()).toEqual(ids.slice(30).sort());
      const agents = await server.api("GET", "/api/v1/agents");
      const agent = agents.body.agents.find((a: { name: string }) => a.name === "overflow-agent");
      expect(agent.dropped_events).toBe(30);
    } finally {
      await proxy.close();
    }
  });

  it("bounds the buffer by bytes as well as by count", async () => {
    const port = await freePort();
    const c = client({ baseUrl: `http://127.0.0.1:${port}`, maxQueueBytes: 20_000, maxRetries: 0 });
    for (let i = 0; i < 100; i++)
      c.track(createEvent(EventType.DATA_ACCESS, "big", { blob: "x".repeat(1000) }));
    expect(c.stats.queuedBytes).toBeLessThanOrEqual(20_000);
    expect(c.stats.queued).toBeLessThan(20);
    expect(c.stats.dropped).toBe(100 - c.stats.queued);
  });
});

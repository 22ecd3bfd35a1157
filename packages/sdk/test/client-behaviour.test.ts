import { FaultProxy, freePort, type ServerProcess, startServerProcess, tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  createEvent,
  DEFAULT_BASE_URL,
  EventType,
  type Logger,
  TruseraClient,
  TruseraError,
} from "../src/index.js";

const quiet: Logger = { debug() {}, warn() {} };
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.dispose();
});

describe("construction", () => {
  it("fails with a clear error when no API key is given by argument or environment", () => {
    const saved = process.env.TRUSERA_API_KEY;
    delete process.env.TRUSERA_API_KEY;
    try {
      expect(() => new TruseraClient()).toThrow(ConfigurationError);
      expect(() => new TruseraClient()).toThrow(/TRUSERA_API_KEY/);
      try {
        new TruseraClient();
      } catch (err) {
        expect(err).toBeInstanceOf(TruseraError);
        expect((err as TruseraError).code).toBe("TRUSERA_CONFIG");
      }
    } finally {
      if (saved !== undefined) process.env.TRUSERA_API_KEY = saved;
    }
  });

  it("reads TRUSERA_API_KEY and TRUSERA_API_URL, and defaults to the local server", async () => {
    const saved = { key: process.env.TRUSERA_API_KEY, url: process.env.TRUSERA_API_URL };
    process.env.TRUSERA_API_KEY = `tsk_${"e".repeat(32)}`;
    process.env.TRUSERA_API_URL = "http://127.0.0.1:1234/base";
    try {
      const c = new TruseraClient({ logger: quiet });
      expect(c.baseUrl).toBe("http://127.0.0.1:1234/base/");
      await c.close();
      delete process.env.TRUSERA_API_URL;
      const d = new TruseraClient({ logger: quiet });
      expect(d.baseUrl).toBe(`${DEFAULT_BASE_URL}/`);
      expect(new URL(d.baseUrl).hostname).toBe("127.0.0.1");
      await d.close();
    } finally {
      for (const [k, v] of [
        ["TRUSERA_API_KEY", saved.key],
        ["TRUSERA_API_URL", saved.url],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it.each([
    [{ apiKey: "nope" }, /must start with tsk_/],
    [{ apiKey: `tsk_${"a".repeat(32)}`, baseUrl: "not a url" }, /not a URL/],
    [{ apiKey: `tsk_${"a".repeat(32)}`, baseUrl: "ftp://x" }, /http or https/],
    [{ apiKey: `tsk_${"a".repeat(32)}`, batchSize: 0 }, /batchSize/],
    [{ apiKey: `tsk_${"a".repeat(32)}`, batchSize: 5000 }, /batchSize/],
    [{ apiKey: `tsk_${"a".repeat(32)}`, flushInterval: -1 }, /flushInterval/],
    [{ apiKey: `tsk_${"a".repeat(32)}`, maxRetries: 1.5 }, /maxRetries/],
  ])("rejects bad options %#", (options, message) => {
    expect(() => new TruseraClient(options)).toThrow(message);
  });
});

describe("track()", () => {
  it("never throws: invalid, cyclic and unserializable events are dropped and counted", async () => {
    const c = new TruseraClient({ apiKey: server.apiKey, baseUrl: server.url, logger: quiet });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [
      null,
      undefined,
      42,
      "event",
      { type: "nope", name: "x" },
      { type: "tool_call", name: "" },
      { type: "tool_call", name: "x", payload: [] },
      { type: "tool_call", name: "x", id: "not-a-uuid" },
      { type: "tool_call", name: "x", payload: { n: 10n } },
      {
        get type() {
          throw new Error("hostile getter");
        },
      },
    ];
    for (const e of bad) expect(() => c.track(e as never)).not.toThrow();
    c.track(createEvent(EventType.DECISION, "fine"));
    // A cycle is not a reason to lose the event: it is cut with a marker.
    c.track({ type: "tool_call", name: "cyclic", payload: cyclic });
    expect(c.stats).toMatchObject({ invalid: bad.length, tracked: 2, queued: 2 });
    await c.close();
    expect(c.stats.sent).toBe(2);
  });

  it("after close() drops silently and counts", async () => {
    const c = new TruseraClient({ apiKey: server.apiKey, baseUrl: server.url, logger: quiet });
    await c.close();
    expect(() => c.track(createEvent(EventType.DECISION, "late"))).not.toThrow();
    expect(c.stats).toMatchObject({ afterClose: 1, queued: 0 });
    await c.close(); // twice is fine
  });

  it("redacts secrets before they leave the process", async () => {
    const c = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: server.url,
      agentId: "secret-agent",
      logger: quiet,
    });
    c.track(
      createEvent(
        EventType.TOOL_CALL,
        "call with sk-ant-abcdefghijklmnopqrstuvwx",
        {
          password: "hunter2",
          nested: { authorization: "Bearer abcdefghijk" },
          note: "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        },
        { api_key: "k-123" },
      ),
    );
    await c.close();
    const res = await server.api("GET", "/api/v1/events?agent_id=secret-agent");
    const text = JSON.stringify(res.body);
    for (const secret of [
      "sk-ant-abcdefghijklmnopqrstuvwx",
      "hunter2",
      "abcdefghijk",
      "ghp_abcdef",
      "k-123",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(res.body.events[0].payload.password).toBe("[REDACTED]");
  });

  it("stamps the agent id, set by registerAgent", async () => {
    const c = new TruseraClient({ apiKey: server.apiKey, baseUrl: server.url, logger: quiet });
    const id = await c.registerAgent("stamped-agent", "langchain");
    c.track(createEvent(EventType.DECISION, "d"));
    await c.close();
    const res = await server.api("GET", `/api/v1/events?agent_id=${id}`);
    expect(res.body.events).toHaveLength(1);
    expect(res.body.events[0].agent_id).toBe(id);
  });

  it("registerAgent never rejects when the server is down; events carry the name, which the server resolves", async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const c = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: `http://127.0.0.1:${port}`,
      maxRetries: 1,
      logger: { debug() {}, warn: (m) => warnings.push(m) },
    });
    await expect(c.registerAgent("offline-agent")).resolves.toBe("offline-agent");
    expect(warnings.join("\n")).toMatch(
      /registerAgent: connection refused by http:\/\/127\.0\.0\.1:\d+: is trusera-server running/,
    );
    c.track(createEvent(EventType.DECISION, "d"));
    const proxy = await new FaultProxy(server.url).listen(port);
    try {
      await c.close();
      const agents = await server.api("GET", "/api/v1/agents");
      const agent = agents.body.agents.find((a: { name: string }) => a.name === "offline-agent");
      expect(agent).toBeDefined();
      const res = await server.api("GET", "/api/v1/events?agent_id=offline-agent");
      expect(res.body.events[0].agent_id).toBe(agent.id);
    } finally {
      await proxy.close();
    }
  });
});

describe("flushing", () => {
  it("flushes when batchSize is reached, with at most one request in flight", async () => {
    const proxy = await new FaultProxy(server.url).listen();
    try {
      proxy.inject({ kind: "delay", ms: 100 }, { kind: "delay", ms: 100 }, { kind: "delay", ms: 100 });
      const c = new TruseraClient({
        apiKey: server.apiKey,
        baseUrl: proxy.url,
        agentId: "batch-agent",
        batchSize: 50,
        flushInterval: 60_000,
        logger: quiet,
      });
      for (let i = 0; i < 200; i++) c.track(createEvent(EventType.DECISION, `d${i}`));
      const started = Date.now();
      // No flush() call: reaching batchSize starts the background flush.
      while (c.stats.sent < 200 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
      expect(c.stats.sent).toBe(200);
      const posts = proxy.requests.filter((r) => r.url === "/api/v1/events/batch");
      expect(posts.length).toBe(4);
      expect(proxy.maxInFlight).toBe(1);
      await c.close();
    } finally {
      await proxy.close();
    }
  });

  it("flushes on the timer", async () => {
    const c = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: server.url,
      agentId: "timer-agent",
      flushInterval: 100,
      logger: quiet,
    });
    c.track(createEvent(EventType.DECISION, "tick"));
    const started = Date.now();
    while (c.stats.sent < 1 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(c.stats.sent).toBe(1);
    await c.close();
  });

  it("close() gives up at its deadline when the server never answers, and keeps the rest on disk", async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const dir = tempDir("spool-");
    try {
      const c = new TruseraClient({
        apiKey: server.apiKey,
        baseUrl: `http://127.0.0.1:${port}`,
        closeTimeout: 500,
        logger: { debug() {}, warn: (m) => warnings.push(m) },
        spool: { dir: dir.path },
      });
      for (let i = 0; i < 10; i++) c.track(createEvent(EventType.DECISION, `d${i}`));
      const started = Date.now();
      await c.close();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(c.stats).toMatchObject({ sent: 0, dropped: 0, spooled: 10, queued: 0 });
      expect(warnings.join("\n")).toMatch(
        /close\(\): 10 events could not be delivered \(connection refused by .*; \d+ attempts in \d+\.\d s, and another would pass closeTimeout \(500 ms\)\): kept in /,
      );
    } finally {
      dir.remove();
    }
  });

  it("a full spool: what it cannot keep is counted as dropped and the loss is printed", async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const dir = tempDir("spool-");
    try {
      const c = new TruseraClient({
        apiKey: server.apiKey,
        baseUrl: `http://127.0.0.1:${port}`,
        closeTimeout: 300,
        batchSize: 10,
        logger: { debug() {}, warn: (m) => warnings.push(m) },
        spool: { dir: dir.path, maxFiles: 1 },
      });
      for (let i = 0; i < 30; i++) c.track(createEvent(EventType.DECISION, `d${i}`));
      await c.close();
      expect(c.stats).toMatchObject({ sent: 0, spooled: 10, dropped: 20, queued: 0 });
      expect(warnings.join("\n")).toMatch(/10 events were lost when .*: the spool .* is full/);
    } finally {
      dir.remove();
    }
  });

  it("close() with the spool off gives up at its deadline and says how many were lost", async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const c = new TruseraClient({
      apiKey: server.apiKey,
      baseUrl: `http://127.0.0.1:${port}`,
      closeTimeout: 500,
      logger: { debug() {}, warn: (m) => warnings.push(m) },
      spool: false,
    });
    for (let i = 0; i < 10; i++) c.track(createEvent(EventType.DECISION, `d${i}`));
    const started = Date.now();
    await c.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(c.stats).toMatchObject({ sent: 0, dropped: 10, queued: 0 });
    expect(warnings.join("\n")).toMatch(/10 events could not be delivered/);
  });
});

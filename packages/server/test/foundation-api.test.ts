import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { createEvent, EventType } from "@trusera/core";
import { SERVER_CLI, type ServerProcess, startServerProcess, tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The foundation's HTTP contract, against the built server binary on a loopback port.

let server: ServerProcess;
const dir = tempDir();

beforeAll(async () => {
  server = await startServerProcess({ dataDir: dir.path });
});
afterAll(async () => {
  await server?.dispose();
  dir.remove();
});

function cli(args: string[]) {
  return spawnSync(process.execPath, [SERVER_CLI, ...args, "--data-dir", server.dataDir], {
    encoding: "utf8",
  });
}

async function raw(path: string, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set("authorization", `Bearer ${init.key ?? server.apiKey}`);
  const res = await fetch(new URL(path, server.url), { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function countEvents(agent: string): Promise<number> {
  const res = await server.api("GET", `/api/v1/events?agent_id=${agent}&limit=1000`);
  return res.body.events.length;
}

const event = (agent: string, name = "e", type: EventType = EventType.TOOL_CALL) => ({
  ...createEvent(type, name, { q: name }),
  agent_id: agent,
});

describe("first start", () => {
  it("printed the admin key once and wrote it to <data-dir>/api-key, readable only by its owner", () => {
    expect(server.apiKey).toMatch(/^tsk_[A-Za-z0-9_-]{32}$/);
    expect(server.output()).toContain(server.apiKey);
    expect(statSync(join(server.dataDir, "api-key")).mode & 0o777).toBe(0o600);
  });

  it("does not make another key on the next start", async () => {
    await server.stop();
    server = await startServerProcess({ dataDir: server.dataDir });
    expect(server.output()).not.toContain("First start");
    expect(server.apiKey).toMatch(/^tsk_/); // still the file from the first start
    expect((await server.api("GET", "/api/v1/agents")).status).toBe(200);
  });
});

describe("health and auth", () => {
  it("answers /healthz without a key", async () => {
    expect(await raw("/healthz", { key: null })).toEqual({ status: 200, body: { status: "ok" } });
  });

  it.each([
    ["no header", null],
    ["a wrong key", `tsk_${"x".repeat(32)}`],
    ["something that is not a key", "hello"],
  ])("answers 401 in JSON for %s", async (_label, key) => {
    const res = await raw("/api/v1/events", { key });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    expect(res.body.error.message).toMatch(/key/);
  });
});

describe("ingest", () => {
  it("stores a batch, counts duplicates, and replays an Idempotency-Key", async () => {
    const events = [event("ingest-a", "one"), event("ingest-a", "two")];
    const post = (key: string, body: unknown) =>
      raw("/api/v1/events/batch", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(body),
      });
    expect(await post("k1", { events })).toEqual({ status: 200, body: { accepted: 2, duplicates: 0 } });
    expect(await post("k2", { events })).toEqual({ status: 200, body: { accepted: 0, duplicates: 2 } });
    // Same key again: the first answer, and nothing new is stored, even with a different body.
    expect(await post("k1", { events: [event("ingest-a", "three")] })).toEqual({
      status: 200,
      body: { accepted: 2, duplicates: 0 },
    });
    expect(await countEvents("ingest-a")).toBe(2);
  });

  it.each([
    ["malformed JSON", "{not json", 400, "malformed_json"],
    ["an empty body", "", 400, "malformed_json"],
    ["events that is not an array", JSON.stringify({ events: {} }), 400, "invalid_request"],
    ["dropped as a string", JSON.stringify({ events: [], dropped: "5" }), 400, "invalid_request"],
    ["a missing events field", JSON.stringify({}), 400, "invalid_request"],
    [
      "an unknown event type",
      JSON.stringify({ events: [{ ...event("bad-agent"), type: "nope" }] }),
      400,
      "invalid_request",
    ],
    ["a non-object event", JSON.stringify({ events: [event("bad-agent"), 7] }), 400, "invalid_request"],
  ])("rejects %s with a clear JSON error and stores nothing", async (_label, body, status, code) => {
    const res = await raw("/api/v1/events/batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(5);
    expect(await countEvents("bad-agent")).toBe(0);
  });

  it("says which events are invalid and why", async () => {
    const res = await raw("/api/v1/events/batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        events: [event("bad-agent"), { ...event("bad-agent"), type: "nope", name: "" }],
      }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { index: 1, problems: ['type "nope" is not a known event type', "name must be a non-empty string"] },
    ]);
  });

  it("answers 413 for a body over the configured limit and keeps serving", async () => {
    const small = await startServerProcess({ args: ["--body-limit", "2048"] });
    try {
      const big = { events: [{ ...event("big"), payload: { blob: "x".repeat(4096) } }] };
      const res = await fetch(`${small.url}/api/v1/events/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${small.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(big),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
      const ok = await small.api("POST", "/api/v1/events/batch", { events: [event("big")] });
      expect(ok.status).toBe(200);
    } finally {
      await small.dispose();
    }
  });

  it("reads timestamps in seconds, milliseconds and microseconds and 32-hex ids", async () => {
    const base = event("time-agent");
    const res = await server.api("POST", "/api/v1/events/batch", {
      events: [
        { ...base, id: "0123456789abcdef0123456789abcdef", timestamp: 1774915201.5 },
        { ...event("time-agent"), timestamp: 1774915201500 },
        { ...event("time-agent"), timestamp: 1774915201500000 },
      ],
    });
    expect(res.body).toEqual({ accepted: 3, duplicates: 0 });
    const list = await server.api("GET", "/api/v1/events?agent_id=time-agent");
    expect(list.body.events.map((e: { timestamp: string }) => e.timestamp)).toEqual([
      "2026-03-31T00:00:01.500000Z",
      "2026-03-31T00:00:01.500000Z",
      "2026-03-31T00:00:01.500000Z",
    ]);
  });
});

describe("agents", () => {
  it("registers idempotently per name", async () => {
    const a = await server.api("POST", "/api/v1/agents/register", {
      name: "reg-agent",
      framework: "langchain",
    });
    const b = await server.api("POST", "/api/v1/agents/register", {
      name: "reg-agent",
      framework: "langchain",
    });
    expect(a.status).toBe(200);
    expect(a.body.agent_id).toMatch(/^agt_[0-9a-f]{16}$/);
    expect(b.body.agent_id).toBe(a.body.agent_id);
  });

  it("rejects a registration without a name", async () => {
    const res = await server.api("POST", "/api/v1/agents/register", { framework: "x" });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/name/);
  });
});

describe("listing events", () => {
  it("pages newest first with a cursor and filters by agent, type and time", async () => {
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    const events = Array.from({ length: 250 }, (_, i) => ({
      ...event("page-agent", `p${i}`, i % 2 ? EventType.API_CALL : EventType.DECISION),
      timestamp: new Date(t0 + i * 1000).toISOString(),
    }));
    for (let i = 0; i < events.length; i += 100) {
      expect(
        (await server.api("POST", "/api/v1/events/batch", { events: events.slice(i, i + 100) })).status,
      ).toBe(200);
    }
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { events: { name: string }[]; next_cursor: string | null } } = await server.api(
        "GET",
        `/api/v1/events?agent_id=page-agent&limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      );
      names.push(...page.body.events.map((e) => e.name));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(names).toEqual(events.map((e) => e.name).reverse());

    const typed = await server.api("GET", "/api/v1/events?agent_id=page-agent&type=api_call&limit=1000");
    expect(typed.body.events).toHaveLength(125);
    const since = new Date(t0 + 200_000).toISOString();
    const until = new Date(t0 + 210_000).toISOString();
    const window = await server.api(
      "GET",
      `/api/v1/events?agent_id=page-agent&since=${since}&until=${until}`,
    );
    expect(window.body.events.map((e: { name: string }) => e.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `p${209 - i}`),
    );
  });

  it("rejects bad query parameters clearly", async () => {
    for (const q of ["limit=0", "limit=abc", "type=nope", "since=yesterday", "cursor=%%%", "extra=1"]) {
      const res = await server.api("GET", `/api/v1/events?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe("invalid_request");
    }
  });
});

describe("keys CLI", () => {
  it("creates a key shown once, lists without it, and revokes it", async () => {
    const made = cli(["keys", "create", "--project", "cli-project", "--role", "ingest", "--json"]);
    expect(made.status, made.stderr).toBe(0);
    const { key, id } = JSON.parse(made.stdout);
    expect(key).toMatch(/^tsk_/);
    const ok = await raw("/api/v1/events/batch", {
      key,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: [event("cli-agent")] }),
    });
    expect(ok.status).toBe(200);
    // An ingest key cannot read.
    expect((await raw("/api/v1/events", { key })).status).toBe(403);

    const listed = cli(["keys", "list", "--project", "cli-project"]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(key);

    const other = JSON.parse(cli(["keys", "create", "--project", "cli-project", "--json"]).stdout);
    expect(cli(["keys", "revoke", other.id, "--project", "cli-project"]).status).toBe(0);
    expect((await raw("/api/v1/agents", { key: other.key })).status).toBe(401);
  });

  it("explains wrong usage with exit code 2", () => {
    const r = cli(["keys", "create"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--project NAME is required/);
    const help = spawnSync(process.execPath, [SERVER_CLI, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: trusera-server/);
  });
});

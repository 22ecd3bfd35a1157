import { spawnSync } from "node:child_process";
import { evidenceFingerprint } from "@trusera/core";
import {
  createTestDatabase,
  postgresTestUrl,
  SERVER_CLI,
  type ServerProcess,
  serverNode,
  startServerProcess,
  type TestDatabase,
  tempDir,
  waitFor,
} from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCallEvent } from "./helpers.js";
import { LEARNING_ACTIVE, learningHistory } from "./learning-fixture.js";

// Rejecting, approving and auto-approving suggestions against real server processes, on SQLite and
// (when TRUSERA_TEST_DATABASE_URL is set) Postgres, over the history of learning-fixture.ts: it
// supports a permit for registry.example and a forbid for new.example (allowed once).

const NEW_HOST_FORBID =
  'forbid (principal, action == Action::"api_call", resource) when { resource.hostname == "new.example" };';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Listed {
  id: string;
  kind: "allow" | "deny";
  policy: string;
  reason: string;
  evidence: { count: number; first_seen: string; last_seen: string };
}

async function seed(s: ServerProcess): Promise<void> {
  const created = await s.api("POST", "/api/v1/policies", {
    policies: LEARNING_ACTIVE,
    default_decision: "deny",
    activate: true,
  });
  expect(created.status).toBe(201);
  const res = await s.api("POST", "/api/v1/events/batch", { events: learningHistory() });
  expect(res.body.accepted).toBe(19);
}

const pgUrl = postgresTestUrl();
const BACKENDS = ["sqlite", ...(pgUrl ? ["postgres"] : [])] as const;

describe.each(BACKENDS)("suggestions rejected and approved (%s, server processes)", (backend) => {
  let db: TestDatabase | undefined;
  const dir = tempDir("trusera-learning-");
  let args: string[] = [];
  let server: ServerProcess;
  let key: string;
  const api = (method: string, path: string, body?: unknown) => server.api(method, path, body, key);
  const list = async (): Promise<{ suggestions: Listed[] }> => {
    const r = await api("GET", "/api/v1/policies/suggestions");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    if (backend === "postgres") {
      db = await createTestDatabase(pgUrl!);
      args = ["--database-url", db.url];
    }
    // A short interval: were the option's timer running while it is off, it would show here.
    server = await startServerProcess({
      dataDir: dir.path,
      args,
      env: { TRUSERA_LOG_LEVEL: "warn", TRUSERA_LEARNING_INTERVAL_SECONDS: "1" },
    });
    key = server.apiKey;
    await seed(server);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    dir.remove();
  });

  it("off by default: no sweep approves anything, and listing writes nothing", async () => {
    const first = await list();
    expect(first).not.toHaveProperty("auto_approved");
    expect(first.suggestions.map((s) => s.kind)).toEqual(["deny", "allow"]);
    // Two intervals of a timer that must not be running.
    await sleep(2200);
    await list();
    const versions = await api("GET", "/api/v1/policies");
    expect(versions.body.versions).toHaveLength(1);
  });

  it("a rejection is recorded with who, when and the evidence, survives a restart, and holds until the evidence doubles", async () => {
    const [deny] = (await list()).suggestions as [Listed];
    const keys = (await api("GET", "/api/v1/keys")).body.keys as { id: string }[];
    const r = await api("POST", `/api/v1/policies/suggestions/${deny.id}/reject`);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.rejection).toMatchObject({
      suggestion_id: deny.id,
      evidence_count: 1,
      evidence_fingerprint: evidenceFingerprint(deny.id, deny.evidence),
      rejected_by: keys[0]!.id,
    });
    expect(Date.parse(r.body.rejection.rejected_at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await list()).suggestions.map((s) => s.id)).not.toContain(deny.id);

    // Approving or rejecting it again is a clear 409; an unknown id a clear 404.
    const approve = await api("POST", `/api/v1/policies/suggestions/${deny.id}/approve`);
    expect(approve.status).toBe(409);
    expect(approve.body.error).toMatchObject({ code: "suggestion_rejected" });
    expect(approve.body.error.message).toContain(`suggestion ${deny.id} was rejected by ${keys[0]!.id}`);
    expect((await api("POST", `/api/v1/policies/suggestions/${deny.id}/reject`)).status).toBe(409);
    const unknown = await api("POST", "/api/v1/policies/suggestions/S-000000000000/reject");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain("suggestion S-000000000000");
    expect(unknown.body.error.message).toContain("GET /api/v1/policies/suggestions");

    // Stored, not remembered by the process: a new process still hides it.
    await server.stop();
    server = await startServerProcess({ dataDir: dir.path, args, env: { TRUSERA_LOG_LEVEL: "warn" } });
    expect((await list()).suggestions.map((s) => s.id)).not.toContain(deny.id);

    // Its evidence doubles (a second call to the new host): it is offered again.
    const more = await api("POST", "/api/v1/events/batch", {
      events: [apiCallEvent("https://new.example/twice", "allow", { agent_id: "bot-1" })],
    });
    expect(more.body.accepted).toBe(1);
    const back = (await list()).suggestions.find((s) => s.id === deny.id);
    expect(back?.evidence.count).toBe(2);
  }, 60_000);

  it("an approval is a new active version whose history names the key and the suggestion", async () => {
    const allow = (await list()).suggestions.find((s) => s.kind === "allow")!;
    const r = await api("POST", `/api/v1/policies/suggestions/${allow.id}/approve`);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const keys = (await api("GET", "/api/v1/keys")).body.keys as { id: string }[];
    const versions = (await api("GET", "/api/v1/policies")).body.versions;
    expect(versions[0]).toMatchObject({
      number: r.body.version.number,
      active: true,
      author_key_id: keys[0]!.id,
      description: `approved suggestion ${allow.id}: ${allow.reason}`,
    });
    const bundle = await api("GET", "/api/v1/policies/bundle");
    expect(bundle.body.policies).toContain(allow.policy);
    expect((await list()).suggestions.map((s) => s.id)).not.toContain(allow.id);
  });

  it("POST .../auto-approve approves now what only tightens, with the option off, authored by the key", async () => {
    // Left from the tests above: the forbid for new.example, offered again (its evidence doubled).
    const [deny] = (await list()).suggestions as [Listed];
    expect(deny.kind).toBe("deny");
    const before = (await api("GET", "/api/v1/policies")).body.versions.length;
    const r = await api("POST", "/api/v1/policies/suggestions/auto-approve");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ approved: [{ id: deny.id, version: before + 1 }] });
    const keys = (await api("GET", "/api/v1/keys")).body.keys as { id: string }[];
    const [latest] = (await api("GET", "/api/v1/policies")).body.versions;
    expect(latest).toMatchObject({ number: before + 1, active: true, author_key_id: keys[0]!.id });
    expect(latest.description).toBe(
      `auto-approved suggestion ${deny.id} (only tightens; POST /api/v1/policies/suggestions/auto-approve): ${deny.reason}`,
    );
    expect((await api("GET", "/api/v1/policies/bundle")).body.policies).toContain(NEW_HOST_FORBID);
    // Nothing left that only tightens.
    expect((await api("POST", "/api/v1/policies/suggestions/auto-approve")).body).toEqual({ approved: [] });
  });
});

describe.each(BACKENDS)("TRUSERA_LEARNING_AUTO_TIGHTEN=1 (%s, server process)", (backend) => {
  let db: TestDatabase | undefined;
  let server: ServerProcess;
  afterAll(async () => {
    await server?.dispose();
    await db?.drop();
  });
  const versions = async () => (await server.api("GET", "/api/v1/policies")).body.versions;

  it("a sweep on the timer approves the suggestion that only tightens, without any request, and not the permit", async () => {
    if (backend === "postgres") db = await createTestDatabase(pgUrl!);
    server = await startServerProcess({
      args: db ? ["--database-url", db.url] : [],
      env: {
        TRUSERA_LOG_LEVEL: "warn",
        TRUSERA_LEARNING_AUTO_TIGHTEN: "1",
        TRUSERA_LEARNING_INTERVAL_SECONDS: "1",
      },
    });
    await seed(server);
    const [auto] = await waitFor(async () => ((await versions()).length === 2 ? versions() : null), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: "the sweep's version",
    });
    expect(auto).toMatchObject({ number: 2, active: true, author_key_id: "system:auto-tighten" });
    expect(auto.description).toMatch(
      /^auto-approved suggestion S-[0-9a-f]{12} \(only tightens; TRUSERA_LEARNING_AUTO_TIGHTEN=1\): api calls to a new host, new\.example/,
    );
    expect((await server.api("GET", "/api/v1/policies/bundle")).body.policies).toContain(NEW_HOST_FORBID);
    // Later sweeps leave the permit for registry.example to a person.
    await sleep(2200);
    expect(await versions()).toHaveLength(2);
    const r = await server.api("GET", "/api/v1/policies/suggestions");
    expect(r.body.suggestions.map((s: Listed) => s.kind)).toEqual(["allow"]);
  }, 60_000);
});

describe("TRUSERA_LEARNING_AUTO_TIGHTEN=1 with the default interval (server process)", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({
      env: { TRUSERA_LOG_LEVEL: "warn", TRUSERA_LEARNING_AUTO_TIGHTEN: "1" },
    });
    // The first sweep runs at start, before there are events; the next is an hour away.
    await seed(server);
  });
  afterAll(() => server?.dispose());

  it("listing never writes: the forbid is offered, not approved", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await server.api("GET", "/api/v1/policies/suggestions");
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).not.toHaveProperty("auto_approved");
      expect(r.body.suggestions.map((s: Listed) => s.kind)).toEqual(["deny", "allow"]);
    }
    expect((await server.api("GET", "/api/v1/policies")).body.versions).toHaveLength(1);
  });
});

describe("TRUSERA_LEARNING_INTERVAL_SECONDS", () => {
  it.each(["0", "1.5", "soon"])("%s is refused at start with a clear message", (value) => {
    const dir = tempDir("trusera-learning-");
    try {
      const r = spawnSync(serverNode(), [SERVER_CLI, "start", "--port", "0", "--data-dir", dir.path], {
        encoding: "utf8",
        env: { ...process.env, TRUSERA_LEARNING_AUTO_TIGHTEN: "1", TRUSERA_LEARNING_INTERVAL_SECONDS: value },
        timeout: 20_000,
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(
        `TRUSERA_LEARNING_INTERVAL_SECONDS must be a whole number from 1 to 604800, got "${value}"`,
      );
    } finally {
      dir.remove();
    }
  });
});

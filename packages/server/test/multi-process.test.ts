import { spawnSync } from "node:child_process";
import {
  createTestDatabase,
  postgresTestUrl,
  SERVER_CLI,
  type ServerProcess,
  startServerProcess,
  type TestDatabase,
  tempDir,
} from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCallEvent, sdkEvent } from "./helpers.js";

const base = postgresTestUrl();

/**
 * Two real server processes on one Postgres database serve the same data: what one stores or
 * activates, the other answers at once. Keys made by the CLI against the database work in both.
 */
describe.skipIf(!base)("two server processes on one Postgres", () => {
  let db: TestDatabase;
  let one: ServerProcess;
  let two: ServerProcess;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase(base!);
    const env = { DATABASE_URL: db.url, TRUSERA_LOG_LEVEL: "warn" };
    // Both start at once on an empty database: migrations and the first key must not race.
    [one, two] = await Promise.all([startServerProcess({ env }), startServerProcess({ env })]);
    key = one.apiKey || two.apiKey;
    expect(key).toMatch(/^tsk_/);
    // Exactly one of them made the first key.
    expect([one.apiKey, two.apiKey].filter(Boolean)).toHaveLength(1);
  }, 60_000);

  afterAll(async () => {
    await one?.dispose();
    await two?.dispose();
    await db?.drop();
  });

  it("stores through one and reads through the other", async () => {
    const reg = await one.api("POST", "/api/v1/agents/register", { name: "shared" }, key);
    const again = await two.api("POST", "/api/v1/agents/register", { name: "shared" }, key);
    expect(again.body.agent_id).toBe(reg.body.agent_id);
    const events = Array.from({ length: 50 }, () => sdkEvent({ agent_id: "shared" }));
    expect(
      (await one.api("POST", "/api/v1/events/batch", { events: events.slice(0, 25) }, key)).body.accepted,
    ).toBe(25);
    expect((await two.api("POST", "/api/v1/events/batch", { events }, key)).body).toEqual({
      accepted: 25,
      duplicates: 25,
    });
    for (const server of [one, two]) {
      const list = await server.api("GET", "/api/v1/events?agent_id=shared&limit=100", undefined, key);
      expect(list.body.events).toHaveLength(50);
    }
  });

  it("an Idempotency-Key used on one is honoured by the other", async () => {
    const post = (server: ServerProcess) =>
      fetch(`${server.url}/api/v1/events/batch`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "idempotency-key": "mp-1",
        },
        body: JSON.stringify({ events: [sdkEvent(), sdkEvent()] }),
      }).then((r) => r.json());
    const a = await post(one);
    const b = await post(two);
    expect(a).toEqual({ accepted: 2, duplicates: 0 });
    expect(b).toEqual(a);
  });

  it("a version activated through one is the bundle and the decision of the other", async () => {
    const text =
      '@id("no-evil")\nforbid (principal, action == Action::"api_call", resource) when { resource.hostname == "evil.example" };';
    const v = await one.api("POST", "/api/v1/policies", { policies: text, activate: true }, key);
    expect(v.status).toBe(201);
    const bundle = await two.api("GET", "/api/v1/policies/bundle", undefined, key);
    expect(bundle.body).toMatchObject({ version: v.body.id, policies: text });
    const decision = await two.api(
      "POST",
      "/api/v1/cedar/evaluate",
      {
        principal: "bot",
        action: "api_call",
        resource: 'Host::"evil.example"',
        context: { url: "https://evil.example/" },
      },
      key,
    );
    expect(decision.body.decision).toBe("deny");
    const empty = await one.api("POST", "/api/v1/policies", { policies: "", activate: true }, key);
    expect((await two.api("GET", "/api/v1/policies/bundle", undefined, key)).body.version).toBe(
      empty.body.id,
    );
    expect((await two.api("POST", "/api/v1/policies/rollback", undefined, key)).body.version.id).toBe(
      v.body.id,
    );
    expect((await one.api("GET", "/api/v1/policies/bundle", undefined, key)).body.version).toBe(v.body.id);
    await one.api(
      "POST",
      "/api/v1/events/batch",
      { events: [apiCallEvent("https://evil.example/x", "allow")] },
      key,
    );
    const replay = await two.api("POST", "/api/v1/policies/replay", { version_id: v.body.id }, key);
    expect(replay.body.allow_to_deny).toBe(1);
  });

  it("keys made by the CLI on the database work in both processes; revoked, in both within 5 s", async () => {
    const dir = tempDir("trusera-cli-");
    try {
      const made = spawnSync(
        process.execPath,
        [
          SERVER_CLI,
          "keys",
          "create",
          "--project",
          "team-b",
          "--role",
          "ingest",
          "--json",
          "--data-dir",
          dir.path,
        ],
        { env: { ...process.env, DATABASE_URL: db.url }, encoding: "utf8" },
      );
      expect(made.status, made.stderr).toBe(0);
      const created = JSON.parse(made.stdout) as { id: string; key: string };
      for (const server of [one, two]) {
        expect((await server.api("GET", "/api/v1/policies/bundle", undefined, created.key)).status).toBe(200);
      }
      const revoked = spawnSync(
        process.execPath,
        [SERVER_CLI, "keys", "revoke", created.id, "--project", "team-b", "--data-dir", dir.path],
        { env: { ...process.env, DATABASE_URL: db.url }, encoding: "utf8" },
      );
      expect(revoked.status, revoked.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 5200));
      for (const server of [one, two]) {
        expect((await server.api("GET", "/api/v1/policies/bundle", undefined, created.key)).status).toBe(401);
      }
    } finally {
      dir.remove();
    }
  });

  it("both report ready on Postgres", async () => {
    for (const server of [one, two]) {
      const res = await fetch(`${server.url}/readyz`);
      expect(await res.json()).toEqual({ status: "ready", store: "postgres" });
    }
  });
});

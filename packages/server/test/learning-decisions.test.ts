import { evidenceFingerprint } from "@trusera/core";
import {
  createTestDatabase,
  postgresTestUrl,
  type ServerProcess,
  startServerProcess,
  type TestDatabase,
  tempDir,
} from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCallEvent } from "./helpers.js";
import { LEARNING_ACTIVE, learningHistory } from "./learning-fixture.js";

// Rejecting, approving and auto-approving suggestions against real server processes, on SQLite and
// (when TRUSERA_TEST_DATABASE_URL is set) Postgres, over the history of learning-fixture.ts: it
// supports a permit for registry.example and a forbid for new.example (allowed once).

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
  const list = async (): Promise<{ suggestions: Listed[]; auto_approved: unknown[] }> => {
    const r = await api("GET", "/api/v1/policies/suggestions");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    if (backend === "postgres") {
      db = await createTestDatabase(pgUrl!);
      args = ["--database-url", db.url];
    }
    server = await startServerProcess({ dataDir: dir.path, args, env: { TRUSERA_LOG_LEVEL: "warn" } });
    key = server.apiKey;
    await seed(server);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    dir.remove();
  });

  it("off by default, nothing is approved automatically", async () => {
    const first = await list();
    expect(first.auto_approved).toEqual([]);
    expect(first.suggestions.map((s) => s.kind)).toEqual(["deny", "allow"]);
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
});

describe("TRUSERA_LEARNING_AUTO_TIGHTEN=1 (server process)", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({
      env: { TRUSERA_LOG_LEVEL: "warn", TRUSERA_LEARNING_AUTO_TIGHTEN: "1" },
    });
    await seed(server);
  });
  afterAll(() => server?.dispose());

  it("approves the suggestions that only tighten, and only those, each as a version that says so", async () => {
    const r = await server.api("GET", "/api/v1/policies/suggestions");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // The forbid for new.example (1 allow->deny, no deny->allow) is approved; the permit is offered.
    expect(r.body.auto_approved).toHaveLength(1);
    const auto = r.body.auto_approved[0];
    expect(r.body.suggestions.map((s: Listed) => s.kind)).toEqual(["allow"]);
    const versions = (await server.api("GET", "/api/v1/policies")).body.versions;
    expect(versions).toHaveLength(2);
    expect(versions[0]).toMatchObject({ number: auto.version, active: true });
    expect(versions[0].description).toMatch(
      new RegExp(
        `^auto-approved suggestion ${auto.id} \\(only tightens; TRUSERA_LEARNING_AUTO_TIGHTEN=1\\): api calls to a new host, new\\.example`,
      ),
    );
    const bundle = await server.api("GET", "/api/v1/policies/bundle");
    expect(bundle.body.policies).toContain(
      'forbid (principal, action == Action::"api_call", resource) when { resource.hostname == "new.example" };',
    );
    // Nothing more to approve: a second listing changes nothing.
    const again = await server.api("GET", "/api/v1/policies/suggestions");
    expect(again.body.auto_approved).toEqual([]);
    expect((await server.api("GET", "/api/v1/policies")).body.versions).toHaveLength(2);
  });
});

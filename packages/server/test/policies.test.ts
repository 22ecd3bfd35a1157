import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCallEvent, startTestServer, type TestServer } from "./helpers.js";

const DENY_EVIL = `@id("no-evil")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname == "evil.example" };
`;

describe("policies", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it("serves an empty allow-all bundle before any version is active", async () => {
    const res = await t.api("GET", "/api/v1/policies/bundle");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      version: null,
      digest: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      policies: "",
      default_decision: "allow",
    });
    expect(res.headers.get("etag")).toBe(`"${res.body.digest}"`);
  });

  it("rejects invalid Cedar with every error placed by line and column, storing nothing", async () => {
    const text = `permit (principal, action, resource);\nforbid (principal, action == Action::"api_call", resource)\n  when { resource.hostnme == "x" };\nforbid (principal, action, resource) when { context.nope };`;
    const res = await t.api("POST", "/api/v1/policies", { body: { policies: text } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_policy");
    const details = res.body.error.details as { line: number; column: number; message: string }[];
    expect(details.length).toBeGreaterThanOrEqual(2);
    expect(details[0]).toMatchObject({ line: 3, policy_id: "policy1" });
    expect(details[0]!.column).toBeGreaterThan(1);
    expect(details.some((d) => d.line === 4)).toBe(true);
    const syntax = await t.api("POST", "/api/v1/policies", {
      body: { policies: "permit (principal, action" },
    });
    expect(syntax.status).toBe(400);
    expect(syntax.body.error.details[0]).toMatchObject({ line: 1 });
    expect((await t.api("GET", "/api/v1/policies")).body.versions).toEqual([]);
  });

  it("stores immutable versions with digest, author and time; activates; rolls back", async () => {
    const project = (await t.api("GET", "/api/v1/project")).body;
    const v1 = await t.api("POST", "/api/v1/policies", {
      body: { policies: DENY_EVIL, description: "first" },
    });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      number: 1,
      active: false,
      default_decision: "allow",
      author_key_id: project.key.id,
      description: "first",
    });
    expect(v1.body.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Date.parse(v1.body.created_at)).toBeGreaterThan(0);
    // Not active yet: the bundle is still empty.
    expect((await t.api("GET", "/api/v1/policies/bundle")).body.version).toBeNull();

    const act = await t.api("POST", `/api/v1/policies/${v1.body.id}/activate`);
    expect(act.status).toBe(200);
    const bundle = await t.api("GET", "/api/v1/policies/bundle");
    expect(bundle.body).toEqual({
      version: v1.body.id,
      digest: v1.body.digest,
      policies: DENY_EVIL,
      default_decision: "allow",
    });
    const etag = bundle.headers.get("etag")!;
    expect(etag).toBe(`"${v1.body.digest}"`);
    const notModified = await t.api("GET", "/api/v1/policies/bundle", { headers: { "if-none-match": etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeUndefined();
    expect(
      (await t.api("GET", "/api/v1/policies/bundle", { headers: { "if-none-match": `W/"x", ${etag}` } }))
        .status,
    ).toBe(304);

    const v2 = await t.api("POST", "/api/v1/policies", {
      body: { policies: "", default_decision: "deny", activate: true },
    });
    expect(v2.body).toMatchObject({ number: 2, active: true, default_decision: "deny" });
    const b2 = await t.api("GET", "/api/v1/policies/bundle", { headers: { "if-none-match": etag } });
    expect(b2.status).toBe(200);
    expect(b2.body).toMatchObject({ version: v2.body.id, default_decision: "deny", policies: "" });
    // Same text as "no version", different default: a different ETag.
    expect(b2.headers.get("etag")).not.toBe(`"${b2.body.digest}"`);

    const list = await t.api("GET", "/api/v1/policies");
    expect(list.body.versions.map((v: { number: number }) => v.number)).toEqual([2, 1]);
    expect(list.body.active_version).toBe(v2.body.id);

    const rb = await t.api("POST", "/api/v1/policies/rollback");
    expect(rb.status).toBe(200);
    expect(rb.body.version.id).toBe(v1.body.id);
    expect((await t.api("GET", "/api/v1/policies/bundle")).body.version).toBe(v1.body.id);
    const again = await t.api("POST", "/api/v1/policies/rollback");
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("nothing_to_roll_back");

    const history = await t.api("GET", "/api/v1/policies/activations");
    expect(history.body.activations.map((a: { kind: string }) => a.kind)).toEqual([
      "rollback",
      "activate",
      "activate",
    ]);
    const one = await t.api("GET", `/api/v1/policies/${v1.body.id}`);
    expect(one.body).toMatchObject({ id: v1.body.id, policies: DENY_EVIL, active: true });
    expect((await t.api("GET", "/api/v1/policies/pol_0000000000000000")).status).toBe(404);
    expect((await t.api("POST", "/api/v1/policies/pol_0000000000000000/activate")).status).toBe(404);

    // The Python dialect serves the same active version.
    const py = await t.api("GET", "/api/v1/policies/cedar");
    expect(py.body).toMatchObject({ version: v1.body.id, policies: DENY_EVIL, digest: v1.body.digest });
    expect(py.body.activated_at).toBeTruthy();
  });

  it("lets an ingest key read the bundle but not manage policies", async () => {
    const key = (await t.api("POST", "/api/v1/keys", { body: { role: "ingest" } })).body.key as string;
    expect((await t.api("GET", "/api/v1/policies/bundle", { key })).status).toBe(200);
    expect((await t.api("GET", "/api/v1/policies/cedar", { key })).status).toBe(200);
    const denied = await t.api("POST", "/api/v1/policies", { key, body: { policies: "" } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("forbidden");
    expect((await t.api("GET", "/api/v1/policies", { key })).status).toBe(403);
  });

  it("decides remotely against the active version, and inline policies", async () => {
    await t.api("POST", "/api/v1/policies", { body: { policies: DENY_EVIL, activate: true } });
    const ask = (host: string) =>
      t.api("POST", "/api/v1/cedar/evaluate", {
        body: {
          principal: { type: "Agent", id: "bot" },
          action: { type: "Action", id: "api_call" },
          resource: { type: "Host", id: host },
          context: { url: `https://${host}/v1/x`, method: "POST" },
        },
      });
    expect((await ask("evil.example")).body).toMatchObject({
      decision: "deny",
      diagnostic: { reasons: ["no-evil"], errors: [] },
    });
    expect((await ask("good.example")).body.decision).toBe("allow");
    const inline = await t.api("POST", "/api/v1/cedar/evaluate", {
      body: {
        principal: 'n8n::Agent::"flow"',
        action: { type: "n8n::Action", id: "process_data" },
        resource: { type: "n8n::WorkflowData", id: "input" },
        context: { pii_detected: true },
        inline_policy: "forbid (principal, action, resource) when { context.pii_detected };",
      },
    });
    expect(inline.body).toMatchObject({ decision: "deny", diagnostic: { reasons: ["policy0"] } });
    const bad = await t.api("POST", "/api/v1/cedar/evaluate", {
      body: { principal: "a", action: "api_call", resource: "no-type" },
    });
    expect(bad.status).toBe(400);
  });

  it("replays a candidate over recorded events and reports changes with examples", async () => {
    const events = [
      apiCallEvent("https://evil.example/a", "allow", { agent_id: "replay-bot" }),
      apiCallEvent("https://evil.example/b", "allow", { agent_id: "replay-bot" }),
      apiCallEvent("https://good.example/c", "deny", { agent_id: "replay-bot" }),
      apiCallEvent("https://good.example/d", "allow", { agent_id: "replay-bot" }),
      {
        ...apiCallEvent("https://good.example/e", "allow"),
        type: "policy_violation",
        agent_id: "replay-bot",
      },
    ];
    expect((await t.api("POST", "/api/v1/events/batch", { body: { events } })).body.accepted).toBe(5);
    const res = await t.api("POST", "/api/v1/policies/replay", {
      body: { policies: DENY_EVIL, agent_id: "replay-bot", max_examples: 1 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      events_scanned: 5,
      evaluated: 4,
      skipped: 1,
      changed: 3,
      unchanged: 1,
      allow_to_deny: 2,
      deny_to_allow: 1,
      denied_by_policy: { "no-evil": 2 },
      truncated: false,
    });
    expect(res.body.examples.allow_to_deny).toHaveLength(1);
    expect(res.body.examples.allow_to_deny[0]).toMatchObject({
      agent_name: "replay-bot",
      recorded: "allow",
      candidate: "deny",
      policy_ids: ["no-evil"],
    });
    expect(res.body.examples.deny_to_allow[0]).toMatchObject({ name: "GET https://good.example/c" });

    // A stored version can be replayed too, and the window and max_events bound what is read.
    const v = await t.api("POST", "/api/v1/policies", { body: { policies: DENY_EVIL } });
    const byVersion = await t.api("POST", "/api/v1/policies/replay", {
      body: { version_id: v.body.id, agent_id: "replay-bot", max_events: 2 },
    });
    expect(byVersion.body).toMatchObject({ events_scanned: 2, truncated: true });
    expect(byVersion.body.candidate.version).toBe(v.body.id);
    const empty = await t.api("POST", "/api/v1/policies/replay", {
      body: { policies: DENY_EVIL, agent_id: "replay-bot", until: "2001-01-01T00:00:00Z" },
    });
    expect(empty.body.events_scanned).toBe(0);

    const invalid = await t.api("POST", "/api/v1/policies/replay", { body: { policies: "permit (" } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("invalid_policy");
    expect((await t.api("POST", "/api/v1/policies/replay", { body: {} })).status).toBe(400);
    expect(
      (await t.api("POST", "/api/v1/policies/replay", { body: { version_id: "pol_0000000000000000" } }))
        .status,
    ).toBe(404);
  });
});

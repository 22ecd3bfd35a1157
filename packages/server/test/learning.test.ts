import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newProjectKey, sdkEvent, startTestServer, type TestServer } from "./helpers.js";
import { LEARNING_ACTIVE, learningHistory } from "./learning-fixture.js";

// Over the active set and recorded events of learning-fixture.ts.
describe("policy suggestions from stored events", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    const created = await t.api("POST", "/api/v1/policies", {
      body: { policies: LEARNING_ACTIVE, default_decision: "deny", activate: true },
    });
    expect(created.status).toBe(201);
    const events = learningHistory();
    const res = await t.api("POST", "/api/v1/events/batch", { body: { events } });
    expect(res.body.accepted).toBe(events.length);
  });
  afterAll(() => t.close());

  it("suggests permit for a routinely denied host and forbid for a rare one; never what a forbid denies", async () => {
    const res = await t.api("GET", "/api/v1/policies/suggestions");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const list = res.body.suggestions as {
      id: string;
      kind: string;
      policy: string;
      reason: string;
      evidence: { count: number; agents: number };
      impact: { changed: number; allow_to_deny: number; deny_to_allow: number; replayed: number };
    }[];
    expect(list.map((s) => [s.kind, s.evidence.count, s.evidence.agents])).toEqual([
      ["deny", 1, 1],
      ["allow", 6, 3],
    ]);
    const [deny, allow] = list as [(typeof list)[0], (typeof list)[0]];
    expect(deny.policy).toContain('resource.hostname == "new.example"');
    expect(allow.policy).toContain('permit (principal, action == Action::"api_call", resource)');
    expect(allow.reason).toContain("registry.example");
    expect(JSON.stringify(list)).not.toContain("evil.example");
    // The impact equals the server's own replay of the active set plus the rule.
    for (const s of list) {
      const replay = await t.api("POST", "/api/v1/policies/replay", {
        body: { policies: `${LEARNING_ACTIVE}\n${s.policy}`, default_decision: "deny" },
      });
      expect(replay.status).toBe(200);
      expect(s.impact).toMatchObject({
        replayed: replay.body.evaluated,
        changed: replay.body.changed,
        allow_to_deny: replay.body.allow_to_deny,
        deny_to_allow: replay.body.deny_to_allow,
      });
    }
    expect(allow.impact.deny_to_allow).toBe(6);
    // Examples: three distinct events of what the rule is about, each with its change.
    const ex = (
      allow as unknown as {
        impact: { examples: { event_id: string; name: string; from: string; to: string }[] };
      }
    ).impact.examples;
    expect(new Set(ex.map((e) => e.event_id)).size).toBe(3);
    for (const e of ex) {
      expect(e.name).toMatch(/^GET https:\/\/registry\.example\/pkg\/\d$/);
      expect([e.from, e.to]).toEqual(["deny", "allow"]);
    }
    expect(deny.impact.allow_to_deny).toBe(1);
    // Thresholds are options.
    const strict = await t.api("GET", "/api/v1/policies/suggestions?min_agents=4");
    expect(strict.body.suggestions.map((s: { kind: string }) => s.kind)).toEqual(["deny"]);
  });

  it("approving stores and activates a new version authored by the approving key; unknown ids are 404", async () => {
    const list = (await t.api("GET", "/api/v1/policies/suggestions")).body.suggestions;
    const allow = list.find((s: { kind: string }) => s.kind === "allow");
    const res = await t.api("POST", `/api/v1/policies/suggestions/${allow.id}/approve`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.version.author_key_id).toBeTruthy();
    const bundle = await t.api("GET", "/api/v1/policies/bundle");
    expect(bundle.body.version).toBe(res.body.version.id);
    expect(bundle.body.policies).toContain(allow.policy);
    const versions = await t.api("GET", "/api/v1/policies");
    expect(versions.body.versions[0]).toMatchObject({
      active: true,
      author_key_id: res.body.version.author_key_id,
      description: expect.stringContaining(`approved suggestion ${allow.id}`),
    });
    const again = await t.api("GET", "/api/v1/policies/suggestions");
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const after = again.body.suggestions;
    expect(after.map((s: { id: string }) => s.id)).not.toContain(allow.id);
    const unknown = await t.api("POST", "/api/v1/policies/suggestions/S-000000000000/approve");
    expect(unknown.status).toBe(404);
  });

  it("learns from tool calls too: permit for a routinely denied tool, forbid for a seldom used one", async () => {
    // A project of its own, whose active set permits "search" and "shell" and denies the rest.
    const key = await newProjectKey(t, "tools");
    const active = `@id("tools")
permit (principal, action == Action::"tool_call", resource)
when { resource == Tool::"search" || resource == Tool::"shell" };
`;
    const created = await t.api("POST", "/api/v1/policies", {
      key,
      body: { policies: active, default_decision: "deny", activate: true },
    });
    expect(created.status).toBe(201);
    const tool = (name: string, decision: "allow" | "deny", agent: string) =>
      sdkEvent({
        type: "tool_call",
        name,
        payload: { tool: name, input: { q: "x" } },
        metadata: { decision },
        agent_id: agent,
      });
    const events = [];
    for (let i = 0; i < 5; i++) {
      events.push(tool("read_docs", "deny", `bot-${i % 2}`));
      events.push(tool("search", "allow", `bot-${i % 2}`));
    }
    events.push(tool("shell", "allow", "bot-0"));
    // Replayed (the impact counts it, as replay does) but nothing to learn from: no host or tool.
    // Recorded denied, as the active set decides it (replay compares with the recorded decision).
    events.push(
      sdkEvent({
        type: "llm_invoke",
        name: "m-1",
        payload: { model: "m-1" },
        metadata: { decision: "deny" },
      }),
    );
    expect((await t.api("POST", "/api/v1/events/batch", { key, body: { events } })).body.accepted).toBe(12);

    const res = await t.api("GET", "/api/v1/policies/suggestions", { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const list = res.body.suggestions;
    expect(
      list.map((s: { kind: string; action: string; evidence: { count: number } }) => [
        s.kind,
        s.action,
        s.evidence.count,
      ]),
    ).toEqual([
      ["allow", "tool_call", 5],
      ["deny", "tool_call", 1],
    ]);
    expect(list[0].policy).toContain(
      'permit (principal, action == Action::"tool_call", resource == Tool::"read_docs");',
    );
    expect(list[1].policy).toContain(
      'forbid (principal, action == Action::"tool_call", resource == Tool::"shell");',
    );
    expect(list[1].reason).toContain("shell");
    for (const s of list) {
      const replay = await t.api("POST", "/api/v1/policies/replay", {
        key,
        body: { policies: `${active}\n${s.policy}`, default_decision: "deny" },
      });
      expect(s.impact).toMatchObject({
        replayed: replay.body.evaluated,
        changed: replay.body.changed,
        allow_to_deny: replay.body.allow_to_deny,
        deny_to_allow: replay.body.deny_to_allow,
      });
    }
    expect(list[0].impact.replayed).toBe(12);
    expect(list[0].impact.deny_to_allow).toBe(5);
    expect(list[1].impact.allow_to_deny).toBe(1);
    // Approved, the forbid is part of the active set SDKs fetch.
    const ok = await t.api("POST", `/api/v1/policies/suggestions/${list[1].id}/approve`, { key });
    expect(ok.status).toBe(201);
    const bundle = await t.api("GET", "/api/v1/policies/bundle", { key });
    expect(bundle.body.policies).toContain(list[1].policy);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "./backends.js";
import { apiCallEvent, newProjectKey, sdkEvent, startTestServer, type TestServer } from "./helpers.js";

/**
 * Project A's keys can neither read nor write nor learn of the existence of project B's agents,
 * events, policies or keys: every foreign id is answered exactly as an id that does not exist.
 */
describe.each(BACKENDS)("tenancy ($name)", (backend) => {
  let t: TestServer;
  let cleanup: () => Promise<void>;
  let aAdmin: string;
  let aIngest: string;
  let bAdmin: string;
  const b = { agentId: "", agentName: "b-secret-agent", eventId: "", policyId: "", keyId: "" };
  const MISSING = {
    agent: "agt_ffffffffffffffff",
    event: "00000000-0000-4000-8000-000000000000",
    policy: "pol_ffffffffffffffff",
    key: "key_ffffffffffffffff",
  };

  beforeAll(async () => {
    const s = await backend.setup();
    cleanup = s.cleanup;
    t = await startTestServer(s.overrides);
    aAdmin = await newProjectKey(t, "project-a", "admin");
    aIngest = await newProjectKey(t, "project-a", "ingest");
    bAdmin = await newProjectKey(t, "project-b", "admin");
    const reg = await t.api("POST", "/api/v1/agents/register", { key: bAdmin, body: { name: b.agentName } });
    b.agentId = reg.body.agent_id;
    const e = apiCallEvent("https://b.example/x", "allow", { agent_id: b.agentId });
    b.eventId = e.id as string;
    expect(
      (await t.api("POST", "/api/v1/events/batch", { key: bAdmin, body: { events: [e] } })).body.accepted,
    ).toBe(1);
    const pol = await t.api("POST", "/api/v1/policies", {
      key: bAdmin,
      body: {
        policies: 'forbid (principal, action, resource) when { principal == Agent::"b" };',
        activate: true,
      },
    });
    b.policyId = pol.body.id;
    b.keyId = (await t.api("GET", "/api/v1/project", { key: bAdmin })).body.key.id;
  });
  afterAll(async () => {
    await t?.close();
    await cleanup?.();
  });

  /** The foreign request and the request for a missing id get the same status and the same body shape. */
  async function sameAsMissing(method: string, foreign: string, missing: string, body?: unknown) {
    const f = await t.api(method, foreign, { key: aAdmin, ...(body !== undefined ? { body } : {}) });
    const m = await t.api(method, missing, { key: aAdmin, ...(body !== undefined ? { body } : {}) });
    expect(f.status).toBe(m.status);
    expect(f.body?.error?.code).toBe(m.body?.error?.code);
    return f;
  }

  it("cannot read B's agents", async () => {
    const f = await sameAsMissing("GET", `/api/v1/agents/${b.agentId}`, `/api/v1/agents/${MISSING.agent}`);
    expect(f.status).toBe(404);
    expect((await t.api("GET", `/api/v1/agents/${b.agentName}`, { key: aAdmin })).status).toBe(404);
    const list = await t.api("GET", "/api/v1/agents", { key: aAdmin });
    expect(JSON.stringify(list.body)).not.toContain(b.agentId);
    expect(JSON.stringify(list.body)).not.toContain(b.agentName);
  });

  it("cannot read B's events, by id, by agent, in lists or counts", async () => {
    const f = await sameAsMissing("GET", `/api/v1/events/${b.eventId}`, `/api/v1/events/${MISSING.event}`);
    expect(f.status).toBe(404);
    for (const q of [`agent_id=${b.agentId}`, `agent_id=${b.agentName}`, ""]) {
      const list = await t.api("GET", `/api/v1/events?${q}`, { key: aAdmin });
      expect(list.status).toBe(200);
      expect(list.body.events).toEqual([]);
      const sum = await t.api("GET", `/api/v1/events/summary?${q}`, { key: aAdmin });
      expect(sum.body.total).toBe(0);
    }
  });

  it("cannot read, activate or replay B's policies, and gets its own bundle", async () => {
    expect(
      (await sameAsMissing("GET", `/api/v1/policies/${b.policyId}`, `/api/v1/policies/${MISSING.policy}`))
        .status,
    ).toBe(404);
    expect(
      (
        await sameAsMissing(
          "POST",
          `/api/v1/policies/${b.policyId}/activate`,
          `/api/v1/policies/${MISSING.policy}/activate`,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await sameAsMissing("POST", "/api/v1/policies/replay", "/api/v1/policies/replay", {
          version_id: b.policyId,
        })
      ).status,
    ).toBe(404);
    const replayB = await t.api("POST", "/api/v1/policies/replay", {
      key: aAdmin,
      body: { policies: "forbid (principal, action, resource);", agent_id: b.agentId },
    });
    expect(replayB.status).toBe(200);
    expect(replayB.body.events_scanned).toBe(0);
    const replayAll = await t.api("POST", "/api/v1/policies/replay", {
      key: aAdmin,
      body: { policies: "forbid (principal, action, resource);" },
    });
    expect(JSON.stringify(replayAll.body)).not.toContain(b.eventId);
    expect((await t.api("GET", "/api/v1/policies", { key: aAdmin })).body.versions).toEqual([]);
    expect((await t.api("GET", "/api/v1/policies/activations", { key: aAdmin })).body.activations).toEqual(
      [],
    );
    expect((await t.api("GET", "/api/v1/policies/bundle", { key: aIngest })).body.version).toBeNull();
    const decision = await t.api("POST", "/api/v1/cedar/evaluate", {
      key: aIngest,
      body: { principal: 'Agent::"b"', action: 'Action::"decision"', resource: 'Step::"s"' },
    });
    expect(decision.body).toMatchObject({ decision: "allow", version: null });
    expect((await t.api("POST", "/api/v1/policies/rollback", { key: aAdmin })).body.error.code).toBe(
      "no_active_version",
    );
  });

  it("cannot revoke or list B's keys", async () => {
    expect(
      (await sameAsMissing("DELETE", `/api/v1/keys/${b.keyId}`, `/api/v1/keys/${MISSING.key}`)).status,
    ).toBe(404);
    const keys = await t.api("GET", "/api/v1/keys", { key: aAdmin });
    expect(JSON.stringify(keys.body)).not.toContain(b.keyId);
    expect((await t.api("GET", "/api/v1/project", { key: bAdmin })).status).toBe(200);
  });

  it("cannot write into B: events naming B's agent stay in A, heartbeats for B's agent are 404", async () => {
    expect(
      (
        await sameAsMissing(
          "POST",
          `/api/v1/fleet/${b.agentId}/heartbeat`,
          `/api/v1/fleet/${MISSING.agent}/heartbeat`,
          {},
        )
      ).status,
    ).toBe(404);
    // (Before any write below: A's events naming B's id create an agent of that *name* in A.)
    const e = sdkEvent({ agent_id: b.agentId });
    const res = await t.api("POST", "/api/v1/events/batch", { key: aIngest, body: { events: [e] } });
    expect(res.body).toEqual({ accepted: 1, duplicates: 0 });
    const py = await t.api("POST", `/api/v1/agents/${b.agentId}/events`, {
      key: aIngest,
      body: { events: [sdkEvent()] },
    });
    expect(py.status).toBe(200);
    // B's event id stored again in A is A's own event, not a duplicate of B's (which A cannot learn of).
    const dup = await t.api("POST", "/api/v1/events/batch", {
      key: aIngest,
      body: { events: [sdkEvent({ id: b.eventId })] },
    });
    expect(dup.body).toEqual({ accepted: 1, duplicates: 0 });
    // B sees none of it.
    const bEvents = await t.api("GET", "/api/v1/events?limit=100", { key: bAdmin });
    expect(bEvents.body.events.map((x: { id: string }) => x.id)).toEqual([b.eventId]);
    const bAgent = await t.api("GET", `/api/v1/agents/${b.agentId}`, { key: bAdmin });
    expect(bAgent.body.last_heartbeat_at).toBeNull();
    expect((await t.api("GET", "/api/v1/agents", { key: bAdmin })).body.agents).toHaveLength(1);
  });
});

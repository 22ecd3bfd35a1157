import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "./backends.js";
import { sdkEvent, startTestServer, type TestServer } from "./helpers.js";

/** The three SDK dialects and the fleet one land in one schema. */
describe.each(BACKENDS)("SDK dialects ($name)", (backend) => {
  let t: TestServer;
  let cleanup: () => Promise<void>;
  let ingestKey: string;
  beforeAll(async () => {
    const s = await backend.setup();
    cleanup = s.cleanup;
    t = await startTestServer(s.overrides);
    ingestKey = (await t.api("POST", "/api/v1/keys", { body: { role: "ingest", label: "sdk" } })).body.key;
  });
  afterAll(async () => {
    await t?.close();
    await cleanup?.();
  });

  it("TypeScript: register answers agent_id; batches carry agent_id per event; Idempotency-Key replays", async () => {
    const reg = await t.api("POST", "/api/v1/agents/register", {
      key: ingestKey,
      body: { name: "ts-agent", framework: "langchain" },
    });
    expect(reg.status).toBe(200);
    expect(reg.body.agent_id).toMatch(/^agt_/);
    const again = await t.api("POST", "/api/v1/agents/register", {
      key: ingestKey,
      body: { name: "ts-agent" },
    });
    expect(again.body.agent_id).toBe(reg.body.agent_id);
    const events = [sdkEvent({ agent_id: "ts-agent" }), sdkEvent({ agent_id: reg.body.agent_id })];
    const headers = { "idempotency-key": "batch-1" };
    const first = await t.api("POST", "/api/v1/events/batch", {
      key: ingestKey,
      headers,
      body: { events, dropped: 3 },
    });
    expect(first.body).toEqual({ accepted: 2, duplicates: 0 });
    const replay = await t.api("POST", "/api/v1/events/batch", {
      key: ingestKey,
      headers,
      body: { events, dropped: 3 },
    });
    expect(replay.body).toEqual(first.body);
    const agent = await t.api("GET", `/api/v1/agents/${reg.body.agent_id}`);
    expect(agent.body).toMatchObject({ name: "ts-agent", dropped_events: 3 });
    const list = await t.api("GET", `/api/v1/events?agent_id=ts-agent`);
    expect(list.body.events).toHaveLength(2);
  });

  it("Python: register answers agent.id; events go to /agents/{id}/events; 32-hex ids and µs timestamps", async () => {
    const reg = await t.api("POST", "/api/v1/agents/register", {
      key: ingestKey,
      body: { name: "py-agent", framework: "crewai", metadata: { team: "research" } },
    });
    expect(reg.body.agent.id).toBe(reg.body.agent_id);
    expect(reg.body.agent.metadata).toEqual({ team: "research" });
    const hexId = "0123456789ABCDEF0123456789abcdef";
    const micros = 1_763_000_000_123_456;
    const res = await t.api("POST", `/api/v1/agents/${reg.body.agent.id}/events`, {
      key: ingestKey,
      headers: { "idempotency-key": "py-1" },
      body: {
        events: [
          {
            id: hexId,
            type: "llm_invoke",
            name: "gpt-4",
            payload: { model: "gpt-4" },
            metadata: {},
            timestamp: "2025-11-13T02:13:20.123456+00:00",
          },
          sdkEvent({ timestamp: micros }),
        ],
      },
    });
    expect(res.body).toEqual({ accepted: 2, duplicates: 0 });
    const got = await t.api("GET", `/api/v1/events/${hexId.toLowerCase()}`);
    expect(got.body).toMatchObject({ agent_id: reg.body.agent.id, timestamp: "2025-11-13T02:13:20.123456Z" });
    const list = await t.api("GET", `/api/v1/events?agent_id=${reg.body.agent.id}&type=tool_call`);
    expect(list.body.events[0].timestamp).toBe("2025-11-13T02:13:20.123456Z");
  });

  it("Go: POST /v1/agents answers agent_id; POST /v1/events names the agent on the batch; seconds timestamps", async () => {
    const reg = await t.api("POST", "/v1/agents", {
      key: ingestKey,
      body: { name: "go-agent", framework: "custom" },
    });
    expect(reg.body.agent_id).toMatch(/^agt_/);
    const res = await t.api("POST", "/v1/events", {
      key: ingestKey,
      body: { agent_id: reg.body.agent_id, events: [sdkEvent({ timestamp: 1_763_000_000 }), sdkEvent()] },
    });
    expect(res.body).toEqual({ accepted: 2, duplicates: 0 });
    const none = await t.api("POST", "/v1/events", {
      key: ingestKey,
      body: { agent_id: "", events: [sdkEvent()] },
    });
    expect(none.body.accepted).toBe(1);
    const list = await t.api("GET", `/api/v1/events?agent_id=${reg.body.agent_id}`);
    expect(list.body.events.map((e: { timestamp: string }) => e.timestamp)).toContain(
      "2025-11-13T02:13:20.000000Z",
    );
  });

  it("fleet: register answers {data: {id}}; heartbeats record liveness and details; unknown ids are 404", async () => {
    const reg = await t.api("POST", "/api/v1/fleet/register", {
      key: ingestKey,
      body: {
        name: "fleet-agent",
        discovery_method: "sdk",
        sdk_version: "1.0.0",
        hostname: "host-1",
        environment: "prod",
        process_info: { pid: 42 },
        network_info: { hostname: "host-1" },
      },
    });
    expect(reg.status).toBe(200);
    const id = reg.body.data.id;
    expect(id).toMatch(/^agt_/);
    const hb = await t.api("POST", `/api/v1/fleet/${id}/heartbeat`, {
      key: ingestKey,
      body: { process_info: { pid: 43 }, network_info: { ip: "10.0.0.2" } },
    });
    expect(hb.status).toBe(200);
    const bare = await t.api("POST", `/api/v1/fleet/${id}/heartbeat`, { key: ingestKey });
    expect(bare.status).toBe(200);
    const agent = await t.api("GET", `/api/v1/agents/${id}`);
    expect(agent.body.last_heartbeat_at).not.toBeNull();
    expect(agent.body.metadata).toMatchObject({
      hostname: "host-1",
      environment: "prod",
      process_info: { pid: 43 },
    });
    expect(
      (await t.api("POST", "/api/v1/fleet/agt_0000000000000000/heartbeat", { key: ingestKey, body: {} }))
        .status,
    ).toBe(404);
  });

  it("answers an ingest key 403 on admin reads, and no key or a bad key 401", async () => {
    const forbidden = await t.api("GET", "/api/v1/events", { key: ingestKey });
    expect(forbidden.status).toBe(403);
    for (const key of [null, "tsk_notarealkeynotarealkeynotarealkey", "garbage"]) {
      const res = await t.api("POST", "/v1/events", { key, body: { events: [] } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
    }
  });

  it("revoking a key by API stops it at once in this process", async () => {
    const made = await t.api("POST", "/api/v1/keys", { body: { role: "ingest", label: "short-lived" } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ role: "ingest", label: "short-lived", revoked_at: null });
    expect(made.body.key).toMatch(/^tsk_/);
    expect((await t.api("GET", "/api/v1/policies/bundle", { key: made.body.key })).status).toBe(200);
    const listed = await t.api("GET", "/api/v1/keys");
    expect(JSON.stringify(listed.body)).not.toContain(made.body.key);
    expect((await t.api("DELETE", `/api/v1/keys/${made.body.id}`)).body).toEqual({ revoked: made.body.id });
    expect((await t.api("GET", "/api/v1/policies/bundle", { key: made.body.key })).status).toBe(401);
    expect((await t.api("DELETE", `/api/v1/keys/${made.body.id}`)).status).toBe(404);
  });
});

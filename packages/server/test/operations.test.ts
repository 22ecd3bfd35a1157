import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkEvent, startTestServer, type TestServer } from "./helpers.js";

describe("operations", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it("answers /healthz and /readyz without a key", async () => {
    expect((await t.api("GET", "/healthz", { key: null })).body).toEqual({ status: "ok" });
    expect((await t.api("GET", "/readyz", { key: null })).body).toEqual({ status: "ready", store: "sqlite" });
  });

  it("counts accepted, duplicate and rejected events and request latency in /metrics", async () => {
    const e = sdkEvent();
    await t.api("POST", "/api/v1/events/batch", { body: { events: [e, sdkEvent()] } });
    await t.api("POST", "/api/v1/events/batch", { body: { events: [e] } });
    await t.api("POST", "/api/v1/events/batch", {
      body: { events: [sdkEvent(), { id: "bad" }, sdkEvent()] },
    });
    const res = await fetch(`${t.url}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^trusera_events_accepted_total 2$/m);
    expect(text).toMatch(/^trusera_events_duplicates_total 1$/m);
    expect(text).toMatch(/^trusera_events_rejected_total 3$/m);
    expect(text).toContain("# TYPE trusera_http_request_duration_seconds histogram");
    expect(text).toMatch(
      /^trusera_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/events\/batch",status_code="200"\} 2$/m,
    );
    expect(text).toMatch(/trusera_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"\} \d+/);
  });

  it("publishes an OpenAPI document built from the route schemas", async () => {
    const doc = (await t.api("GET", "/api/openapi.json", { key: null })).body;
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      "/api/v1/events/batch",
      "/api/v1/agents/{agent_id}/events",
      "/v1/events",
      "/v1/agents",
      "/api/v1/fleet/register",
      "/api/v1/fleet/{id}/heartbeat",
      "/api/v1/policies",
      "/api/v1/policies/bundle",
      "/api/v1/policies/cedar",
      "/api/v1/policies/replay",
      "/api/v1/cedar/evaluate",
      "/api/v1/keys",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const batch = doc.paths["/api/v1/events/batch"].post;
    expect(batch.requestBody.content["application/json"].schema.required).toEqual(["events"]);
    expect(doc.paths["/api/v1/policies/{id}/activate"].post.parameters[0]).toMatchObject({
      name: "id",
      in: "path",
    });
  });

  it("answers /readyz 503 while shutting down", async () => {
    t.server.ctx.lifecycle.closing = true;
    try {
      const res = await t.api("GET", "/readyz", { key: null });
      expect(res.status).toBe(503);
      expect(res.body.status).toBe("shutting_down");
    } finally {
      t.server.ctx.lifecycle.closing = false;
    }
  });

  it("purges events past retention", async () => {
    const s = await startTestServer({ retentionDays: 30 });
    try {
      const old = sdkEvent({ timestamp: new Date(Date.now() - 40 * 86_400_000).toISOString() });
      const recent = sdkEvent();
      await s.api("POST", "/api/v1/events/batch", { body: { events: [old, recent] } });
      const result = await s.server.purger.run();
      expect(result.events).toBe(1);
      const left = await s.api("GET", "/api/v1/events");
      expect(left.body.events.map((e: { id: string }) => e.id)).toEqual([recent.id]);
      expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(
        /^trusera_retention_purged_events_total 1$/m,
      );
    } finally {
      await s.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.js";

/**
 * The published TypeScript SDK 1.1.2 (github.com/Trusera/trusera-sdk-js; not on the npm registry, so
 * its exact wire shapes are reproduced here): `createEvent` + the client's enrichment put the agent in
 * `metadata.agent_id` only; its interceptor's `policyUrl` posts `{principal, action: "http.<method>",
 * resource: <url>, context: {headers, body_present, timestamp}}` and compares `decision === "Deny"`.
 */
const createEvent = (type: string, name: string, payload = {}, metadata = {}) => ({
  id: crypto.randomUUID(),
  type,
  name,
  payload: { ...payload },
  metadata: { ...metadata },
  timestamp: new Date().toISOString(),
});

describe("published TypeScript SDK 1.1.2 wire shapes", () => {
  let t: TestServer;
  let key: string;
  beforeAll(async () => {
    t = await startTestServer();
    key = (await t.api("POST", "/api/v1/keys", { body: { role: "ingest" } })).body.key;
    await t.api("POST", "/api/v1/policies", {
      body: {
        activate: true,
        policies: `@id("no-evil") forbid (principal, action == Action::"api_call", resource) when { resource.hostname == "evil.example" };
@id("no-bot-posts") forbid (principal == Agent::"ts-v1-agent", action == Action::"api_call", resource) when { context.method == "POST" };`,
      },
    });
  });
  afterAll(() => t?.close());

  it("attributes events whose agent is only in metadata.agent_id to that agent", async () => {
    const reg = await t.api("POST", "/api/v1/agents/register", {
      key,
      body: { name: "ts-v1-agent", framework: "langchain" },
    });
    const agentId = reg.body.agent_id as string;
    const events = Array.from({ length: 11 }, (_, i) =>
      createEvent("api_call", `http.get.api_github_com.repos_${i}`, { method: "GET" }, { agent_id: agentId }),
    );
    const sent = await t.api("POST", "/api/v1/events/batch", { key, body: { events } });
    expect(sent.body).toEqual({ accepted: 11, duplicates: 0 });
    const found = await t.api("GET", `/api/v1/events?agent_id=${agentId}&limit=50`);
    expect(found.body.events).toHaveLength(11);
    expect((await t.api("GET", `/api/v1/agents/${agentId}`)).body.last_seen_at).toBeTruthy();
    // Its interceptor's violation event: decided deny.
    const violation = createEvent(
      "api_call",
      "http.get.evil_example.x.policy_violation",
      { method: "GET", url: "https://evil.example/x", policy_decision: "Deny", policy_reasons: ["no-evil"] },
      { agent_id: agentId },
    );
    await t.api("POST", "/api/v1/events/batch", { key, body: { events: [violation] } });
    const denied = await t.api("GET", `/api/v1/events?agent_id=${agentId}&decision=deny`);
    expect(denied.body.events.map((e: { id: string }) => e.id)).toEqual([violation.id]);
    // An agent_id of the event itself still wins over its metadata.
    const own = createEvent("tool_call", "x", {}, { agent_id: agentId });
    await t.api("POST", "/api/v1/events/batch", { key, body: { events: [{ ...own, agent_id: "other" }] } });
    expect((await t.api("GET", `/api/v1/events/${own.id}`)).body.agent_id).not.toBe(agentId);
  });

  it("decides its evaluate body and answers in its casing, by the agent's id or name", async () => {
    const agentId = (await t.api("POST", "/api/v1/agents/register", { key, body: { name: "ts-v1-agent" } }))
      .body.agent_id;
    const ask = (principal: string, method: string, url: string) =>
      t.api("POST", "/api/v1/cedar/evaluate", {
        key,
        body: {
          principal,
          action: `http.${method.toLowerCase()}`,
          resource: url,
          context: {
            headers: { "content-type": "application/json", authorization: "Bearer sk-x" },
            body_present: method !== "GET",
            timestamp: new Date().toISOString(),
          },
        },
      });
    const denied = await ask(agentId, "GET", "https://evil.example/x");
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({ decision: "Deny", reasons: ["no-evil"] });
    expect((await ask(agentId, "GET", "https://api.github.com/repos")).body.decision).toBe("Allow");
    // The agent's id is its name to policies (Agent::"ts-v1-agent"), as in every other dialect.
    expect((await ask(agentId, "POST", "https://api.github.com/repos")).body).toMatchObject({
      decision: "Deny",
      reasons: ["no-bot-posts"],
    });
    expect((await ask("unknown-agent", "POST", "https://api.github.com/repos")).body.decision).toBe("Allow");
    expect((await ask(agentId, "GET", "not a url")).status).toBe(400);
    // Our own body keeps its answer.
    const ours = await t.api("POST", "/api/v1/cedar/evaluate", {
      key,
      body: {
        principal: "bot",
        action: "api_call",
        resource: 'Host::"evil.example"',
        context: { url: "https://evil.example/x" },
      },
    });
    expect(ours.body.decision).toBe("deny");
    // 1.1.2 sends no API key with it: the server does not decide for anonymous callers.
    expect((await t.api("POST", "/api/v1/cedar/evaluate", { key: null, body: {} })).status).toBe(401);
  });
});

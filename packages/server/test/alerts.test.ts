import { WebhookReceiver, waitFor } from "@trusera/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AlertEngine } from "../src/alerts/alert-engine.js";
import { DeliveryDispatcher } from "../src/alerts/dispatcher.js";
import { verifyWebhookSignature } from "../src/index.js";
import { EventBus } from "../src/live/event-bus.js";
import { BACKENDS } from "./backends.js";
import { apiCallEvent, sdkEvent, startTestServer, type TestServer } from "./helpers.js";

const FAST = { tickMs: 50, retryBaseMs: 40, maxAttempts: 4, requestTimeoutMs: 2000 };

for (const backend of BACKENDS) {
  describe(`alerts (${backend.name})`, () => {
    let t: TestServer;
    let cleanup: () => Promise<void>;
    let hook: WebhookReceiver;
    let slack: WebhookReceiver;

    beforeAll(async () => {
      const b = await backend.setup();
      cleanup = b.cleanup;
      t = await startTestServer({ ...b.overrides, alerts: FAST });
      hook = await new WebhookReceiver().listen();
      slack = await new WebhookReceiver().listen();
    });
    afterAll(async () => {
      await t?.close();
      await hook?.close();
      await slack?.close();
      await cleanup?.();
    });
    afterEach(async () => {
      for (const r of (await t.api("GET", "/api/v1/alerts/rules")).body.rules)
        await t.api("DELETE", `/api/v1/alerts/rules/${r.id}`);
      hook.requests.length = 0;
      slack.requests.length = 0;
    });

    const send = (events: unknown[]) => t.api("POST", "/api/v1/events/batch", { body: { events } });
    const rule = async (body: Record<string, unknown>) => {
      const res = await t.api("POST", "/api/v1/alerts/rules", { body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    };

    it("delivers a violation to a webhook with a valid HMAC signature and to Slack, once per cooldown", async () => {
      const r = await rule({
        name: "blocked calls",
        kind: "violation",
        channels: [
          { type: "webhook", url: `${hook.url}/hook` },
          { type: "slack", url: `${slack.url}/slack` },
        ],
      });
      const secret = r.channels[0].secret as string;
      expect(secret).toMatch(/^whsec_/);
      await send([
        apiCallEvent("https://evil.example/x", "deny", {
          agent_id: "bot-1",
          metadata: { decision: "deny", policy_ids: ["no-evil"] },
        }),
        sdkEvent({ agent_id: "bot-1" }),
      ]);
      await waitFor(() => hook.requests.length === 1 && slack.requests.length === 1, { what: "deliveries" });
      const req = hook.requests[0]!;
      expect(req.headers["content-type"]).toBe("application/json");
      expect(
        verifyWebhookSignature(
          secret,
          {
            timestamp: req.headers["x-trusera-timestamp"] as string,
            signature: req.headers["x-trusera-signature"] as string,
          },
          req.body,
        ),
      ).toBe(true);
      expect(
        verifyWebhookSignature(
          "whsec_wrong",
          {
            timestamp: req.headers["x-trusera-timestamp"] as string,
            signature: req.headers["x-trusera-signature"] as string,
          },
          req.body,
        ),
      ).toBe(false);
      const alert = JSON.parse(req.body);
      expect(alert).toMatchObject({
        type: "alert",
        rule: { id: r.id, name: "blocked calls", kind: "violation" },
        details: { agent_name: "bot-1", event: { decision: "deny", policy_ids: ["no-evil"] } },
      });
      expect(alert.summary).toContain("no-evil");
      expect(req.headers["x-trusera-delivery"]).toMatch(/^dlv_/);
      expect(JSON.parse(slack.requests[0]!.body).text).toContain("blocked calls");

      // Within the cooldown, the same agent's next violation fires nothing; another agent's does.
      await send([apiCallEvent("https://evil.example/y", "deny", { agent_id: "bot-1" })]);
      await send([
        apiCallEvent("https://evil.example/z", "deny", { agent_id: "bot-2", metadata: { decision: "warn" } }),
      ]);
      await waitFor(() => hook.requests.length === 2, { what: "second agent's alert" });
      expect(JSON.parse(hook.requests[1]!.body).details.agent_name).toBe("bot-2");
      const list = (await t.api("GET", `/api/v1/alerts?rule_id=${r.id}`)).body.alerts;
      expect(list).toHaveLength(2);
      await waitFor(async () => {
        const l = (await t.api("GET", `/api/v1/alerts?rule_id=${r.id}`)).body.alerts;
        return l.every((a: any) => a.deliveries.every((d: any) => d.status === "delivered"));
      });
    });

    it("retries a receiver that fails twice, with backoff, and logs every attempt", async () => {
      hook.failNext(503, 500);
      const r = await rule({
        name: "flaky",
        kind: "match",
        type: "tool_call",
        name_pattern: "rm*",
        channels: [{ type: "webhook", url: `${hook.url}/flaky` }],
      });
      await send([sdkEvent({ agent_id: "bot-3", name: "search" })]);
      await send([sdkEvent({ agent_id: "bot-3", name: "rm -rf /tmp/x" })]);
      await waitFor(() => hook.requests.length === 3, { what: "three attempts" });
      expect(hook.requests.map((q) => q.status)).toEqual([503, 500, 200]);
      // The same delivery each time: one id for the receiver to deduplicate by.
      expect(new Set(hook.requests.map((q) => q.headers["x-trusera-delivery"])).size).toBe(1);
      const d = await waitFor(async () => {
        const [a] = (await t.api("GET", `/api/v1/alerts?rule_id=${r.id}`)).body.alerts;
        return a?.deliveries[0].status === "delivered" ? a.deliveries[0] : null;
      });
      expect(d).toMatchObject({ attempts: 3, last_status_code: 200, last_error: null });
    });

    it("marks a delivery failed after its last attempt, and at once on a 4xx that will not change", async () => {
      hook.failNext(500, 500, 500, 500);
      await rule({
        name: "down",
        kind: "violation",
        channels: [{ type: "webhook", url: `${hook.url}/down` }],
      });
      await send([apiCallEvent("https://a.example/", "deny", { agent_id: "bot-4" })]);
      const failed = await waitFor(async () => {
        const [a] = (await t.api("GET", "/api/v1/alerts?limit=1")).body.alerts;
        return a?.deliveries[0].status === "failed" ? a.deliveries[0] : null;
      });
      expect(failed).toMatchObject({ attempts: 4, last_status_code: 500, last_error: "HTTP 500" });

      hook.failNext(410);
      await t.api(
        "DELETE",
        `/api/v1/alerts/rules/${(await t.api("GET", "/api/v1/alerts/rules")).body.rules[0].id}`,
      );
      const g = await rule({
        name: "gone",
        kind: "violation",
        channels: [{ type: "webhook", url: `${hook.url}/gone` }],
      });
      await send([apiCallEvent("https://a.example/", "deny", { agent_id: "bot-5" })]);
      const gone = await waitFor(async () => {
        const [a] = (await t.api("GET", `/api/v1/alerts?rule_id=${g.id}`)).body.alerts;
        return a?.deliveries[0].status === "failed" ? a.deliveries[0] : null;
      });
      expect(gone).toMatchObject({ attempts: 1, last_status_code: 410 });
    });

    it("fires a rate rule when a type exceeds its threshold within the window", async () => {
      // Other tests sent api_calls within the minute too: count only this agent's.
      await t.api("POST", "/api/v1/agents/register", { body: { name: "bot-6" } });
      await rule({
        name: "too many calls",
        kind: "rate",
        agent_id: "bot-6",
        type: "api_call",
        threshold: 4,
        window_seconds: 60,
        channels: [{ type: "webhook", url: `${hook.url}/rate` }],
      });
      await send([1, 2, 3].map(() => apiCallEvent("https://ok.example/", "allow", { agent_id: "bot-6" })));
      await send([sdkEvent({ agent_id: "bot-6" })]);
      await new Promise((r) => setTimeout(r, 300));
      expect(hook.requests).toHaveLength(0);
      await send([1, 2].map(() => apiCallEvent("https://ok.example/", "allow", { agent_id: "bot-6" })));
      await waitFor(() => hook.requests.length === 1, { what: "rate alert" });
      expect(JSON.parse(hook.requests[0]!.body).details).toMatchObject({ type: "api_call", threshold: 4 });
      expect(JSON.parse(hook.requests[0]!.body).details.count).toBeGreaterThan(4);
    });

    it("refuses rules that do not fit their kind, and hides rules of other projects", async () => {
      const bad = [
        {
          name: "x",
          kind: "rate",
          type: "api_call",
          channels: [{ type: "slack", url: "http://127.0.0.1:9/x" }],
        },
        { name: "x", kind: "silent", channels: [{ type: "slack", url: "http://127.0.0.1:9/x" }] },
        { name: "x", kind: "match", channels: [{ type: "slack", url: "http://127.0.0.1:9/x" }] },
        {
          name: "x",
          kind: "violation",
          threshold: 3,
          channels: [{ type: "slack", url: "http://127.0.0.1:9/x" }],
        },
        { name: "x", kind: "violation", channels: [] },
        { name: "x", kind: "violation", channels: [{ type: "webhook", url: "ftp://x/y" }] },
        {
          name: "x",
          kind: "violation",
          agent_id: "nobody",
          channels: [{ type: "slack", url: "http://127.0.0.1:9/x" }],
        },
      ];
      for (const body of bad) {
        const res = await t.api("POST", "/api/v1/alerts/rules", { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe("invalid_request");
      }
      const r = await rule({
        name: "mine",
        kind: "violation",
        channels: [{ type: "slack", url: `${slack.url}/s` }],
      });
      const { newProjectKey } = await import("./helpers.js");
      const other = await newProjectKey(t, `other-${backend.name}`);
      expect((await t.api("GET", `/api/v1/alerts/rules/${r.id}`, { key: other })).status).toBe(404);
      expect((await t.api("DELETE", `/api/v1/alerts/rules/${r.id}`, { key: other })).status).toBe(404);
      expect((await t.api("GET", "/api/v1/alerts/rules", { key: other })).body.rules).toEqual([]);
      expect((await t.api("GET", "/api/v1/alerts", { key: other })).body.alerts).toEqual([]);
      // Editing keeps a webhook's secret unless a new one is sent.
      const w = await rule({
        name: "w",
        kind: "violation",
        channels: [{ type: "webhook", url: `${hook.url}/w` }],
      });
      const edited = await t.api("PUT", `/api/v1/alerts/rules/${w.id}`, {
        body: {
          name: "w2",
          kind: "violation",
          enabled: false,
          channels: [{ type: "webhook", url: `${hook.url}/w` }],
        },
      });
      expect(edited.body).toMatchObject({
        name: "w2",
        enabled: false,
        channels: [{ secret: w.channels[0].secret }],
      });
    });

    it("fires a silent rule once per silence of an agent", async () => {
      const reg = await t.api("POST", "/api/v1/agents/register", { body: { name: `quiet-${backend.name}` } });
      await t.api("POST", "/api/v1/alerts/rules", {
        body: {
          name: "quiet",
          kind: "silent",
          agent_id: reg.body.agent_id,
          silent_minutes: 5,
          channels: [{ type: "webhook", url: `${hook.url}/silent` }],
        },
      });
      // An engine of its own with a clock 10 minutes ahead, over the same store and a real dispatcher.
      let now = Date.now() + 10 * 60_000;
      const dispatcher = new DeliveryDispatcher(t.server.store, { ...FAST, tickMs: 60_000 });
      const engine = new AlertEngine(t.server.store, new EventBus(), dispatcher, 60_000, () => now);
      dispatcher.start(t.server.app.log);
      engine.start(t.server.app.log);
      try {
        await engine.checkSilent();
        await engine.checkSilent();
        await waitFor(() => hook.requests.length === 1, { what: "silent alert" });
        expect(JSON.parse(hook.requests[0]!.body).details).toMatchObject({
          agent_id: reg.body.agent_id,
          silent_minutes: 5,
        });
        now += 60 * 60_000;
        await engine.checkSilent();
        await new Promise((r) => setTimeout(r, 200));
        // Still the same silence, within the cooldown: not again.
        expect(hook.requests).toHaveLength(1);
      } finally {
        await engine.stop();
        await dispatcher.stop();
      }
    });
  });
}

import { tempDir, WebhookReceiver, waitFor } from "@trusera/testing";
import { describe, expect, it } from "vitest";
import { BACKENDS } from "./backends.js";
import { apiCallEvent, startTestServer } from "./helpers.js";

const ALERTS = { tickMs: 50, retryBaseMs: 300, maxAttempts: 5, requestTimeoutMs: 2000 };

for (const backend of BACKENDS) {
  describe(`alert state across a restart (${backend.name})`, () => {
    it("keeps cooldowns and pending deliveries: a new process sends the retry and fires nothing twice", async () => {
      const b = await backend.setup();
      const dir = tempDir("trusera-restart-");
      const hook = await new WebhookReceiver().listen();
      try {
        const first = await startTestServer({ ...b.overrides, dataDir: dir.path, alerts: ALERTS });
        const key = first.adminKey;
        const made = await first.api("POST", "/api/v1/alerts/rules", {
          body: {
            name: "blocked",
            kind: "violation",
            cooldown_seconds: 3600,
            channels: [{ type: "webhook", url: `${hook.url}/h` }],
          },
        });
        expect(made.status).toBe(201);
        hook.failNext(503);
        await first.api("POST", "/api/v1/events/batch", {
          body: { events: [apiCallEvent("https://x.example/", "deny", { agent_id: "bot" })] },
        });
        await waitFor(() => hook.requests.length === 1, { what: "first attempt" });
        await first.server.close();

        const second = await startTestServer({ ...b.overrides, dataDir: dir.path, alerts: ALERTS });
        try {
          await waitFor(() => hook.requests.length === 2, { what: "the retry, by the new process" });
          expect(hook.requests.map((r) => r.status)).toEqual([503, 200]);
          expect(hook.requests[1]!.body).toBe(hook.requests[0]!.body);
          await second.api("POST", "/api/v1/events/batch", {
            key,
            body: { events: [apiCallEvent("https://x.example/", "deny", { agent_id: "bot" })] },
          });
          await new Promise((r) => setTimeout(r, 400));
          expect(hook.requests).toHaveLength(2);
          const alerts = (await second.api("GET", "/api/v1/alerts", { key })).body.alerts;
          expect(alerts).toHaveLength(1);
          expect(alerts[0].deliveries[0]).toMatchObject({ status: "delivered", attempts: 2 });
        } finally {
          await second.server.close();
        }
      } finally {
        await hook.close();
        dir.remove();
        await b.cleanup();
      }
    });
  });
}

import { type ServerProcess, startServerProcess } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Logger, PolicyViolationError, TruseraClient, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";

// End to end with a real trusera-server process: the interceptor enforces the project's active policy
// from GET /api/v1/policies/bundle, follows activations, and the events it records replay on the
// server (POST /api/v1/policies/replay) to the decisions that were made.

const quiet: Logger = { debug() {}, warn() {} };
const NO_EVIL = `@id("no-evil") forbid (principal, action == Action::"api_call", resource) when { context.path like "/evil*" };`;
const NO_BAD = `@id("no-bad") forbid (principal == Agent::"e2e-agent", action == Action::"api_call", resource) when { context.path like "/bad*" };`;

let server: ServerProcess;
let app: Loopback;

beforeAll(async () => {
  server = await startServerProcess();
  app = await startLoopback();
});

afterAll(async () => {
  await app?.close();
  await server?.dispose();
});

const get = (path: string) => fetch(`${app.url}${path}`).then((r) => r.status);

describe("policies from a real trusera-server", () => {
  it("enforces the active bundle, follows an activation, and its events replay to the same decisions", async () => {
    const v1 = await server.api("POST", "/api/v1/policies", { policies: NO_EVIL, activate: true });
    expect(v1.status).toBe(201);
    const client = new TruseraClient({ apiKey: server.apiKey, baseUrl: server.url, logger: quiet });
    expect(await client.registerAgent("e2e-agent")).toMatch(/^agt_/);
    const interceptor = new TruseraInterceptor();
    // The test's own calls to the server API go through fetch too: leave them alone.
    interceptor.install(client, {
      enforcement: "block",
      policyUrl: "/api/v1/policies/bundle",
      excludePatterns: [`^${server.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`],
    });
    try {
      await interceptor.ready();
      expect(interceptor.status.policy).toMatchObject({
        source: "bundle",
        state: "active",
        version: v1.body.id,
      });
      await expect(get("/evil-1")).rejects.toBeInstanceOf(PolicyViolationError);
      expect(await get("/fine-1")).toBe(200);
      expect(await get("/bad-1")).toBe(200);

      const v2 = await server.api("POST", "/api/v1/policies", { policies: NO_BAD, activate: true });
      expect(v2.status).toBe(201);
      await interceptor.refreshPolicy();
      expect(interceptor.status.policy.version).toBe(v2.body.id);
      // The principal is the agent's name, as the server names it: Agent::"e2e-agent".
      await expect(get("/bad-2")).rejects.toBeInstanceOf(PolicyViolationError);
      expect(await get("/evil-2")).toBe(200);
      expect(app.paths().filter((p) => p === "/evil-1" || p === "/bad-2")).toEqual([]);

      await client.flush();
      expect(client.stats).toMatchObject({ sent: 7, rejected: 0 }); // 5 api_call + 2 policy_violation

      // Replaying with v1: the calls made under v1 decide the same; under v2, /bad-2 flips to allow
      // and /evil-2 to deny.
      const r1 = await server.api("POST", "/api/v1/policies/replay", {
        version_id: v1.body.id,
        agent_id: "e2e-agent",
      });
      expect(r1.status).toBe(200);
      expect(r1.body).toMatchObject({
        evaluated: 5,
        skipped: 2,
        unchanged: 3,
        allow_to_deny: 1,
        deny_to_allow: 1,
      });
      expect(r1.body.examples.allow_to_deny[0].name).toMatch(/\/evil-2$/);
      expect(r1.body.examples.deny_to_allow[0].name).toMatch(/\/bad-2$/);
      const r2 = await server.api("POST", "/api/v1/policies/replay", {
        version_id: v2.body.id,
        agent_id: "e2e-agent",
      });
      expect(r2.body).toMatchObject({ evaluated: 5, unchanged: 3, allow_to_deny: 1, deny_to_allow: 1 });
      expect(r2.body.examples.allow_to_deny[0].name).toMatch(/\/bad-1$/);
      expect(r2.body.examples.deny_to_allow[0].name).toMatch(/\/evil-1$/);
    } finally {
      interceptor.uninstall();
      await client.close();
    }
  });
});

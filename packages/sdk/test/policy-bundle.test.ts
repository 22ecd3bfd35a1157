import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { waitFor } from "@trusera/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, PolicyViolationError, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// The SDK side of the policy bundle (GET {policyUrl}, If-None-Match, ETag/304), against a small real
// HTTP server that serves the wire format the platform serves.

const API_KEY = `tsk_${"t".repeat(32)}`;

class BundleServer {
  policies = "";
  version: string | null = null;
  defaultDecision: "allow" | "deny" = "allow";
  /** Answer this status instead of the bundle, when set. */
  failWith: number | null = null;
  readonly requests: { path: string; headers: IncomingHttpHeaders; status: number }[] = [];
  #server: Server;
  url = "";

  constructor() {
    this.#server = createServer((req, res) => {
      const digest = `sha256:${createHash("sha256").update(this.policies).digest("hex")}`;
      const etag = `"${digest}"`;
      let status = 200;
      if (req.headers.authorization !== `Bearer ${API_KEY}`) status = 401;
      else if (this.failWith) status = this.failWith;
      else if (req.headers["if-none-match"] === etag) status = 304;
      this.requests.push({ path: req.url ?? "", headers: req.headers, status });
      if (status === 200) {
        res.writeHead(200, { "content-type": "application/json", etag });
        res.end(
          JSON.stringify({
            version: this.version,
            digest,
            policies: this.policies,
            default_decision: this.defaultDecision,
          }),
        );
      } else {
        res.writeHead(status, status === 304 ? { etag } : { "content-type": "application/json" });
        res.end(status === 304 ? undefined : JSON.stringify({ error: { code: String(status) } }));
      }
    });
  }

  publish(version: string | null, policies: string, defaultDecision: "allow" | "deny" = "allow") {
    this.version = version;
    this.policies = policies;
    this.defaultDecision = defaultDecision;
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

const NO_EVIL = `@id("no-evil") forbid (principal, action == Action::"api_call", resource) when { context.path like "/evil*" };`;
const NO_BAD = `@id("no-bad") forbid (principal, action == Action::"api_call", resource) when { context.path like "/bad*" };`;

let app: Loopback;
let bundles: BundleServer;
let client: RecordingClient;
const interceptor = new TruseraInterceptor();

beforeAll(async () => {
  app = await startLoopback();
});

afterEach(async () => {
  interceptor.uninstall();
  await client?.close();
  await bundles?.close();
});

afterAll(async () => {
  await app.close();
});

async function setup(options: Parameters<TruseraInterceptor["install"]>[1], baseUrl?: string) {
  bundles = await new BundleServer().listen();
  bundles.publish("v1", NO_EVIL);
  client = new RecordingClient({ apiKey: API_KEY, baseUrl: baseUrl ?? `${bundles.url}/` });
  return options;
}

const get = (path: string) => fetch(`${app.url}${path}`).then((r) => r.status);

describe("policy bundle", () => {
  it("fetches the bundle relative to baseUrl with the API key, then revalidates with If-None-Match (304)", async () => {
    await setup({});
    interceptor.install(client, { enforcement: "block", policyUrl: "/api/v1/policies/bundle" });
    await interceptor.ready();
    expect(interceptor.status.policy).toMatchObject({ source: "bundle", state: "active", version: "v1" });
    await expect(get("/evil")).rejects.toBeInstanceOf(PolicyViolationError);
    expect(await get("/fine")).toBe(200);
    await interceptor.refreshPolicy();
    expect(bundles.requests.map((r) => [r.path, r.status])).toEqual([
      ["/api/v1/policies/bundle", 200],
      ["/api/v1/policies/bundle", 304],
    ]);
    expect(bundles.requests[0]!.headers["if-none-match"]).toBeUndefined();
    expect(bundles.requests[1]!.headers["if-none-match"]).toMatch(/^"sha256:[0-9a-f]{64}"$/);
    // The bundle fetch goes over the client's private transport: never an api_call event.
    expect(client.events.some((e) => e.name.includes("/policies/bundle"))).toBe(false);
    await expect(get("/evil")).rejects.toBeInstanceOf(PolicyViolationError);
  });

  it("resolves a relative policyUrl under a baseUrl with a path; an absolute one as is", async () => {
    await setup({}, "http://127.0.0.1:9/prefix/");
    interceptor.install(client, { policyUrl: `${bundles.url}/custom/bundle` });
    await interceptor.ready();
    expect(bundles.requests[0]!.path).toBe("/custom/bundle");
    interceptor.uninstall();
    const c2 = new RecordingClient({ apiKey: API_KEY, baseUrl: `${bundles.url}/prefix/` });
    interceptor.install(c2, { policyUrl: "/api/v1/policies/bundle" });
    await interceptor.ready();
    expect(bundles.requests[1]!.path).toBe("/prefix/api/v1/policies/bundle");
    interceptor.uninstall();
    await c2.close();
  });

  it("picks up a new bundle in the background, without a round trip per request", async () => {
    await setup({});
    interceptor.install(client, {
      enforcement: "block",
      policyUrl: "/api/v1/policies/bundle",
      // Long enough that 20 loopback requests fit in a few intervals even on a loaded machine.
      policyRefreshInterval: 150,
    });
    await interceptor.ready();
    for (let i = 0; i < 20; i++) await get("/bad-before");
    const fetchesSoFar = bundles.requests.length;
    expect(fetchesSoFar).toBeLessThan(10);
    bundles.publish("v2", NO_BAD);
    await waitFor(() => interceptor.status.policy.version === "v2", { what: "bundle v2" });
    await expect(get("/bad-after")).rejects.toBeInstanceOf(PolicyViolationError);
    expect(await get("/evil-now-allowed")).toBe(200);
    expect(client.of("api_call", "/bad-after")[0]!.metadata.policy_ids).toEqual(["no-bad"]);
  });

  it("keeps the last good policy when the server goes down or serves a bad bundle, and warns once", async () => {
    await setup({});
    interceptor.install(client, { enforcement: "block", policyUrl: "/api/v1/policies/bundle" });
    await interceptor.ready();
    bundles.failWith = 503;
    await interceptor.refreshPolicy();
    await interceptor.refreshPolicy();
    await expect(get("/evil")).rejects.toBeInstanceOf(PolicyViolationError);
    expect(interceptor.status.policy).toMatchObject({ state: "active", version: "v1" });
    expect(interceptor.status.policy.lastError).toMatch(/answered 503/);
    bundles.failWith = null;
    bundles.publish(
      "v3",
      `forbid (principal, action == Action::"api_call", resource) when { context.path like `,
    );
    await interceptor.refreshPolicy();
    expect(interceptor.status.policy).toMatchObject({ state: "active", version: "v1" });
    expect(interceptor.status.policy.lastError).toMatch(
      /policy bundle v3 .* did not load: Invalid Cedar policy set: .*at 1:\d+/,
    );
    await expect(get("/evil")).rejects.toBeInstanceOf(PolicyViolationError);
    await bundles.close();
    await interceptor.refreshPolicy();
    await expect(get("/evil")).rejects.toBeInstanceOf(PolicyViolationError);
    expect(client.warnings.filter((w) => w.includes("503"))).toHaveLength(1);
    expect(client.warnings.filter((w) => w.includes("did not load"))).toHaveLength(1);
  });

  it("with no bundle ever: failClosed denies everything in block mode; without it, calls proceed", async () => {
    await setup({});
    bundles.failWith = 500;
    interceptor.install(client, {
      enforcement: "block",
      policyUrl: "/api/v1/policies/bundle",
      failClosed: true,
    });
    await interceptor.ready();
    expect(interceptor.status.policy.state).toBe("unavailable");
    const err = await get("/anything").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect((err as PolicyViolationError).reasons).toEqual(["no policy is available and failClosed is on"]);
    expect(app.paths()).not.toContain("/anything");
    interceptor.install(client, { enforcement: "block", policyUrl: "/api/v1/policies/bundle" });
    await interceptor.ready();
    expect(await get("/anything")).toBe(200);
    expect(client.of("api_call", "/anything").at(-1)!.metadata).toMatchObject({
      decision: "allow",
      policy_ids: [],
    });
    // The server recovers: the bundle applies at the next check.
    bundles.failWith = null;
    await interceptor.refreshPolicy();
    await expect(get("/evil")).rejects.toBeInstanceOf(PolicyViolationError);
  });

  it('"no active policy" (version null, empty policies) is a valid state: nothing to evaluate, even failClosed', async () => {
    await setup({});
    bundles.publish(null, "");
    interceptor.install(client, {
      enforcement: "block",
      policyUrl: "/api/v1/policies/bundle",
      failClosed: true,
    });
    await interceptor.ready();
    expect(interceptor.status.policy).toMatchObject({ state: "none", version: null });
    expect(await get("/evil")).toBe(200);
    bundles.publish("v1", NO_EVIL);
    await interceptor.refreshPolicy();
    await expect(get("/evil")).rejects.toBeInstanceOf(PolicyViolationError);
    bundles.publish(null, "");
    await interceptor.refreshPolicy();
    expect(await get("/evil")).toBe(200);
  });

  it("applies the bundle's default_decision (deny: an allow-list) into a given evaluator", async () => {
    await setup({});
    const { port } = new URL(app.url);
    bundles.publish(
      "allow-list",
      `permit (principal, action == Action::"api_call", resource) when { context.port == ${port} && context.path == "/only" };`,
      "deny",
    );
    const evaluator = new CedarEvaluator();
    interceptor.install(client, {
      enforcement: "block",
      policyUrl: "/api/v1/policies/bundle",
      cedarEvaluator: evaluator,
    });
    await interceptor.ready();
    expect(evaluator.defaultDecision).toBe("deny");
    expect(await get("/only")).toBe(200);
    const err = (await get("/other").catch((e: unknown) => e)) as PolicyViolationError;
    expect(err.reasons).toEqual(["no policy permits it (default deny)"]);
  });

  it("a wrong API key is reported once, and failClosed then holds", async () => {
    bundles = await new BundleServer().listen();
    client = new RecordingClient({ apiKey: `tsk_${"w".repeat(32)}`, baseUrl: bundles.url });
    interceptor.install(client, {
      enforcement: "block",
      policyUrl: "api/v1/policies/bundle",
      failClosed: true,
    });
    await interceptor.ready();
    await interceptor.refreshPolicy();
    expect(client.warnings.filter((w) => w.includes("401"))).toHaveLength(1);
    await expect(get("/x")).rejects.toBeInstanceOf(PolicyViolationError);
  });
});

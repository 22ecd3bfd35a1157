import http from "node:http";
import https from "node:https";
import { type ServerProcess, startServerProcess, waitFor } from "@trusera/testing";
import axios from "axios";
import { getGlobalDispatcher } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CedarEvaluator,
  ConfigurationError,
  type Logger,
  TruseraClient,
  TruseraInterceptor,
} from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// Install, uninstall, re-install, option checks, and the client's own traffic against a real
// trusera-server process.

let server: Loopback;
let trusera: ServerProcess;
const nodeFetch = globalThis.fetch;
const quiet: Logger = { debug() {}, warn() {} };
const interceptors: TruseraInterceptor[] = [];
const clients: TruseraClient[] = [];

function interceptor(): TruseraInterceptor {
  const i = new TruseraInterceptor();
  interceptors.push(i);
  return i;
}

function recording(): RecordingClient {
  const c = new RecordingClient();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startLoopback();
  trusera = await startServerProcess();
});

afterEach(async () => {
  for (const i of interceptors.splice(0)) i.uninstall();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await server.close();
  await trusera.dispose();
});

const originals = () => ({
  fetch: globalThis.fetch,
  dispatcher: getGlobalDispatcher(),
  httpRequest: http.request,
  httpGet: http.get,
  httpsRequest: https.request,
  httpsGet: https.get,
  axiosRequest: (axios.Axios.prototype as unknown as Record<string, unknown>)._request,
});

describe("install and uninstall", () => {
  it("uninstall restores every original exactly (identity), and install hooks every channel", async () => {
    Reflect.get(globalThis, "Headers");
    const before = originals();
    const i = interceptor();
    i.install(recording(), { axios });
    const during = originals();
    for (const key of Object.keys(before) as (keyof typeof before)[])
      expect(during[key]).not.toBe(before[key]);
    expect(i.status.hooks).toMatchObject({
      fetch: true,
      undiciGlobalDispatcher: true,
      http: true,
      https: true,
    });
    expect(i.status.hooks.axios).toBeGreaterThanOrEqual(1);
    i.uninstall();
    const after = originals();
    for (const key of Object.keys(before) as (keyof typeof before)[]) expect(after[key]).toBe(before[key]);
    expect(i.installed).toBe(false);
    i.uninstall(); // twice is harmless
  });

  it("installing twice, or a second interceptor, never counts a call twice", async () => {
    const a = interceptor();
    const b = interceptor();
    const c1 = recording();
    const c2 = recording();
    a.install(c1);
    a.install(c1);
    await (await fetch(`${server.url}/twice`)).text();
    expect(c1.of("api_call", "/twice")).toHaveLength(1);
    b.install(c2);
    expect(a.installed).toBe(false);
    await (await fetch(`${server.url}/second`)).text();
    await axios.get(`${server.url}/second-axios`);
    await new Promise<void>((resolve) =>
      http.get(`${server.url}/second-http`, (r) => r.resume().on("end", resolve)),
    );
    expect(c1.of("api_call", "/second")).toEqual([]);
    expect(c2.of("api_call").map((e) => new URL(e.payload.url).pathname)).toEqual([
      "/second",
      "/second-axios",
      "/second-http",
    ]);
    b.uninstall();
    expect(globalThis.fetch).toBe(nodeFetch);
  });

  it("someone wrapping fetch after install keeps their wrapper on uninstall; ours turns inert", async () => {
    const c = recording();
    const i = interceptor();
    const original = globalThis.fetch;
    i.install(c);
    const ours = globalThis.fetch;
    const theirs: typeof fetch = (input, init) => ours(input, init);
    globalThis.fetch = theirs;
    try {
      i.uninstall();
      expect(globalThis.fetch).toBe(theirs);
      await (await fetch(`${server.url}/inert`)).text();
      expect(c.events).toEqual([]);
    } finally {
      globalThis.fetch = original;
    }
  });

  it("checks options at install: an invalid exclude pattern is a clear ConfigurationError", () => {
    const c = recording();
    const i = interceptor();
    const attempt = (options: object) => () => i.install(c, options as never);
    expect(attempt({ excludePatterns: ["ok", "(unclosed"] })).toThrow(ConfigurationError);
    expect(attempt({ excludePatterns: ["ok", "(unclosed"] })).toThrow(
      /excludePatterns\[1\] "\(unclosed" is not a valid regular expression/,
    );
    expect(attempt({ excludePatterns: "^http://x" })).toThrow(/must be an array/);
    expect(attempt({ enforcement: "deny" })).toThrow(/enforcement must be "log", "warn" or "block"/);
    expect(attempt({ enforcment: "block" })).toThrow(/unknown option "enforcment"/);
    expect(attempt({ failClosed: true })).toThrow(/failClosed needs a policy source/);
    expect(attempt({ cedarEvaluator: {} })).toThrow(/cedarEvaluator must be a CedarEvaluator/);
    expect(attempt({ policyUrl: "ftp://x/y" })).toThrow(/http or https/);
    expect(attempt({ eventThread: "elsewhere" })).toThrow(/eventThread must be "worker" or "main"/);
    expect(() => i.install({} as TruseraClient)).toThrow(ConfigurationError);
    // Nothing was hooked by the failed attempts.
    expect(i.installed).toBe(false);
    expect(globalThis.fetch).toBe(nodeFetch);
  });

  it("the client's own traffic to a real server is never intercepted, and events arrive there", async () => {
    const client = new TruseraClient({ apiKey: trusera.apiKey, baseUrl: trusera.url, logger: quiet });
    clients.push(client);
    const agentId = await client.registerAgent("lifecycle-agent");
    const i = interceptor();
    i.install(client, { enforcement: "block", cedarEvaluator: await denyAllButLoopback(server.url) });
    // The server's own host is denied by this policy: the client's flushes must not be affected.
    await (await fetch(`${server.url}/app-call`)).text();
    await expect(fetch(`${trusera.url}/api/v1/health`)).rejects.toThrow(/Policy violation/);
    await client.flush();
    expect(client.stats).toMatchObject({ sent: 3, rejected: 0 });
    i.uninstall(); // the test's own queries below go through fetch
    const stored = await waitFor(async () => {
      const res = await trusera.api("GET", `/api/v1/events?agent_id=${agentId}&limit=100`);
      return res.body.events.length === 3 ? res.body.events : null;
    });
    const names = stored.map((e: { type: string; name: string }) => `${e.type} ${e.name}`).sort();
    expect(names).toEqual(
      [
        `api_call GET ${server.url}/app-call`,
        `api_call GET ${trusera.url}/api/v1/health`,
        `policy_violation GET ${trusera.url}/api/v1/health`,
      ].sort(),
    );
  });

  it("failClosed with a local evaluator: denies until a policy is loaded, then decides by it", async () => {
    const c = recording();
    const i = interceptor();
    const evaluator = new CedarEvaluator();
    i.install(c, { enforcement: "block", cedarEvaluator: evaluator, failClosed: true, debug: false });
    expect(i.status.policy).toMatchObject({ source: "evaluator", state: "unavailable" });
    await expect(fetch(`${server.url}/before-load`)).rejects.toThrow(/failClosed/);
    await evaluator.loadPolicy(
      `forbid (principal, action == Action::"api_call", resource) when { context.path == "/no" };`,
    );
    expect(i.status.policy.state).toBe("active");
    expect((await fetch(`${server.url}/after-load`)).status).toBe(200);
    await expect(fetch(`${server.url}/no`)).rejects.toThrow(/Policy violation/);
    expect(server.paths()).not.toContain("/before-load");
  });

  it("debug logs one line per decision through the given logger", async () => {
    const lines: string[] = [];
    const c = recording();
    const i = interceptor();
    i.install(c, { debug: true, logger: { debug: (m) => lines.push(m), warn: (m) => lines.push(m) } });
    await (await fetch(`${server.url}/debugged`)).text();
    expect(lines.some((l) => /^fetch GET http:\/\/127\.0\.0\.1:\d+\/debugged: allow$/.test(l))).toBe(true);
  });

  it("after client.close() the application's calls still work, still enforced, events dropped", async () => {
    const c = recording();
    const i = interceptor();
    i.install(c, { enforcement: "block", cedarEvaluator: await denyAllButLoopback(server.url) });
    await c.close();
    expect((await fetch(`${server.url}/after-close`)).status).toBe(200);
    expect((await axios.get(`${server.url}/after-close-axios`)).status).toBe(200);
    await expect(fetch("http://127.0.0.2:1/elsewhere")).rejects.toThrow(/Policy violation/);
    expect(c.stats.afterClose).toBeGreaterThanOrEqual(3);
  });
});

async function denyAllButLoopback(allowed: string): Promise<CedarEvaluator> {
  const { port } = new URL(allowed);
  const e = new CedarEvaluator({ defaultDecision: "deny" });
  await e.loadPolicy(`@id("only-the-app-server")
permit (principal, action == Action::"api_call", resource)
when { context.hostname == "127.0.0.1" && context.port == ${port} };`);
  return e;
}

import { Writable } from "node:stream";
import {
  Agent,
  getGlobalDispatcher,
  setGlobalDispatcher,
  fetch as undiciFetch,
  request as undiciRequest,
  stream as undiciStream,
} from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, PolicyViolationError, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// Userland undici 6 (request, stream, fetch) through the global dispatcher it shares with Node's
// fetch, against a real loopback server.

let server: Loopback;
let evaluator: CedarEvaluator;
const interceptor = new TruseraInterceptor();
let client: RecordingClient;

beforeAll(async () => {
  server = await startLoopback();
  evaluator = new CedarEvaluator();
  await evaluator.loadPolicy(
    `@id("no-evil") forbid (principal, action == Action::"api_call", resource) when { context.path like "/evil*" };`,
  );
});

afterEach(async () => {
  interceptor.uninstall();
  await client?.close();
});

afterAll(async () => {
  await server.close();
});

function install(options: Parameters<TruseraInterceptor["install"]>[1]) {
  client = new RecordingClient();
  interceptor.install(client, options);
}

const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

describe("userland undici", () => {
  it("records request, stream and fetch through the global dispatcher, each once, as library undici", async () => {
    install({ enforcement: "log" });
    const r = await undiciRequest(`${server.url}/u-request`, { method: "POST", body: "abc" });
    expect(await r.body.text()).toBe("hello /u-request");
    await undiciStream(`${server.url}/u-stream`, { method: "GET" }, () => sink());
    const f = await undiciFetch(`${server.url}/u-fetch`);
    expect(await f.text()).toBe("hello /u-fetch");
    const calls = client.of("api_call").map((e) => [e.metadata.library, new URL(e.payload.url).pathname]);
    expect(calls).toEqual([
      ["undici", "/u-request"],
      ["undici", "/u-stream"],
      ["undici", "/u-fetch"],
    ]);
    expect(client.of("api_call", "/u-request")[0]!.payload).toMatchObject({
      status_code: 200,
      request_size_bytes: 3,
      response_size_bytes: 16,
    });
  });

  it("block mode: request and stream reject with the PolicyViolationError; fetch with undici's TypeError around it", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    await expect(undiciRequest(`${server.url}/evil-request`)).rejects.toBeInstanceOf(PolicyViolationError);
    await expect(
      undiciStream(`${server.url}/evil-stream`, { method: "GET" }, () => sink()),
    ).rejects.toBeInstanceOf(PolicyViolationError);
    const err = await undiciFetch(`${server.url}/evil-fetch`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).cause).toBeInstanceOf(PolicyViolationError);
    expect(server.paths().filter((p) => p.startsWith("/evil"))).toEqual([]);
    expect(client.of("policy_violation")).toHaveLength(3);
    expect(client.of("api_call").every((e) => e.metadata.blocked === true)).toBe(true);
  });

  it("getGlobalDispatcher() still works as a dispatcher while hooked, and is the original after uninstall", async () => {
    const original = getGlobalDispatcher();
    install({ enforcement: "log" });
    const hooked = getGlobalDispatcher();
    expect(hooked).not.toBe(original);
    expect(hooked).toBeInstanceOf(Agent);
    const res = await hooked.request({ origin: server.url, path: "/via-dispatcher-api", method: "GET" });
    await res.body.text();
    expect(client.of("api_call", "/via-dispatcher-api")).toHaveLength(1);
    interceptor.uninstall();
    expect(getGlobalDispatcher()).toBe(original);
  });

  it("documented gap: an Agent passed explicitly (per request, or agent.request) is not seen", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const agent = new Agent();
    try {
      const a = await undiciRequest(`${server.url}/evil-explicit-agent`, { dispatcher: agent });
      expect(a.statusCode).toBe(200);
      await a.body.text();
      const b = await agent.request({ origin: server.url, path: "/evil-agent-request", method: "GET" });
      await b.body.text();
      const c = await undiciFetch(`${server.url}/evil-fetch-dispatcher`, { dispatcher: agent });
      await c.text();
    } finally {
      await agent.close();
    }
    expect(server.paths()).toEqual(
      expect.arrayContaining(["/evil-explicit-agent", "/evil-agent-request", "/evil-fetch-dispatcher"]),
    );
    expect(client.events).toEqual([]);
  });

  it("documented: Node's global fetch with an explicit undici dispatcher is still decided and recorded", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const agent = new Agent();
    try {
      await expect(
        fetch(`${server.url}/evil-global`, { dispatcher: agent } as RequestInit),
      ).rejects.toBeInstanceOf(PolicyViolationError);
      const res = await fetch(`${server.url}/fine-global`, { dispatcher: agent } as RequestInit);
      expect(res.status).toBe(200);
    } finally {
      await agent.close();
    }
    expect(client.of("api_call", "/fine-global")[0]!.metadata.library).toBe("fetch");
  });

  it("documented gap: setGlobalDispatcher() after install replaces the hook; install again to cover it", async () => {
    const original = getGlobalDispatcher();
    install({ enforcement: "log" });
    const mine = new Agent();
    setGlobalDispatcher(mine);
    try {
      await (await undiciRequest(`${server.url}/after-replace`)).body.text();
      expect(client.of("api_call", "/after-replace")).toEqual([]);
      // Node's fetch is still covered: the fetch wrapper does not depend on the global hook.
      await (await fetch(`${server.url}/fetch-after-replace`)).text();
      expect(client.of("api_call", "/fetch-after-replace")).toHaveLength(1);
      interceptor.install(client, { enforcement: "log" });
      await (await undiciRequest(`${server.url}/after-reinstall`)).body.text();
      expect(client.of("api_call", "/after-reinstall")).toHaveLength(1);
      interceptor.uninstall();
      expect(getGlobalDispatcher()).toBe(mine);
    } finally {
      setGlobalDispatcher(original);
      await mine.close();
    }
  });

  it("a fetch captured before install is still seen, through the global dispatcher", async () => {
    const earlyFetch = globalThis.fetch;
    install({ enforcement: "block", cedarEvaluator: evaluator });
    expect(globalThis.fetch).not.toBe(earlyFetch);
    await (await earlyFetch(`${server.url}/early-fetch`)).text();
    expect(client.of("api_call", "/early-fetch")[0]!.metadata.library).toBe("undici");
    const err = await earlyFetch(`${server.url}/evil-early`).catch((e: unknown) => e);
    expect((err as TypeError).cause).toBeInstanceOf(PolicyViolationError);
    expect(server.paths()).not.toContain("/evil-early");
  });
});

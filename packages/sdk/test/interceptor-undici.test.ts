import { Writable } from "node:stream";
import {
  Agent,
  getGlobalDispatcher,
  setGlobalDispatcher,
  fetch as undiciFetch,
  request as undiciRequest,
  stream as undiciStream,
} from "undici";
import * as undici7 from "undici7";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, PolicyViolationError, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// Userland undici (request, stream, fetch) through the global dispatcher it shares with Node's fetch,
// against a real loopback server: undici 6 on the Agent Node put there, and undici 7 (the current major;
// it runs on Node 20.18+) on one of its own Agents, set as the global dispatcher before install as
// docs/coverage.md asks.

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

interface UndiciApi {
  request: typeof undiciRequest;
  stream: typeof undiciStream;
  fetch: typeof undiciFetch;
}

/** Makes one of undici 7's own Agents the global dispatcher for the tests of the enclosing describe. */
function undici7GlobalAgent(): () => undici7.Agent {
  let previous: undici7.Dispatcher;
  let agent: undici7.Agent;
  beforeAll(() => {
    previous = undici7.getGlobalDispatcher();
    agent = new undici7.Agent();
    undici7.setGlobalDispatcher(agent);
  });
  afterAll(async () => {
    undici7.setGlobalDispatcher(previous);
    await agent.close();
  });
  return () => agent;
}

describe.each([
  ["undici 6", { request: undiciRequest, stream: undiciStream, fetch: undiciFetch }, false],
  ["undici 7", undici7 as UndiciApi, true],
] as const)("userland %s", (_major, api: UndiciApi, ownAgent: boolean) => {
  if (ownAgent) undici7GlobalAgent();

  it("records request, stream and fetch through the global dispatcher, each once, as library undici", async () => {
    install({ enforcement: "log" });
    const r = await api.request(`${server.url}/u-request`, { method: "POST", body: "abc" });
    expect(await r.body.text()).toBe("hello /u-request");
    await api.stream(`${server.url}/u-stream`, { method: "GET" }, () => sink());
    const f = await api.fetch(`${server.url}/u-fetch`);
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
    await expect(api.request(`${server.url}/evil-request`)).rejects.toBeInstanceOf(PolicyViolationError);
    await expect(
      api.stream(`${server.url}/evil-stream`, { method: "GET" }, () => sink()),
    ).rejects.toBeInstanceOf(PolicyViolationError);
    const err = await api.fetch(`${server.url}/evil-fetch`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).cause).toBeInstanceOf(PolicyViolationError);
    expect(server.paths().filter((p) => p.startsWith("/evil"))).toEqual([]);
    expect(client.of("policy_violation")).toHaveLength(3);
    expect(client.of("api_call").every((e) => e.metadata.blocked === true)).toBe(true);
  });
});

describe("userland undici 6: the global dispatcher's edges", () => {
  it("getGlobalDispatcher() still works as a dispatcher while hooked, and is the original after uninstall", async () => {
    const original = getGlobalDispatcher();
    install({ enforcement: "log" });
    const hooked = getGlobalDispatcher();
    expect(hooked).not.toBe(original);
    // The same kind of dispatcher (on Node 22 the original is Node's own undici's Agent, not this copy's).
    expect(Object.getPrototypeOf(hooked)).toBe(Object.getPrototypeOf(original));
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

describe("userland undici 7: a handler of the controller shape", () => {
  // undici 7's request, stream and fetch still hand the dispatcher handlers of the classic shape
  // (onHeaders, onData, onComplete); one of the new controller shape (onResponseStart, onResponseData,
  // onResponseEnd) reaches it when an application or an undici interceptor dispatches one itself, and
  // takes the recorder's other adapter.
  const agent = undici7GlobalAgent();

  /** Dispatches a GET through the global dispatcher with a handler of the controller shape. */
  function controllerGet(path: string): Promise<{ status: number; body: string; error?: unknown }> {
    return new Promise((resolve) => {
      let status = 0;
      const chunks: Buffer[] = [];
      undici7.getGlobalDispatcher().dispatch(
        { origin: server.url, path, method: "GET" },
        {
          onRequestStart() {},
          onResponseStart(_controller, statusCode) {
            status = statusCode;
          },
          onResponseData(_controller, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            resolve({ status, body: Buffer.concat(chunks).toString() });
          },
          onResponseError(_controller, error) {
            resolve({ status, body: "", error });
          },
        },
      );
    });
  }

  it("is observed: status and bytes recorded, the answer untouched", async () => {
    install({ enforcement: "log" });
    const res = await controllerGet("/u7-controller?token=abc");
    expect(res).toEqual({ status: 200, body: "hello /u7-controller" });
    const [event] = client.of("api_call", "/u7-controller");
    expect(event!.metadata.library).toBe("undici");
    expect(event!.payload).toMatchObject({ status_code: 200, response_size_bytes: 20 });
    expect(event!.payload.url).toContain("token=[REDACTED]");
  });

  it("block mode: onResponseError gets the PolicyViolationError", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const res = await controllerGet("/evil-u7-controller");
    expect(res.error).toBeInstanceOf(PolicyViolationError);
    expect(res.status).toBe(0);
    expect(server.paths()).not.toContain("/evil-u7-controller");
    expect(client.of("policy_violation", "/evil-u7-controller")).toHaveLength(1);
  });

  it("uninstall gives the global slot back its undici 7 Agent", () => {
    install({ enforcement: "log" });
    expect(undici7.getGlobalDispatcher()).not.toBe(agent());
    interceptor.uninstall();
    expect(undici7.getGlobalDispatcher()).toBe(agent());
  });
});

import { Writable } from "node:stream";
import {
  Agent,
  type Dispatcher,
  getGlobalDispatcher,
  setGlobalDispatcher,
  fetch as undiciFetch,
  request as undiciRequest,
  stream as undiciStream,
} from "undici7";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, PolicyViolationError, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// Userland undici 7 (the current major; it runs on Node 20.18+), with one of its own Agents as the
// global dispatcher, set before install as docs/coverage.md asks. Its request, stream and fetch still
// hand the dispatcher handlers of the classic shape (onHeaders, onData, onComplete); a handler of the
// new controller shape (onResponseStart, onResponseData, onResponseEnd) reaches the dispatcher when an
// application or an undici interceptor dispatches one itself, and takes the interceptor's other path.

let server: Loopback;
let evaluator: CedarEvaluator;
let previous: Dispatcher;
let agent: Agent;
const interceptor = new TruseraInterceptor();
let client: RecordingClient;

beforeAll(async () => {
  server = await startLoopback();
  evaluator = new CedarEvaluator();
  await evaluator.loadPolicy(
    `@id("no-evil") forbid (principal, action == Action::"api_call", resource) when { context.path like "/evil*" };`,
  );
  previous = getGlobalDispatcher();
  agent = new Agent();
  setGlobalDispatcher(agent);
});

afterEach(async () => {
  interceptor.uninstall();
  await client?.close();
});

afterAll(async () => {
  setGlobalDispatcher(previous);
  await agent.close();
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

/** Dispatches a GET through the global dispatcher with a handler of the controller shape. */
function controllerGet(path: string): Promise<{ status: number; body: string; error?: unknown }> {
  return new Promise((resolve) => {
    let status = 0;
    const chunks: Buffer[] = [];
    getGlobalDispatcher().dispatch(
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

describe("userland undici 7", () => {
  it("records request, stream and fetch through the global dispatcher, each once, with sizes", async () => {
    install({ enforcement: "log" });
    const r = await undiciRequest(`${server.url}/u7-request`, { method: "POST", body: "abcd" });
    expect(await r.body.text()).toBe("hello /u7-request");
    await undiciStream(`${server.url}/u7-stream`, { method: "GET" }, () => sink());
    const f = await undiciFetch(`${server.url}/u7-fetch`);
    expect(await f.text()).toBe("hello /u7-fetch");
    const calls = client.of("api_call").map((e) => [e.metadata.library, new URL(e.payload.url).pathname]);
    expect(calls).toEqual([
      ["undici", "/u7-request"],
      ["undici", "/u7-stream"],
      ["undici", "/u7-fetch"],
    ]);
    expect(client.of("api_call", "/u7-request")[0]!.payload).toMatchObject({
      status_code: 200,
      request_size_bytes: 4,
      response_size_bytes: 17,
    });
  });

  it("block mode: request and stream reject with the PolicyViolationError, fetch with it as the cause", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    await expect(undiciRequest(`${server.url}/evil-u7-request`)).rejects.toBeInstanceOf(PolicyViolationError);
    await expect(
      undiciStream(`${server.url}/evil-u7-stream`, { method: "GET" }, () => sink()),
    ).rejects.toBeInstanceOf(PolicyViolationError);
    const err = await undiciFetch(`${server.url}/evil-u7-fetch`).catch((e: unknown) => e);
    expect((err as TypeError).cause).toBeInstanceOf(PolicyViolationError);
    expect(server.paths().filter((p) => p.startsWith("/evil"))).toEqual([]);
    expect(client.of("policy_violation")).toHaveLength(3);
  });

  it("observes a handler of the controller shape: status and bytes recorded, the answer untouched", async () => {
    install({ enforcement: "log" });
    const res = await controllerGet("/u7-controller?token=abc");
    expect(res).toEqual({ status: 200, body: "hello /u7-controller" });
    const [event] = client.of("api_call", "/u7-controller");
    expect(event!.metadata.library).toBe("undici");
    expect(event!.payload).toMatchObject({ status_code: 200, response_size_bytes: 20 });
    expect(event!.payload.url).toContain("token=[REDACTED]");
  });

  it("block mode with a handler of the controller shape: onResponseError gets the PolicyViolationError", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const res = await controllerGet("/evil-u7-controller");
    expect(res.error).toBeInstanceOf(PolicyViolationError);
    expect(res.status).toBe(0);
    expect(server.paths()).not.toContain("/evil-u7-controller");
    expect(client.of("policy_violation", "/evil-u7-controller")).toHaveLength(1);
  });

  it("uninstall gives the global slot back its undici 7 Agent", () => {
    install({ enforcement: "log" });
    expect(getGlobalDispatcher()).not.toBe(agent);
    interceptor.uninstall();
    expect(getGlobalDispatcher()).toBe(agent);
  });
});

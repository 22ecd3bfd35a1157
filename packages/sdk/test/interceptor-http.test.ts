import http, { get as namedGet, request as namedRequest } from "node:http";
import https from "node:https";
import { Agent, getGlobalDispatcher, setGlobalDispatcher, request as undiciRequest } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, PolicyViolationError, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback, testCertificate } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// node:http and node:https (request, get, and their ESM named exports) against real loopback servers,
// HTTPS with a certificate made for this run.

let server: Loopback;
let tlsServer: Loopback;
let cert: ReturnType<typeof testCertificate>;
let evaluator: CedarEvaluator;
const interceptor = new TruseraInterceptor();
let client: RecordingClient;

beforeAll(async () => {
  cert = testCertificate();
  server = await startLoopback();
  tlsServer = await startLoopback(cert);
  evaluator = new CedarEvaluator();
  await evaluator.loadPolicy(
    `@id("no-evil") forbid (principal, action == Action::"api_call", resource) when { context.path like "/evil*" };
     @id("no-plain-uploads") forbid (principal, action == Action::"api_call", resource)
       when { context.scheme == "http" && context.method == "POST" && context.path == "/upload" };`,
  );
});

afterEach(async () => {
  interceptor.uninstall();
  await client?.close();
});

afterAll(async () => {
  await server.close();
  await tlsServer.close();
  cert.remove();
});

function install(options: Parameters<TruseraInterceptor["install"]>[1]) {
  client = new RecordingClient();
  interceptor.install(client, options);
}

type Result = { status: number; body: string } | { error: unknown };

function call(
  make: (cb: (res: http.IncomingMessage) => void) => http.ClientRequest,
  body?: string,
): Promise<Result> {
  return new Promise((resolve) => {
    const req = make((res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", (error) => resolve({ error }));
    if (body !== undefined) req.end(body);
  });
}

describe("node:http and node:https", () => {
  it("records request and get (module and named ESM exports) with status, sizes and headers", async () => {
    install({ enforcement: "log" });
    const a = await call(
      (cb) =>
        http.request(
          `${server.url}/h-request?password=p4ss`,
          { method: "POST", headers: { cookie: "sid=1", "content-type": "text/plain" } },
          cb,
        ),
      "twelve bytes",
    );
    expect(a).toEqual({ status: 200, body: "hello /h-request" });
    await call((cb) => http.get(`${server.url}/h-get`, cb));
    await call((cb) => namedGet(new URL(`${server.url}/h-named-get`), cb));
    const u = new URL(server.url);
    await call(
      (cb) => namedRequest({ hostname: u.hostname, port: u.port, path: "/h-options", method: "PUT" }, cb),
      "",
    );
    const events = client.of("api_call");
    expect(
      events.map((e) => [e.metadata.library, e.payload.method, new URL(e.payload.url).pathname]),
    ).toEqual([
      ["http", "POST", "/h-request"],
      ["http", "GET", "/h-get"],
      ["http", "GET", "/h-named-get"],
      ["http", "PUT", "/h-options"],
    ]);
    expect(events[0]!.payload).toMatchObject({
      url: `${server.url}/h-request?password=[REDACTED]`,
      status_code: 200,
      request_size_bytes: 12,
      response_size_bytes: 16,
      request_headers: { cookie: "[REDACTED]", "content-type": "text/plain" },
    });
  });

  it("block mode: http.request emits 'error' with the PolicyViolationError; nothing reaches the server", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const before = server.seen.length;
    const a = await call((cb) => http.request(`${server.url}/evil-req`, { method: "POST" }, cb), "payload");
    const b = await call((cb) => http.get(`${server.url}/evil-get`, cb));
    const c = await call((cb) => namedRequest(`${server.url}/upload`, { method: "POST" }, cb), "x");
    for (const r of [a, b, c]) {
      expect("error" in r && r.error).toBeInstanceOf(PolicyViolationError);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(server.seen.length).toBe(before);
    expect(client.of("policy_violation")).toHaveLength(3);
  });

  it("an unhandled blocked request throws like any unhandled request error (no listener is added)", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const req = http.get(`${server.url}/evil-unhandled`);
    expect(req.listenerCount("error")).toBe(0);
    const uncaught = await new Promise<unknown>((resolve) => {
      const listeners = process.listeners("uncaughtException");
      process.removeAllListeners("uncaughtException");
      process.once("uncaughtException", (err) => {
        for (const l of listeners) process.on("uncaughtException", l);
        resolve(err);
      });
    });
    expect(uncaught).toBeInstanceOf(PolicyViolationError);
  });

  it("HTTPS: https.request and https.get are decided on scheme, recorded and blocked", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const ok = await call(
      (cb) => https.request(`${tlsServer.url}/upload`, { method: "POST", ca: cert.cert }, cb),
      "tls body",
    );
    expect(ok).toEqual({ status: 200, body: "hello /upload" });
    const plain = await call((cb) => http.request(`${server.url}/upload`, { method: "POST" }, cb), "x");
    expect("error" in plain && plain.error).toBeInstanceOf(PolicyViolationError);
    const blocked = await call((cb) => https.get(`${tlsServer.url}/evil-tls`, { ca: cert.cert }, cb));
    expect("error" in blocked && blocked.error).toBeInstanceOf(PolicyViolationError);
    expect(tlsServer.paths()).not.toContain("/evil-tls");
    const [tls] = client.of("api_call", "https://");
    expect(tls!.payload).toMatchObject({ status_code: 200, request_size_bytes: 8, response_size_bytes: 13 });
    expect(tls!.payload.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/upload$/);
  });

  it("HTTPS: fetch and undici through a global dispatcher that trusts the test certificate", async () => {
    const original = getGlobalDispatcher();
    const trusting = new Agent({ connect: { ca: cert.cert } });
    setGlobalDispatcher(trusting);
    try {
      install({ enforcement: "block", cedarEvaluator: evaluator });
      expect(await (await fetch(`${tlsServer.url}/tls-fetch`)).text()).toBe("hello /tls-fetch");
      await (await undiciRequest(`${tlsServer.url}/tls-undici`)).body.text();
      await expect(fetch(`${tlsServer.url}/evil-tls-fetch`)).rejects.toBeInstanceOf(PolicyViolationError);
      await expect(undiciRequest(`${tlsServer.url}/evil-tls-undici`)).rejects.toBeInstanceOf(
        PolicyViolationError,
      );
      expect(client.of("api_call", "/tls-").map((e) => e.metadata.library)).toEqual(["fetch", "undici"]);
      expect(tlsServer.paths().filter((p) => p.startsWith("/evil"))).toEqual([]);
    } finally {
      interceptor.uninstall();
      setGlobalDispatcher(original);
      await trusting.close();
    }
  });

  it("records a refused connection with its error, and an aborted request", async () => {
    install({ enforcement: "log" });
    const r = await call((cb) => http.get("http://127.0.0.1:9/refused", cb));
    expect("error" in r).toBe(true);
    const [event] = client.of("api_call", "/refused");
    expect(event!.payload).toMatchObject({ status_code: null });
    expect(event!.payload.error).toMatch(/ECONNREFUSED/);
    const req = http.get(`${server.url}/aborted`);
    req.on("error", () => {});
    req.destroy();
    await new Promise((res) => setTimeout(res, 50));
    expect(client.of("api_call", "/aborted")).toHaveLength(1);
  });

  it("uninstall restores request and get on both modules, and the ESM named exports", async () => {
    const originals = [http.request, http.get, https.request, https.get];
    install({ enforcement: "log" });
    expect(http.request).not.toBe(originals[0]);
    const esm = (await import("node:http")) as unknown as { request: unknown };
    expect(esm.request).toBe(http.request);
    interceptor.uninstall();
    expect([http.request, http.get, https.request, https.get]).toEqual(originals);
    for (const [i, fn] of [http.request, http.get, https.request, https.get].entries())
      expect(fn).toBe(originals[i]);
    expect(esm.request).toBe(originals[0]);
  });
});

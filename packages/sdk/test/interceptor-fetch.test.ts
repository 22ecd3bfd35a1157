import { freePort } from "@trusera/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, PolicyViolationError, TruseraError, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// Node's global fetch against a real loopback server, in each enforcement mode.

const POLICY = `
@id("no-evil-path")
forbid (principal, action == Action::"api_call", resource)
when { context.path like "/evil*" };

@id("no-posts-with-auth")
forbid (principal, action == Action::"api_call", resource)
when { context.method == "POST" && context.headers.contains("authorization") && context.path == "/upload" };
`;

let server: Loopback;
let evaluator: CedarEvaluator;
const interceptor = new TruseraInterceptor();
let client: RecordingClient;

beforeAll(async () => {
  server = await startLoopback();
  evaluator = new CedarEvaluator();
  await evaluator.loadPolicy(POLICY);
});

afterEach(async () => {
  interceptor.uninstall();
  await client?.close();
});

afterAll(async () => {
  await server.close();
});

function install(options: Parameters<TruseraInterceptor["install"]>[1]) {
  client = new RecordingClient({ agentId: "fetch-agent" });
  interceptor.install(client, options);
}

describe("fetch", () => {
  it("records an api_call event per call with the contract's payload and metadata (log, no policy)", async () => {
    install({ enforcement: "log" });
    const res = await fetch(`${server.url}/ok?api_key=abc123&page=2`, {
      method: "POST",
      headers: {
        Authorization: "Bearer sk-proj-abcdefghijklmnopqrstuvwx",
        "X-Trace": "t1",
        "X-Debug": "Bearer abcdefghijklmnop",
      },
      body: "hello body",
    });
    expect(await res.text()).toBe("hello /ok");
    const [event, ...rest] = client.of("api_call");
    expect(rest).toEqual([]);
    const url = `${server.url}/ok?api_key=[REDACTED]&page=2`;
    expect(event).toMatchObject({
      type: "api_call",
      name: `POST ${url}`,
      payload: {
        url,
        method: "POST",
        status_code: 200,
        request_size_bytes: 10,
        response_size_bytes: 9,
        request_headers: { authorization: "[REDACTED]", "x-trace": "t1", "x-debug": "Bearer [REDACTED]" },
      },
      metadata: { decision: "allow", enforcement: "log", policy_ids: [], blocked: false, library: "fetch" },
    });
    expect(event!.payload.duration_ms).toBeGreaterThan(0);
    expect(event!.payload.request_body).toBeUndefined();
    expect(event!.payload.response_body).toBeUndefined();
    expect(JSON.stringify(client.events)).not.toContain("sk-proj-abcdefghijklmnopqrstuvwx");
    expect(JSON.stringify(client.events)).not.toContain("abc123");
    expect(client.of("policy_violation")).toEqual([]);
  });

  it("records the URL that is sent: without the fragment, which fetch never sends", async () => {
    install({ enforcement: "log" });
    const res = await fetch(`${server.url}/ok?page=2#access_token=frag-secret`);
    expect(await res.text()).toBe("hello /ok");
    const [event] = client.of("api_call");
    expect(event!.payload.url).toBe(`${server.url}/ok?page=2`);
    expect(JSON.stringify(client.events)).not.toContain("frag-secret");
  });

  it("log mode: a denied call proceeds, is recorded as deny and tracks a policy_violation, silently", async () => {
    install({ enforcement: "log", cedarEvaluator: evaluator });
    const res = await fetch(`${server.url}/evil-log`);
    expect(res.status).toBe(200);
    expect(server.paths()).toContain("/evil-log");
    const [call] = client.of("api_call", "/evil-log");
    expect(call!.metadata).toEqual({
      decision: "deny",
      enforcement: "log",
      policy_ids: ["no-evil-path"],
      blocked: false,
      library: "fetch",
    });
    const [violation] = client.of("policy_violation", "/evil-log");
    expect(violation!.payload).toEqual({ ...call!.payload, reasons: ["forbidden by policy no-evil-path"] });
    expect(client.warnings).toEqual([]);
  });

  it("warn mode: as log, plus one warning line per violation", async () => {
    install({ enforcement: "warn", cedarEvaluator: evaluator });
    expect((await fetch(`${server.url}/evil-warn`)).status).toBe(200);
    expect((await fetch(`${server.url}/fine`)).status).toBe(200);
    expect(client.warnings).toHaveLength(1);
    expect(client.warnings[0]).toMatch(
      /^Policy violation \(allowed\): GET http:\/\/127\.0\.0\.1:\d+\/evil-warn/,
    );
    expect(client.of("policy_violation")).toHaveLength(1);
    expect(client.of("api_call")).toHaveLength(2);
  });

  it("block mode: rejects with PolicyViolationError itself, and the request never leaves the process", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const before = server.seen.length;
    const err = await fetch(`${server.url}/evil-block`, { method: "PUT", body: "secret stuff" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect(err).toBeInstanceOf(TruseraError);
    const pve = err as PolicyViolationError;
    expect(pve.constructor.name).toBe("PolicyViolationError");
    expect(pve.code).toBe("TRUSERA_POLICY_VIOLATION");
    expect(pve.decision).toBe("deny");
    expect(pve.policyIds).toEqual(["no-evil-path"]);
    expect(pve.message).toMatch(/^\[Trusera\] Policy violation: PUT http:\/\/127\.0\.0\.1:\d+\/evil-block/);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.seen.length).toBe(before);
    const [call] = client.of("api_call", "/evil-block");
    expect(call!.payload).toMatchObject({ status_code: null, request_size_bytes: 0, response_size_bytes: 0 });
    expect(call!.payload.error).toContain("Policy violation");
    expect(call!.metadata).toMatchObject({ decision: "deny", enforcement: "block", blocked: true });
    expect(client.of("policy_violation", "/evil-block")).toHaveLength(1);
    // Allowed calls still go through.
    expect((await fetch(`${server.url}/fine`)).status).toBe(200);
  });

  it("decides on header names and method: a POST with credentials to /upload is blocked, without them it passes", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    await expect(
      fetch(`${server.url}/upload`, { method: "POST", headers: { authorization: "Bearer x" }, body: "{}" }),
    ).rejects.toMatchObject({ policyIds: ["no-posts-with-auth"] });
    const ok = await fetch(`${server.url}/upload`, { method: "POST", body: "{}" });
    expect(ok.status).toBe(200);
    // A Request object carries its method and headers the same way.
    const req = new Request(`${server.url}/upload`, {
      method: "POST",
      headers: { Authorization: "Bearer y" },
      body: "x",
    });
    await expect(fetch(req)).rejects.toBeInstanceOf(PolicyViolationError);
  });

  it("records each redirect hop, and blocks a redirect to a forbidden path (as fetch reports network errors)", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    const res = await fetch(`${server.url}/redirect?to=/landing`);
    expect(await res.text()).toBe("hello /landing");
    const hops = client
      .of("api_call")
      .map((e) => [e.payload.status_code, new URL(e.payload.url).pathname, e.metadata.library]);
    // The wrapper's decision goes with the dispatch fetch makes within the call; fetch dispatches the hop
    // later, through the global dispatcher, as undici.
    expect(hops).toEqual([
      [302, "/redirect", "fetch"],
      [200, "/landing", "undici"],
    ]);
    const err = await fetch(`${server.url}/redirect?to=/evil-target`).catch((e: unknown) => e);
    // Only the first request was decided by the fetch wrapper; the hop is refused at dispatch, which
    // fetch wraps in its TypeError.
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).cause).toBeInstanceOf(PolicyViolationError);
    expect(server.paths()).not.toContain("/evil-target");
  });

  it("leaves URLs matching excludePatterns alone: no event, no decision", async () => {
    install({
      enforcement: "block",
      cedarEvaluator: evaluator,
      excludePatterns: ["/evil-excluded$", /\/skip/],
    });
    expect((await fetch(`${server.url}/evil-excluded`)).status).toBe(200);
    expect((await fetch(`${server.url}/skip/me`)).status).toBe(200);
    expect(client.events).toEqual([]);
  });

  it("captures bodies when asked, scrubbed of secrets and capped", async () => {
    install({ enforcement: "log", captureBodies: { maxBytes: 120 } });
    await (
      await fetch(`${server.url}/json`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "cats", password: "hunter2", key: "sk-ant-abcdefghijklmnopqrstu" }),
      })
    ).text();
    const [event] = client.of("api_call");
    expect(JSON.parse(event!.payload.request_body)).toEqual({
      query: "cats",
      password: "[REDACTED]",
      key: "[REDACTED]",
    });
    expect(event!.payload.response_body).toContain('"token":"[REDACTED]"');
    await (await fetch(`${server.url}/bytes?n=5000`)).arrayBuffer();
    expect(client.of("api_call", "/bytes")[0]!.payload).toMatchObject({
      response_size_bytes: 5000,
      response_body: "[application/octet-stream, 5000 bytes]",
    });
    await fetch(`${server.url}/long`, { method: "POST", body: `text=${"a".repeat(300)}&secret=hunter2` });
    expect(client.of("api_call", "/long")[0]!.payload.request_body).toBe(
      `text=${"a".repeat(115)}…[truncated, 320 bytes]`,
    );
    await fetch(`${server.url}/form`, { method: "POST", body: "user=bob&password=hunter2" });
    expect(client.of("api_call", "/form")[0]!.payload.request_body).toBe("user=bob&password=[REDACTED]");
  });

  it("reports a network failure as an event with the error, and rejects as fetch does", async () => {
    install({ enforcement: "log" });
    const port = await freePort();
    const err = await fetch(`http://127.0.0.1:${port}/nothing-here`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    const [event] = client.of("api_call");
    expect(event!.payload.status_code).toBeNull();
    expect(event!.payload.error).toMatch(/ECONNREFUSED/);
  });

  it("hands its decision only to the dispatch fetch makes within the call (a data: URL makes none)", async () => {
    const early = globalThis.fetch; // through the global dispatcher alone, as undici
    for (const options of [
      { enforcement: "log" as const },
      { enforcement: "block" as const, cedarEvaluator: evaluator },
    ]) {
      install(options);
      expect(await (await fetch("data:text/plain,hi")).text()).toBe("hi");
      await (await early(`${server.url}/after-data`)).text();
      await (await fetch(`${server.url}/through-wrapper`)).text();
      const seen = client.of("api_call").map((e) => [e.metadata.library, new URL(e.payload.url).pathname]);
      // Had the data: call left its decision behind, the next dispatch would have been recorded as it.
      expect(seen).toEqual([
        ["undici", "/after-data"],
        ["fetch", "/through-wrapper"],
      ]);
      interceptor.uninstall();
      await client.close();
    }
  });

  it("passes what it cannot describe straight to fetch, which reports its own error", async () => {
    install({ enforcement: "block", cedarEvaluator: evaluator });
    await expect(fetch("/relative/path")).rejects.toThrow(TypeError);
    expect(client.events).toEqual([]);
  });
});

import axios, { AxiosError } from "axios";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, PolicyViolationError, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// axios 1.x: the default instance and axios.create instances (made before and after install), against
// a real loopback server. Each call is decided once and recorded once, as library "axios".

let server: Loopback;
let evaluator: CedarEvaluator;
const interceptor = new TruseraInterceptor();
let client: RecordingClient;
let early: ReturnType<typeof axios.create>;

beforeAll(async () => {
  server = await startLoopback();
  evaluator = new CedarEvaluator();
  await evaluator.loadPolicy(
    `@id("no-evil") forbid (principal, action == Action::"api_call", resource) when { context.path like "/evil*" };`,
  );
  early = axios.create({ baseURL: server.url, headers: { "x-api-key": "k-123" } });
});

afterEach(async () => {
  interceptor.uninstall();
  await client?.close();
});

afterAll(async () => {
  await server.close();
});

async function install(options: Parameters<TruseraInterceptor["install"]>[1]) {
  client = new RecordingClient();
  // The test's `axios` is passed explicitly too, whichever copy (ESM or CommonJS) vitest resolved.
  interceptor.install(client, { axios, ...options });
  await interceptor.ready();
}

describe("axios", () => {
  it("records the default instance and instances created before and after install, once each", async () => {
    await install({ enforcement: "log" });
    const late = axios.create({ baseURL: server.url });
    expect((await axios.get(`${server.url}/a-default`)).data).toBe("hello /a-default");
    expect((await early.post("/a-early", { q: 1 })).status).toBe(200);
    expect((await late.get("/a-late", { params: { page: 2, token: "sekrit" } })).status).toBe(200);
    expect((await late.request({ url: "/a-request", method: "delete" })).status).toBe(200);
    expect((await early("/a-callable")).status).toBe(200);
    const calls = client.of("api_call").map((e) => [e.metadata.library, e.payload.method, e.payload.url]);
    expect(calls).toEqual([
      ["axios", "GET", `${server.url}/a-default`],
      ["axios", "POST", `${server.url}/a-early`],
      ["axios", "GET", `${server.url}/a-late?page=2&token=[REDACTED]`],
      ["axios", "DELETE", `${server.url}/a-request`],
      ["axios", "GET", `${server.url}/a-callable`],
    ]);
    const post = client.of("api_call", "/a-early")[0]!;
    expect(post.payload).toMatchObject({
      status_code: 200,
      request_size_bytes: 7,
      response_size_bytes: 14,
    });
    expect(post.payload.request_headers).toMatchObject({ "x-api-key": "[REDACTED]" });
  });

  it("block mode: rejects with the PolicyViolationError itself, for every kind of instance; nothing is sent", async () => {
    await install({ enforcement: "block", cedarEvaluator: evaluator });
    const late = axios.create({ baseURL: server.url });
    for (const call of [
      () => axios.get(`${server.url}/evil-default`),
      () => early.post("/evil-early", { secret: "x" }),
      () => late.put("/evil-late"),
      () => early("/evil-callable"),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PolicyViolationError);
      expect((err as PolicyViolationError).library).toBe("axios");
    }
    expect(server.paths().filter((p) => p.startsWith("/evil"))).toEqual([]);
    expect(client.of("policy_violation")).toHaveLength(4);
    expect((await late.get("/fine")).status).toBe(200);
  });

  it("warn mode with a user interceptor rewriting the URL: decides on the final request, warns once", async () => {
    await install({ enforcement: "warn", cedarEvaluator: evaluator });
    const inst = axios.create({ baseURL: server.url });
    inst.interceptors.request.use((config) => ({ ...config, url: "/evil-rewritten" }));
    expect((await inst.get("/harmless")).status).toBe(200);
    expect(server.paths()).toContain("/evil-rewritten");
    expect(client.warnings).toHaveLength(1);
    expect(client.of("api_call")).toHaveLength(1);
    expect(client.of("api_call")[0]!.metadata).toMatchObject({ decision: "deny", library: "axios" });
  });

  it("follows redirects with each hop decided: the first as axios, the next through node:http", async () => {
    await install({ enforcement: "log" });
    const res = await axios.get(`${server.url}/redirect?to=/hop-target`);
    expect(res.data).toBe("hello /hop-target");
    const calls = client.of("api_call").map((e) => [e.metadata.library, e.payload.status_code]);
    expect(calls).toEqual([
      ["axios", 302],
      ["http", 200],
    ]);
  });

  it("records axios on its fetch adapter once, as axios", async () => {
    await install({ enforcement: "block", cedarEvaluator: evaluator });
    const res = await axios.get(`${server.url}/via-fetch-adapter`, { adapter: "fetch" });
    expect(res.status).toBe(200);
    const calls = client.of("api_call");
    expect(calls.map((e) => e.metadata.library)).toEqual(["axios"]);
    await expect(axios.get(`${server.url}/evil-fetch-adapter`, { adapter: "fetch" })).rejects.toBeInstanceOf(
      PolicyViolationError,
    );
  });

  it("records a call on a custom adapter that no transport hook sees, when it settles", async () => {
    await install({ enforcement: "log" });
    const res = await axios.get(`${server.url}/custom`, {
      adapter: async (config) => ({
        data: "canned",
        status: 201,
        statusText: "Created",
        headers: {},
        config,
      }),
    });
    expect(res.data).toBe("canned");
    const [event] = client.of("api_call");
    expect(event!.payload.status_code).toBe(201);
    expect(event!.metadata.library).toBe("axios");
    expect(server.paths()).not.toContain("/custom");
  });

  it("reports an HTTP error status as recorded and rejects as axios does", async () => {
    await install({ enforcement: "log" });
    const err = await axios.get(`${server.url}/redirect?to=/x`, { maxRedirects: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AxiosError);
    expect(client.of("api_call")[0]!.payload.status_code).toBe(302);
  });

  it("uninstall restores Axios.prototype exactly", async () => {
    const proto = axios.Axios.prototype as unknown as Record<string, unknown>;
    const before = proto._request;
    await install({ enforcement: "log" });
    expect(proto._request).not.toBe(before);
    interceptor.uninstall();
    expect(proto._request).toBe(before);
    await axios.get(`${server.url}/after-uninstall`);
    expect(client.of("api_call", "/after-uninstall")).toEqual([]);
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ServerProcess, startServerProcess, tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { runNode } from "./support/run-node.js";

// The event thread only exists in the BUILT package (dist/event-worker.js and .cjs; from the TypeScript
// sources the interceptor builds events on the calling thread): these run it in fresh Node processes,
// against a real trusera-server, and read back what was stored.

let server: ServerProcess;
let target: Loopback;
beforeAll(async () => {
  [server, target] = await Promise.all([startServerProcess(), startLoopback()]);
});
afterAll(async () => {
  await Promise.all([server?.dispose(), target?.close()]);
});

interface Stored {
  name: string;
  type: string;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

async function eventsOf(agent: string): Promise<Stored[]> {
  const res = await server.api("GET", `/api/v1/events?agent_id=${agent}&limit=1000`);
  return res.body.events as Stored[];
}

// Calls through every input form fetch takes, with secrets in the query, the fragment and a header.
// No flush() and no close(): the exit flush must wait for the event thread.
const calls = (agent: string, thread: string) => `
const client = new TruseraClient({ apiKey: process.env.KEY, baseUrl: process.env.URL, agentId: "${agent}" });
const interceptor = new TruseraInterceptor().install(client, { enforcement: "log", eventThread: "${thread}" });
const T = process.env.TARGET;
for (let i = 0; i < 300; i++) await (await fetch(T + "/w/" + (i % 3) + "?token=s3cr3t&page=" + (i % 2) + "#access_token=fr4g")).text();
await (await fetch(new URL(T + "/u?q=1"))).text();
await (await fetch(T + "/p", { method: "post", body: "hello", headers: { Authorization: "Bearer abcdefghijklmnop", "X-Trace": "1" } })).text();
await (await fetch(new Request(T + "/r?api_key=k3y", { method: "PUT", body: "x" }))).text();
console.log(JSON.stringify({ thread: interceptor.status.eventThread }));
`;

const comparable = (e: Stored) => {
  const { duration_ms: _, ...payload } = e.payload;
  return { name: e.name, type: e.type, payload, metadata: e.metadata };
};
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

describe("events built on the interceptor's event thread (built package)", () => {
  it("are stored exactly as events built on the application's thread, redacted, and delivered at exit (ESM)", async () => {
    const env = { KEY: server.apiKey, URL: server.url, TARGET: target.url };
    const imp = `import { TruseraClient, TruseraInterceptor } from "trusera-sdk";`;
    const [worker, main] = await Promise.all([
      runNode(["--input-type=module", "-e", `${imp}\n${calls("thread-worker", "worker")}`], env),
      runNode(["--input-type=module", "-e", `${imp}\n${calls("thread-main", "main")}`], env),
    ]);
    expect(worker.code, worker.stderr).toBe(0);
    expect(main.code, main.stderr).toBe(0);
    expect(JSON.parse(worker.stdout)).toEqual({ thread: "worker" });
    expect(JSON.parse(main.stdout)).toEqual({ thread: "main" });
    // The worker never keeps the process: it exits as soon as the events are delivered.
    expect(worker.ms).toBeLessThan(15_000);

    const got = await eventsOf("thread-worker");
    const want = await eventsOf("thread-main");
    expect(got).toHaveLength(303);
    expect(got.map(comparable).sort(byName)).toEqual(want.map(comparable).sort(byName));

    const text = JSON.stringify(got);
    expect(text).not.toMatch(/s3cr3t|fr4g|abcdefghijklmnop|k3y/);
    const first = got.find((e) => e.name.includes("/w/0"))!;
    expect(first.payload).toMatchObject({
      method: "GET",
      status_code: 200,
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/w\/0\?token=\[REDACTED\]&page=[01]$/),
      response_size_bytes: expect.any(Number),
    });
    expect(first.metadata).toMatchObject({ library: "fetch", decision: "allow", enforcement: "log" });
    const post = got.find((e) => e.name.startsWith("POST"))!;
    expect(post.payload).toMatchObject({
      request_size_bytes: 5,
      request_headers: { authorization: "[REDACTED]", "x-trace": "1" },
    });
    expect(got.find((e) => e.name.startsWith("PUT"))!.payload.url).toBe(`${target.url}/r?api_key=[REDACTED]`);
  });

  it("delivers on close() every call that ended before it, and drops later ones, counted (CommonJS)", async () => {
    const r = await runNode(
      [
        "-e",
        `const { TruseraClient, TruseraInterceptor } = require("trusera-sdk");
(async () => {
  const client = new TruseraClient({ apiKey: process.env.KEY, baseUrl: process.env.URL, agentId: "thread-close" });
  const interceptor = new TruseraInterceptor().install(client, { enforcement: "log" });
  for (let i = 0; i < 40; i++) await (await fetch(process.env.TARGET + "/c/" + i)).text();
  await client.close();
  await (await fetch(process.env.TARGET + "/after-close")).text();
  // Its batch goes to the event thread within 100 ms; it is counted when it comes back.
  for (let i = 0; i < 100 && client.stats.afterClose === 0; i++) await new Promise((r) => setTimeout(r, 20));
  console.log(JSON.stringify({ thread: interceptor.status.eventThread, stats: client.stats }));
  interceptor.uninstall();
})();`,
      ],
      { KEY: server.apiKey, URL: server.url, TARGET: target.url },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.thread).toBe("worker");
    expect(out.stats).toMatchObject({ sent: 40, afterClose: 1, queued: 0, dropped: 0 });
    const names = (await eventsOf("thread-close")).map((e) => e.name);
    expect(names).toHaveLength(40);
    expect(names.some((n) => n.includes("after-close"))).toBe(false);
  });

  it("is not used where events must stay on the calling thread", async () => {
    const r = await runNode(
      [
        "--input-type=module",
        "-e",
        `import { TruseraClient, TruseraInterceptor } from "trusera-sdk";
const opts = { apiKey: "tsk_${"x".repeat(32)}", baseUrl: "http://127.0.0.1:9", logger: { debug() {}, warn() {} } };
class Mine extends TruseraClient { track(e) { super.track(e); } }
const i = new TruseraInterceptor();
const seen = [];
seen.push(i.install(new TruseraClient(opts)).status.eventThread);
seen.push(i.install(new Mine(opts)).status.eventThread);
seen.push(i.install(new TruseraClient(opts), { captureBodies: true }).status.eventThread);
seen.push(i.install(null).status.eventThread);
i.uninstall();
seen.push(i.status.eventThread);
console.log(JSON.stringify(seen));
process.exit(0);`,
      ],
      {},
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(["worker", "main", "main", "main", null]);
  });

  it("starts no event thread from within the event thread when a NODE_OPTIONS preload installs one everywhere", async () => {
    // A preload given by NODE_OPTIONS runs in every worker thread too (transient-trace's guard is one).
    const dir = tempDir("event-thread-preload-");
    try {
      const preload = join(dir.path, "preload.cjs");
      writeFileSync(
        preload,
        `const sdk = require(require.resolve("trusera-sdk", { paths: [process.cwd()] }));
const { threadId } = require("node:worker_threads");
const client = new sdk.TruseraClient({ apiKey: "tsk_${"p".repeat(32)}", baseUrl: "http://127.0.0.1:9", logger: { debug() {}, warn() {} } });
const i = new sdk.TruseraInterceptor().install(client);
process.stdout.write("thread " + threadId + ": " + i.status.eventThread + "\\n");`,
      );
      // Long enough for the event thread to start and run the preload on a loaded machine (300 ms was not).
      const r = await runNode(["-e", "setTimeout(() => {}, 2000)"], { NODE_OPTIONS: `--require ${preload}` });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split("\n").sort()).toEqual(["thread 0: worker", "thread 1: main"]);
    } finally {
      dir.remove();
    }
  });
});

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, type ServerProcess, startServerProcess, waitFor } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The demo agent `npm start` runs, as a real process against a real server: what it reports must come
// from real decisions against the project's active policy, so changing the policy changes what it does.

type Stored = {
  type: string;
  name: string;
  timestamp: string;
  payload: Record<string, any>;
  metadata: Record<string, any>;
};

let server: ServerProcess;
let demo: ChildProcess;
let demoErr = "";

async function activate(policies: string): Promise<void> {
  const res = await server.api("POST", "/api/v1/policies", { policies, description: "test", activate: true });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function events(): Promise<Stored[]> {
  const res = await server.api("GET", "/api/v1/events?agent_id=demo-agent&limit=500");
  expect(res.status).toBe(200);
  return res.body.events;
}

const starter = readFileSync(join(REPO_ROOT, "examples/demo-agent/starter-policy.cedar"), "utf8");
const exfil = (e: Stored) => e.name.startsWith("POST http://exfil.example.net");

beforeAll(async () => {
  server = await startServerProcess();
  await activate(starter);
  demo = spawn(process.execPath, [join(REPO_ROOT, "examples/demo-agent/demo-agent.mjs")], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      TRUSERA_API_KEY: server.apiKey,
      TRUSERA_API_URL: server.url,
      DEMO_INTERVAL_MS: "400",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  demo.stderr!.on("data", (d) => (demoErr += d));
});

afterAll(async () => {
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo.once("exit", r));
    demo.kill("SIGTERM");
    await exited;
  }
  await server?.dispose();
});

describe("the demo agent", () => {
  it("is decided by the starter policy: uploads to exfil.example.net and delete_records are blocked", async () => {
    await waitFor(async () => (await events()).some(exfil), { timeoutMs: 30_000, intervalMs: 200 });
    const stored = await events();
    const uploads = stored.filter(exfil);
    expect(uploads.length, demoErr).toBeGreaterThan(0);
    for (const e of uploads) {
      expect(e.metadata.decision).toBe("deny");
      expect(e.metadata.policy_ids).toEqual(["no-exfil"]);
    }
    const deletes = stored.filter((e) => e.type === "tool_call" && e.name === "delete_records");
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.every((e) => e.metadata.decision === "deny")).toBe(true);
    // Nothing synthetic: every event carries the decision the SDK made for it.
    for (const e of stored)
      expect(["allow", "deny", "warn"], `${e.type} ${e.name}`).toContain(e.metadata.decision);
    expect(new Set(stored.map((e) => e.type))).toEqual(
      new Set([
        "api_call",
        "tool_call",
        "llm_invoke",
        "decision",
        "file_write",
        "data_access",
        "policy_violation",
      ]),
    );
  });

  it("follows a new policy version: without no-exfil the upload goes through", async () => {
    const since = Date.now();
    await activate(starter.replace(/@id\("no-exfil"\)[^;]*;/s, ""));
    const allowedUpload = (e: Stored) =>
      exfil(e) && e.type === "api_call" && e.metadata.decision === "allow" && Date.parse(e.timestamp) > since;
    await waitFor(async () => (await events()).some(allowedUpload), { timeoutMs: 30_000, intervalMs: 200 });
    const upload = (await events()).find(allowedUpload)!;
    expect(upload.payload.status_code ?? upload.payload.status).toBe(200);
    // The tool rule is still in force.
    const lateDeletes = (await events()).filter(
      (e) => e.type === "tool_call" && e.name === "delete_records" && Date.parse(e.timestamp) > since,
    );
    expect(lateDeletes.every((e) => e.metadata.decision === "deny")).toBe(true);
  });
});

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, type ServerProcess, startServerProcess } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Runs the seed's snippets (examples/seed/*.ts) as a user would, with tsx, against a real
// trusera-server process, and checks what they print and what the server stored.

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
});

afterAll(async () => {
  await server?.dispose();
});

function runExample(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL(`../seed/${name}`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      cwd: REPO_ROOT,
      env: { ...process.env, TRUSERA_API_KEY: server.apiKey, TRUSERA_API_URL: server.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function stored(
  agent: string,
): Promise<{ type: string; name: string; metadata: Record<string, unknown> }[]> {
  const res = await server.api("GET", `/api/v1/events?agent_id=${encodeURIComponent(agent)}&limit=100`);
  expect(res.status).toBe(200);
  return res.body.events;
}

describe("the seed's snippets", () => {
  it("quick start: a fetch is tracked and delivered", async () => {
    const run = await runExample("quick-start.ts");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("chat completion: 200 Hello from the local upstream.");
    expect(run.stdout).toContain("tracked 1 event(s), delivered 1");
    const events = await stored("my-agent");
    expect(events.map((e) => e.type)).toEqual(["api_call"]);
    expect(events[0]!.name).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions$/);
    expect(events[0]!.metadata).toMatchObject({ decision: "allow", enforcement: "log", library: "fetch" });
  });

  it("interceptor: log, warn (with excludePatterns) and block modes", async () => {
    const run = await runExample("interceptor.ts");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("block mode: refused by unauthorized-api-access");
    expect(run.stderr).toMatch(
      /\[Trusera\] Policy violation \(allowed\): GET http:\/\/127\.0\.0\.1:\d+\/restricted\/data/,
    );
    expect(run.stderr).toContain("Blocked: [Trusera] Policy violation: GET https://restricted-api.com/data");
    expect(run.stderr.match(/\(allowed\)/g)).toHaveLength(1);
    const events = await stored("interceptor-example");
    const summary = events.map((e) => `${e.type} ${e.metadata.enforcement} ${e.metadata.decision}`).sort();
    expect(summary).toEqual(
      [
        "api_call log deny",
        "policy_violation log deny",
        "api_call warn deny",
        "policy_violation warn deny",
        "api_call block deny",
        "policy_violation block deny",
      ].sort(),
    );
  });

  it("CedarEvaluator: the seed's pseudo-Cedar is refused with its position; the real forbid blocks", async () => {
    const run = await runExample("cedar-evaluator.ts");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/the seed's policy is not valid Cedar: line 2, column \d+: .*Action::"\*"/);
    expect(run.stdout).toContain("tool search: deny by no-search-tool");
    expect(run.stdout).toContain(
      "fetch refused: [Trusera] Policy violation: GET https://eu.pastebin.com/raw/x",
    );
    const events = await stored("cedar-example");
    expect(events.map((e) => `${e.type} ${e.name}`).sort()).toEqual(
      [
        "policy_violation search",
        "api_call GET https://eu.pastebin.com/raw/x",
        "policy_violation GET https://eu.pastebin.com/raw/x",
      ].sort(),
    );
  });
});

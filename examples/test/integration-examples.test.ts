import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, type ServerProcess, startServerProcess } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Runs examples/integrations/*.ts as a user would (tsx, the built trusera-sdk), all at once, against
// a real trusera-server process, and checks what they print and what the server stored.

type Run = { code: number | null; stdout: string; stderr: string };
type Stored = { type: string; name: string; payload: Record<string, any>; metadata: Record<string, any> };

let server: ServerProcess;
const runs = new Map<string, Promise<Run>>();

function runExample(name: string): Promise<Run> {
  const file = fileURLToPath(new URL(`../integrations/${name}`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      cwd: REPO_ROOT,
      env: { ...process.env, TRUSERA_API_KEY: server.apiKey, TRUSERA_API_URL: server.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  server = await startServerProcess();
  for (const name of ["langchain.ts", "ai.ts", "openai.ts", "mcp.ts"]) runs.set(name, runExample(name));
  await Promise.all(runs.values());
});

afterAll(async () => {
  await server?.dispose();
});

async function stored(agent: string): Promise<Stored[]> {
  const res = await server.api("GET", `/api/v1/events?agent_id=${encodeURIComponent(agent)}&limit=100`);
  expect(res.status).toBe(200);
  return res.body.events;
}

const kinds = (events: Stored[]) => events.map((e) => `${e.type} ${e.name}`).sort();

describe("the integration examples", () => {
  it("LangChain: the agent reads, is refused the delete, and answers", async () => {
    const run = await runs.get("langchain.ts")!;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("read_file: contents of /tmp/notes.txt");
    expect(run.stdout).toContain(
      "delete_file: PolicyViolationError: [Trusera] Policy violation: tool delete_file denied - forbidden by policy no-delete",
    );
    expect(run.stdout).not.toContain("delete_file ran");
    expect(run.stdout).toContain("tracked 10 event(s), delivered 10");
    const events = await stored("langchain-example");
    expect(kinds(events)).toEqual(
      [
        "decision LangGraph",
        "decision model_request",
        "decision model_request",
        "decision tools",
        "decision tools",
        "llm_invoke gpt-4o-mini",
        "llm_invoke gpt-4o-mini",
        "tool_call read_file",
        "tool_call delete_file",
        "policy_violation delete_file",
      ].sort(),
    );
    expect(events.find((e) => e.type === "llm_invoke")?.payload).toMatchObject({
      input_tokens: 120,
      output_tokens: 30,
      estimated_cost_usd: 0.000036,
    });
  });

  it("Vercel AI SDK: the allowed read runs, the read under /etc stops generateText", async () => {
    const run = await runs.get("ai.ts")!;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("read_file ran on /tmp/notes.txt\nallowed: Read /tmp/notes.txt.");
    expect(run.stdout).toContain(
      "blocked: [Trusera] Policy violation: tool read_file denied - forbidden by policy no-etc",
    );
    expect(run.stdout).not.toContain("read_file ran on /etc/passwd");
    const events = await stored("ai-sdk-example");
    expect(kinds(events)).toEqual(
      [
        "llm_invoke gpt-4o",
        "llm_invoke gpt-4o",
        "llm_invoke gpt-4o",
        "tool_call read_file",
        "tool_call read_file",
        "policy_violation read_file",
      ].sort(),
    );
  });

  it("OpenAI SDK: the weather tool runs, the mass email is refused before it runs", async () => {
    const run = await runs.get("openai.ts")!;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("get_weather: 21°C in Paris");
    expect(run.stdout).toContain(
      "send_email: [Trusera] Policy violation: tool send_email denied - forbidden by policy no-mass-email",
    );
    expect(run.stdout).not.toContain("send_email ran");
    const events = await stored("openai-example");
    expect(kinds(events)).toEqual(
      [
        "llm_invoke gpt-4o-mini",
        "llm_invoke gpt-4o-mini",
        "tool_call get_weather",
        "tool_call send_email",
        "policy_violation send_email",
      ].sort(),
    );
  });

  it("MCP: ls runs on the server, rm never reaches it", async () => {
    const run = await runs.get("mcp.ts")!;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("server ran: ls /tmp");
    expect(run.stdout).not.toContain("server ran: rm");
    expect(run.stdout).toContain(
      "run rm -rf /: [Trusera] Policy violation: tool run denied - forbidden by policy no-rm",
    );
    const events = await stored("mcp-example");
    expect(kinds(events)).toEqual(["tool_call run", "tool_call run", "policy_violation run"].sort());
    expect(events.find((e) => e.metadata.blocked)?.payload).toMatchObject({
      input: { command: "rm -rf /" },
      server: "shell",
      status: "blocked",
    });
  });
});

import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type ServerProcess, startServerProcess } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonV1 } from "./python-v1-venv.js";

const POLICIES = `
@id("no-localhost")
forbid (principal, action == Action::"api_call", resource) when { resource.hostname == "localhost" };
@id("no-delete")
forbid (principal, action == Action::"tool_call", resource == Tool::"delete_file");
@id("intern-no-llm")
forbid (principal == Agent::"intern", action == Action::"llm_invoke", resource);
@id("read-only-github")
forbid (principal, action == Action::"api_call", resource == Host::"api.github.com") when { context.method != "GET" };
`;

const venv = pythonV1();
const offline = "error" in venv && process.env.TRUSERA_OFFLINE === "1";
if (offline) console.warn(`python-sdk-v1: skipped (TRUSERA_OFFLINE=1): ${(venv as { error: string }).error}`);

/**
 * The published Python SDK 1.2.0 (from PyPI, into .cache/), unchanged, against a real server process:
 * its client, @monitor and interceptor in block mode with a policy that forbids a host.
 */
describe.skipIf(offline)("published Python SDK 1.x against the server", () => {
  let server: ServerProcess;
  let target: Server;
  const hits: string[] = [];
  let ingestKey: string;

  beforeAll(async () => {
    if ("error" in venv) throw new Error(`${venv.error}\n(set TRUSERA_OFFLINE=1 to skip this suite offline)`);
    server = await startServerProcess();
    const serverPort = new URL(server.url).port;
    // The client never intercepts URLs that start with its base URL: keep the target's port from
    // starting with the server's.
    do {
      target?.close();
      target = createServer((req, res) => {
        hits.push(req.url ?? "");
        res.end("ok");
      });
      await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    } while (String((target.address() as AddressInfo).port).startsWith(serverPort));
    ingestKey = (await server.api("POST", "/api/v1/keys", { role: "ingest", label: "py" })).body.key;
    const created = await server.api("POST", "/api/v1/policies", { policies: POLICIES, activate: true });
    expect(created.status).toBe(201);
  }, 300_000);

  afterAll(async () => {
    target?.close();
    await server?.dispose();
  });

  it("refuses the forbidden call, enforces tool rules, and stores every event it sends", async () => {
    const port = (target.address() as AddressInfo).port;
    // Asynchronously: the target server answers from this process.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        (venv as { python: string }).python,
        [
          join(import.meta.dirname, "fixtures", "python-sdk-v1", "run_client.py"),
          server.url,
          ingestKey,
          `http://127.0.0.1:${port}/ok`,
          `http://localhost:${port}/secret`,
        ],
        { encoding: "utf8", timeout: 60_000 },
        (err, stdout, stderr) => resolve({ status: err ? ((err.code as number) ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(out).toMatchObject({
      version: "1.2.0",
      allowed_status: 200,
      forbidden: "refused",
      tool_delete_file: "deny",
      tool_search: "allow",
      // Its parser makes a rule of each condition: host, tool (x2), and each policy's inert id.
      rules: 5,
    });
    expect(hits).toEqual(["/ok"]);

    const tracked = out.tracked as { id: string; type: string }[];
    expect(tracked.map((t) => t.type).sort()).toEqual([
      "interception",
      "policy_violation",
      "tool_call",
      "tool_call",
    ]);
    const stored = await server.api("GET", "/api/v1/events?agent_id=py-v1-agent&limit=100");
    const byId = new Map<string, any>(stored.body.events.map((e: any) => [e.id, e]));
    for (const t of tracked) expect(byId.has(t.id.replaceAll("-", "")) || byId.has(t.id), t.type).toBe(true);
    const call = [...byId.values()].find((e) => e.type === "api_call");
    expect(call).toMatchObject({
      name: `GET http://127.0.0.1:${port}/ok`,
      decision: "allow",
      metadata: { sdk_event_type: "interception", enforcement: "block" },
    });
    // The rule that refused it names our policy (the id travels inside the rule text the client reports).
    expect([...byId.values()].find((e) => e.type === "policy_violation")).toMatchObject({
      decision: "deny",
      metadata: { policy_ids: ["no-localhost"] },
    });
  });

  it("reports the rules the old client cannot enforce, in the answer and once in the server log", async () => {
    const asked = await server.api("GET", "/api/v1/compat/python-v1/policies");
    expect(asked.body.policies.map((p: any) => p.id).sort()).toEqual(["no-delete", "no-localhost"]);
    expect(asked.body.left_out.map((l: any) => l.id).sort()).toEqual(["intern-no-llm", "read-only-github"]);
    // Our own SDKs still get the bundle from the same path.
    const bundle = await server.api("GET", "/api/v1/policies/cedar");
    expect(typeof bundle.body.policies).toBe("string");
    expect(server.output().match(/rule\(s\) left out/g)).toHaveLength(1);
  });
});

import { execFileSync, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { parseReceipts, readReceiptLog, type SealedReceipt, statePaths } from "@trusera/core";
import { CLI } from "./helpers.js";

export const AGENT_DIR = fileURLToPath(new URL("./fixtures/agent/", import.meta.url)).replace(/\/$/, "");

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment a test starts the CLI with: the caller's, minus every transient-trace setting and
 * session variable (the tests may themselves run under a session), plus `env`.
 */
export function cleanEnv(env: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of [
    "TRANSIENT_TRACE_MODE",
    "TRANSIENT_TRACE_SESSION",
    "TRANSIENT_TRACE_STATE_DIR",
    "ATP_POLICY_PATH",
    "NODE_OPTIONS",
    "PYTHONPATH",
  ])
    delete base[k];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...base, ...env })) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Runs the built CLI asynchronously (so that a loopback server in this process keeps answering) and
 * collects its output. Bounded by `timeoutMs`.
 */
export function cli(
  args: string[],
  {
    env = {},
    cwd,
    input,
    timeoutMs = 60_000,
  }: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: cleanEnv(env), stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

/** A loopback HTTP server that records the path of every request it receives. */
export async function loopbackServer(): Promise<{ port: number; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? "");
    res.end("ok\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as { port: number }).port,
    paths,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A real python3 (not a pyenv shim, whose own bash scripts would run under the session). */
export function python3(): string {
  return execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
}

export function receiptsIn(stateDir: string): SealedReceipt[] {
  return parseReceipts(readReceiptLog(statePaths(stateDir)).text);
}

/** The policy of the end-to-end tests: deletes, the loopback host, the forked deleter and the victims' files are denied. */
export const E2E_POLICY = {
  version: 1,
  defaultAction: "allow",
  rules: [
    { id: "no-delete", action: "deny", actionClasses: ["delete"] },
    { id: "no-loopback", action: "deny", actionClasses: ["network"], hosts: ["127.0.0.1"] },
    { id: "no-deleter", action: "deny", commands: ["node *deleter.cjs*"] },
    { id: "no-victims", action: "deny", paths: ["*/victim-claude-*"] },
  ],
} as const;

import { spawn } from "node:child_process";
import { REPO_ROOT } from "@trusera/testing";

export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/**
 * Runs `node ARGS` from the repository root (where the built packages resolve by name) with `env` added
 * to this process's, and collects its output. Killed after `timeoutMs`.
 */
export function runNode(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<NodeRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { PolicyDocument } from "@trusera/core";
import { Client_init } from "../src/index.js";

export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built binary with a state directory of its own and no inherited transient-trace settings. */
export function run(
  args: string[],
  stateDir: string,
  { cwd, env }: { cwd?: string; env?: Record<string, string> } = {},
): Run {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of ["TRANSIENT_TRACE_MODE", "ATP_POLICY_PATH"]) delete base[k];
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: cwd ?? stateDir,
    env: { ...base, TRANSIENT_TRACE_STATE_DIR: stateDir, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const POLICY: PolicyDocument = {
  version: 1,
  defaultAction: "deny",
  rules: [
    { id: "reads", action: "allow", actionClasses: ["read", "write_low"] },
    { id: "no-delete", action: "deny", actionClasses: ["delete"] },
  ],
};

/** Writes `count` receipts through the SDK: mostly allowed reads, every fifth a blocked delete. */
export async function seed(stateDir: string, count: number): Promise<void> {
  const client = Client_init({ agentId: "agent-1", policy: POLICY, stateDir });
  for (let i = 1; i <= count; i++) {
    const deny = i % 5 === 0;
    try {
      await client.executeActionWithReceipt(() => ({ i }), {
        target: `resource-${i}`,
        action_class: deny ? "delete" : "read",
      });
    } catch (err) {
      if (!deny) throw err;
    }
  }
  await client.close();
}

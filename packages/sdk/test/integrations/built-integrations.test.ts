import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "@trusera/testing";
import { describe, expect, it } from "vitest";

// The BUILT subpaths (dist/*.js and dist/*.cjs, through the exports map) in fresh Node processes.

function runFixture(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: REPO_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const EXPECTED = { openai: [true, "listed"], langchain: true, ai: true, mcp: true, tracked: 10 };

describe("the built integrations", () => {
  it("CommonJS: share the root entry's classes, and load no framework they do not need", async () => {
    const r = await runFixture("integrations-cjs.cjs");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ...EXPECTED, frameworksLoaded: [] });
  });

  it("ESM: share the root entry's classes", async () => {
    const r = await runFixture("integrations-esm.mjs");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(EXPECTED);
  });
});

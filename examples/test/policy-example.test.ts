import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "@trusera/testing";
import { describe, expect, it } from "vitest";

// The README's `transient-trace run --policy examples/policy.json` needs the file to exist and be valid.
describe("examples/policy.json", () => {
  it("passes `transient-trace policy check`", () => {
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "packages/cli/dist/cli.js"), "policy", "check", "examples/policy.json"],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("4 rule(s), default deny");
  });
});

import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, tempDir } from "@trusera/testing";
import { describe, expect, it } from "vitest";

// A fresh clone has no dist/ when npm links the workspaces' bins (`prepare` builds after), so each bin
// is a committed shim that loads the build; `npx <bin>` then works after one `npm install` / `npm ci`,
// and never asks the registry (neither name is published). Checked by hand from a fresh clone too
// (docs/compatibility.md).
const BINS = [
  { pkg: "server", name: "trusera-server", usage: "Usage: trusera-server" },
  { pkg: "cli", name: "transient-trace", usage: "transient-trace" },
] as const;

const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" });

describe.each(BINS)("the $name bin", ({ pkg, name, usage }) => {
  const dir = join(REPO_ROOT, "packages", pkg);
  const target = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).bin[name] as string;

  it("is a committed, executable file outside dist/", () => {
    expect(target).not.toMatch(/dist\//);
    const path = join("packages", pkg, target);
    // Mode 100755 in the index: what a clone checks out.
    expect(git("ls-files", "-s", "--error-unmatch", path)).toMatch(/^100755 /);
    expect(readFileSync(join(REPO_ROOT, path), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it("runs through npx as the README writes it, from the repository, without the registry", () => {
    const link = join(REPO_ROOT, "node_modules", ".bin", name);
    expect(realpathSync(link), `${link}: run npm install once after pulling this change`).toBe(
      realpathSync(join(dir, target)),
    );
    const r = spawnSync("npx", ["--no-install", name, "--help"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, npm_config_offline: "true" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(usage);
  });

  it("says what to do when the package is not built", () => {
    const tmp = tempDir("bin-shim-");
    try {
      mkdirSync(join(tmp.path, "bin"));
      writeFileSync(join(tmp.path, "package.json"), '{"type": "module"}');
      const copy = join(tmp.path, "bin", `${name}.js`);
      copyFileSync(join(dir, target), copy);
      const r = spawnSync(process.execPath, [copy, "--help"], { encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${name}: not built yet`);
    } finally {
      tmp.remove();
    }
  });
});

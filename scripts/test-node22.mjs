// The SDK's test suite again on Node 22, the second runtime of the test matrix: Node 22 bundles its own
// copy of undici behind the global fetch, and the interceptor must hold there as on Node 20 (the fetch
// wrapper hands its decision to the dispatch undici makes within the call; see docs/coverage.md).
//
// Node 22 comes from the npm registry (the `node` package, pinned below) into .cache/node22 on first use.
// The server the SDK's tests start runs on this Node (TRUSERA_TEST_SERVER_NODE): its native addon is built
// for it, not for Node 22.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const NODE22 = "22.23.3";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, ".cache", "node22");
const bin = join(dir, "node_modules", "node", "bin", "node");

function version(file) {
  if (!existsSync(file)) return null;
  const r = spawnSync(file, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

if (version(bin) !== `v${NODE22}`) {
  console.log(`test-node22: installing Node ${NODE22} (npm package node@${NODE22}) into .cache/node22`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ private: true, dependencies: { node: NODE22 } }, null, 2)}\n`,
  );
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--no-package-lock"], {
    cwd: dir,
    stdio: "inherit",
  });
  const got = version(bin);
  if (r.status !== 0 || got !== `v${NODE22}`) {
    console.error(
      `test-node22: could not install Node ${NODE22} from the npm registry (npm exited ${r.status}, found ${got ?? "nothing"}).`,
    );
    process.exit(1);
  }
}

console.log(`test-node22: the SDK's tests on Node ${NODE22}`);
const r = spawnSync(bin, [join(root, "node_modules", "vitest", "vitest.mjs"), "run", "packages/sdk"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TRUSERA_TEST_SERVER_NODE: process.execPath },
});
process.exit(r.status ?? 1);

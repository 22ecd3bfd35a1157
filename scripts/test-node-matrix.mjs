// The SDK's test suite again on the other Node majors of the test matrix: 22 and 24 bundle their own
// copies of undici behind the global fetch (24: undici 7), and the interceptor must hold there as on
// Node 20 (the fetch wrapper hands its decision to the dispatch undici makes within the call; see
// docs/coverage.md). They also run what needs Node 22 or later (the Vercel AI SDK 7 tests).
//
// Each Node comes from the npm registry (the `node` package, pinned below) into .cache/node<major> on
// first use. The server the SDK's tests start runs on this Node (TRUSERA_TEST_SERVER_NODE): its native
// addon is built for it, not for the others.
//
//   node scripts/test-node-matrix.mjs          every Node below
//   node scripts/test-node-matrix.mjs 24       one major
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const NODES = { 22: "22.23.3", 24: "24.21.0" };
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function version(file) {
  if (!existsSync(file)) return null;
  const r = spawnSync(file, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The `node` binary of `wanted`, installed into .cache/node<major> when missing; exits when it cannot. */
function nodeBinary(major, wanted) {
  const dir = join(root, ".cache", `node${major}`);
  const bin = join(dir, "node_modules", "node", "bin", "node");
  if (version(bin) === `v${wanted}`) return bin;
  console.log(
    `test-node-matrix: installing Node ${wanted} (npm package node@${wanted}) into .cache/node${major}`,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ private: true, dependencies: { node: wanted } }, null, 2)}\n`,
  );
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--no-package-lock"], {
    cwd: dir,
    stdio: "inherit",
  });
  const got = version(bin);
  if (r.status !== 0 || got !== `v${wanted}`) {
    console.error(
      `test-node-matrix: could not install Node ${wanted} from the npm registry (npm exited ${r.status}, found ${got ?? "nothing"}).`,
    );
    process.exit(1);
  }
  return bin;
}

const asked = process.argv.slice(2);
const unknown = asked.filter((m) => !(m in NODES));
if (unknown.length > 0) {
  console.error(
    `test-node-matrix: no Node ${unknown.join(", ")} in the matrix (${Object.keys(NODES).join(", ")})`,
  );
  process.exit(2);
}
for (const major of asked.length > 0 ? asked : Object.keys(NODES)) {
  const bin = nodeBinary(major, NODES[major]);
  console.log(`test-node-matrix: the SDK's tests on Node ${NODES[major]}`);
  const r = spawnSync(bin, [join(root, "node_modules", "vitest", "vitest.mjs"), "run", "packages/sdk"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TRUSERA_TEST_SERVER_NODE: process.execPath },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

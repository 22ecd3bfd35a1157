#!/usr/bin/env node
// The longer differential run of the compiled Cedar evaluator against cedar-wasm (the test command
// runs 100 runs = 100,000 requests): `node bench/cedar-differential.mjs [runs] [seed]`, e.g. 2000 runs
// for two million requests. Any difference fails, printing the seed that repeats it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [runs = "2000", seed] = process.argv.slice(2);
if (!/^\d+$/.test(runs) || (seed !== undefined && !/^-?\d+$/.test(seed))) {
  console.error("usage: node bench/cedar-differential.mjs [runs] [seed]");
  process.exit(2);
}
const root = fileURLToPath(new URL("..", import.meta.url));
const res = spawnSync("npx", ["vitest", "run", "packages/core/test/cedar-compiled-differential.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    CEDAR_DIFF_RUNS: runs,
    CEDAR_DIFF_VERBOSE: "1",
    ...(seed ? { CEDAR_DIFF_SEED: seed } : {}),
  },
});
process.exit(res.status ?? 1);

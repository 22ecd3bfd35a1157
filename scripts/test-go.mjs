// The Go SDK's test suite (go/): `go vet ./...`, then `go test -race ./...`, whose integration tests
// start the built trusera-server (packages/server/dist) on a loopback port; `npm test` builds it first.
// /usr/local/go/bin is put on PATH. Without a Go toolchain this prints one notice and exits 0: the
// Go SDK is optional for the rest of the repository (`.ci/run` installs Go, so CI always runs it).
// Output stays quiet on success: one summary line; the whole output of a failing step otherwise.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "go");
const env = { ...process.env, PATH: [process.env.PATH, "/usr/local/go/bin"].filter(Boolean).join(delimiter) };

const version = spawnSync("go", ["version"], { env, encoding: "utf8" });
if (version.error || version.status !== 0) {
  console.log(
    "test-go: skipped, no Go toolchain on PATH or in /usr/local/go/bin (install Go 1.26 or later to run the Go SDK's tests)",
  );
  process.exit(0);
}
if (!existsSync(join(root, "packages", "server", "dist", "cli.js"))) {
  console.error(
    "test-go: packages/server/dist/cli.js is missing: run `npm run build` first (the integration tests start it)",
  );
  process.exit(1);
}

function step(args, cwd = dir) {
  const started = Date.now();
  const res = spawnSync("go", args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const out = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  if (res.error || res.status !== 0) {
    process.stderr.write(out);
    console.error(
      `test-go: \`go ${args.join(" ")}\` failed${res.error ? `: ${res.error.message}` : ` (exit ${res.status})`}`,
    );
    process.exit(1);
  }
  return { out, seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

step(["vet", "./..."]);
// The runnable example and the benchmark program are modules of their own: vetted so they never rot
// (the example also runs, in go/example_agent_test.go).
step(["vet", "./..."], join(root, "examples", "go"));
step(["vet", "./..."], join(root, "bench", "go"));
const test = step(["test", "-race", "-count=1", "-v", "./..."]);
const passed = (test.out.match(/^\s*--- PASS/gm) ?? []).length;
const skipped = test.out.match(/^\s*--- SKIP.*$/gm) ?? [];
const failed = (test.out.match(/^\s*--- FAIL/gm) ?? []).length;
for (const line of skipped) console.log(`test-go: ${line.trim()}`);
console.log(`test-go: ${version.stdout.trim()}, go test -race took ${test.seconds}s`);
console.log(`test-go: ${passed} passed, ${failed} failed, ${skipped.length} skipped`);

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Loading the Cedar engine must protect the process from a V8 11 abort that cedar-wasm's bindings can
// trigger under load (see avoidWasmDeoptAbort in packages/core/src/cedar/engine.ts).

const fixture = fileURLToPath(new URL("./fixtures/wasm-deopt-abort.mjs", import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [fixture, ...args], { encoding: "utf8", timeout: 60_000 });
const v8Major = Number(process.versions.v8.split(".")[0]);

describe("V8 deoptimization abort with an inlined JS-to-Wasm call", () => {
  it.runIf(v8Major === 11)("aborts this Node without the workaround (the reproducer is real)", () => {
    const r = run();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("unreachable code");
  });

  it("does not abort once the Cedar engine is loaded", () => {
    const r = run("--load-cedar");
    expect(r.stderr).not.toContain("Fatal error");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("survived string true");
  });
});

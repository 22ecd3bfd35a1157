import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// CompiledPolicySet calls the engine through opaqueCall so that a V8 11 bug cannot abort the process
// (see opaqueCall in src/cedar/engine.ts). The fixture reproduces the bug with a tiny wasm module.

const fixture = fileURLToPath(new URL("./fixtures/wasm-deopt.mts", import.meta.url));
const run = (mode: string) =>
  spawnSync(process.execPath, ["--import", "tsx", fixture, mode], { encoding: "utf8", timeout: 60_000 });
const v8Major = Number(process.versions.v8.split(".")[0]);

describe("V8 abort on deoptimization across an inlined JS-to-Wasm call", () => {
  it.runIf(v8Major === 11)("is real on this Node: a direct call aborts the process", () => {
    const r = run("direct");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("unreachable code");
  });

  it("does not happen through opaqueCall, as the engine calls Cedar", () => {
    const r = run("opaque");
    expect(r.stderr).not.toContain("Fatal error");
    expect(r.stdout).toBe("survived string");
    expect(r.status).toBe(0);
  });
});

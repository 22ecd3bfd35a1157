import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runNode } from "../support/run-node.js";

// The BUILT subpaths (dist/*.js and dist/*.cjs, through the exports map) in fresh Node processes.

function runFixture(name: string) {
  return runNode([fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))]);
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

  it("ESM: the root entry's TruseraLangChainHandler (the seed's import) works as the subpath's", async () => {
    const r = await runFixture("integrations-root-langchain.mjs");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ...EXPECTED, instanceOf: true });
  });
});

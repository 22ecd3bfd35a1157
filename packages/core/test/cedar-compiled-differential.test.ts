import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicySetSync, loadCedar } from "../src/cedar/engine.js";
import type { CedarRequest } from "../src/cedar/types.js";
import { compareAnswers } from "./cedar-compiled/compare.js";
import { ACTIONS, policySet, request } from "./cedar-compiled/generators.js";

// Differential proof that the compiled evaluator answers as cedar-wasm does. Each run generates
// SETS policy sets and REQUESTS requests, and decides every request, once per action, against every
// set with both (generating is the slow part, so each generated thing is used many times).
// The engine's own answer is most of the cost (a few hundred µs each on a busy 2-core machine).
// CEDAR_DIFF_RUNS=2000 (bench/cedar-differential.mjs) is the longer run.
const RUNS = Number(process.env.CEDAR_DIFF_RUNS ?? 100);
const SETS = 2;
const REQUESTS = 125;
const PER_RUN = SETS * REQUESTS * ACTIONS.length;

describe("compiled Cedar evaluator vs cedar-wasm", () => {
  it(`answers ${RUNS * PER_RUN} generated requests exactly as the engine does`, {
    timeout: Math.max(300_000, RUNS * 3_000), // the long run (bench/cedar-differential.mjs) takes minutes
  }, async () => {
    const engine = await loadCedar();
    let cases = 0;
    let answered = 0; // by the compiled evaluator itself, not handed to the engine
    let sets = 0;
    const run = fc.check(
      fc.property(
        fc.array(fc.tuple(policySet, fc.constantFrom<"allow" | "deny">("allow", "deny")), {
          minLength: SETS,
          maxLength: SETS,
        }),
        fc.array(request, { minLength: REQUESTS, maxLength: REQUESTS }),
        (generated, requests) => {
          const variants: CedarRequest[] = requests.flatMap((req) =>
            ACTIONS.map((id) => ({ ...req, action: { type: "Action", id } })),
          );
          for (const [text, defaultDecision] of generated) {
            const compiled = compilePolicySetSync(engine, text, {
              defaultDecision,
              slot: "cedar-differential",
            });
            if (!compiled.ok) continue; // text the engine refuses decides nothing
            sets++;
            const set = compiled.policySet;
            for (const req of variants) {
              cases++;
              const wasm = set.evaluateWithEngine(req);
              const own = set.evaluateCompiled(req);
              if (own === null) continue; // `evaluate` hands this one to the engine (see the corpus test)
              answered++;
              compareAnswers(own, wasm, text, req);
              compareAnswers(set.evaluate(req), wasm, text, req);
            }
          }
        },
      ),
      { numRuns: RUNS, seed: process.env.CEDAR_DIFF_SEED ? Number(process.env.CEDAR_DIFF_SEED) : undefined },
    );
    // Only the differing case is shown (the shrunk input holds many requests).
    if (run.failed) {
      const message = (run.errorInstance as Error | undefined)?.message ?? String(run.errorInstance);
      throw new Error(`seed ${run.seed} (CEDAR_DIFF_SEED=${run.seed} repeats it):\n${message}`);
    }
    expect(cases).toBeGreaterThanOrEqual(RUNS * PER_RUN * 0.9);
    // The proof is only worth its name if the compiled evaluator answers most cases itself.
    expect(answered / cases).toBeGreaterThan(0.5);
    if (process.env.CEDAR_DIFF_VERBOSE) {
      console.log(`${cases} cases over ${sets} sets; ${answered} answered by the compiled evaluator`);
    }
  });
});

import type * as CedarWasm from "@cedar-policy/cedar-wasm/nodejs";
import { type CompiledEvaluator, compilePolicies } from "./evaluator.js";

/**
 * The engine's `policyToJson`, called through `opaqueCall` (engine.ts): called in a loop, a direct
 * call would be inlined by TurboFan, which can abort the process on deoptimization (seen here).
 */
export type PolicyToJson = typeof CedarWasm.policyToJson;

/** Policies compiled per slice before yielding to the event loop: a slice stays well under 50 ms. */
const SLICE_MS = 8;

/**
 * The engine's JSON of each policy (it parsed them already), compiled. Null when the engine cannot
 * give the JSON of one: the set then stays with the engine.
 */
export function compileFromEngine(
  policyToJson: PolicyToJson,
  policies: Record<string, string>,
): CompiledEvaluator | null {
  const entries: [string, unknown][] = [];
  for (const [id, text] of Object.entries(policies)) {
    const answer = policyToJson(text);
    if (answer.type !== "success") return null;
    entries.push([id, answer.json]);
  }
  return compilePolicies(entries);
}

/**
 * `compileFromEngine` in slices of a few milliseconds between which other work on the event loop runs
 * (a large set takes tens of milliseconds to compile). Resolves to null on failure.
 */
export function compileFromEngineInSlices(
  policyToJson: () => PolicyToJson,
  policies: Record<string, string>,
): Promise<CompiledEvaluator | null> {
  const todo = Object.entries(policies);
  const entries: [string, unknown][] = [];
  return new Promise((resolve) => {
    const step = () => {
      try {
        const until = performance.now() + SLICE_MS;
        const toJson = policyToJson();
        while (entries.length < todo.length && performance.now() < until) {
          const [id, text] = todo[entries.length]!;
          const answer = toJson(text);
          if (answer.type !== "success") return resolve(null);
          entries.push([id, answer.json]);
        }
        if (entries.length < todo.length) {
          setImmediate(step);
          return;
        }
        resolve(compilePolicies(entries));
      } catch {
        resolve(null);
      }
    };
    setImmediate(step);
  });
}

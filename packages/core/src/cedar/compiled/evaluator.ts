import type { CedarDecision, CedarRequest } from "../types.js";
import { type CompiledPolicy, compilePolicy } from "./policy.js";
import { PolicyIndex } from "./policy-index.js";
import { toEnv } from "./request.js";
import { FALLBACK } from "./values.js";

// biome-ignore lint/suspicious/noExplicitAny: the engine's JSON policy format (EST), checked node by node
type Json = any;

/**
 * A policy set compiled to JS closures. `decide` answers as cedar-wasm's `isAuthorized` would
 * (decision, the satisfied policies as reasons), or returns null when the engine must answer: a
 * policy failed to evaluate (the engine words its errors), a candidate policy was not compiled, or
 * the request holds something only the engine reads (extension values, floats, escapes).
 */
export class CompiledEvaluator {
  readonly #index: PolicyIndex;
  /** Policies that were not compiled (ids), for reports. */
  readonly uncompiled: readonly string[];

  constructor(readonly policies: readonly CompiledPolicy[]) {
    this.#index = new PolicyIndex(policies);
    this.uncompiled = policies.filter((p) => p.when === null).map((p) => p.id);
  }

  decide(request: CedarRequest): CedarDecision | null {
    let forbids: CompiledPolicy[] | null = null;
    let permits: CompiledPolicy[] | null = null;
    let unordered = false;
    const candidates: CompiledPolicy[] = [];
    try {
      const env = toEnv(request);
      this.#index.candidates(env, candidates);
      for (let i = 0; i < candidates.length; i++) {
        const p = candidates[i]!;
        if (!p.scope(env)) continue;
        if (p.when === null) throw FALLBACK;
        if (!p.when(env)) continue;
        if (p.forbid) {
          if (forbids === null) forbids = [p];
          else {
            if (forbids[forbids.length - 1]!.index > p.index) unordered = true;
            forbids.push(p);
          }
        } else if (permits === null) permits = [p];
        else {
          if (permits[permits.length - 1]!.index > p.index) unordered = true;
          permits.push(p);
        }
      }
    } catch (err) {
      if (err === FALLBACK || err instanceof RangeError) return null; // RangeError: a stack overflow
      throw err;
    }
    const f = forbids as CompiledPolicy[] | null;
    const p = permits as CompiledPolicy[] | null;
    if (f !== null) return { decision: "deny", policyIds: ids(f, unordered), errors: [] };
    if (p !== null) return { decision: "allow", policyIds: ids(p, unordered), errors: [] };
    return { decision: "deny", policyIds: [], errors: [] };
  }
}

// The engine lists reasons in no fixed order (a hash set); here they follow the policy text.
function ids(list: CompiledPolicy[], unordered: boolean): string[] {
  if (unordered) list.sort((a, b) => a.index - b.index);
  return list.map((p) => p.id);
}

/** Compiles the engine's JSON of each policy, in set order. */
export function compilePolicies(entries: readonly (readonly [id: string, json: Json])[]): CompiledEvaluator {
  return new CompiledEvaluator(entries.map(([id, json], i) => compilePolicy(id, i, json)));
}

import type { CedarDecision, CedarRequest } from "../types.js";
import { type CompiledPolicy, compilePolicy } from "./policy.js";
import { type Found, PolicyIndex } from "./policy-index.js";
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
    const found: Found = { forbids: null, permits: null, unordered: false };
    try {
      this.#index.visit(toEnv(request), found);
    } catch (err) {
      if (err === FALLBACK || err instanceof RangeError) return null; // RangeError: a stack overflow
      throw err;
    }
    const { forbids, permits, unordered } = found;
    if (forbids !== null) return { decision: "deny", policyIds: ids(forbids, unordered), errors: [] };
    if (permits !== null) return { decision: "allow", policyIds: ids(permits, unordered), errors: [] };
    return { decision: "deny", policyIds: [], errors: [] };
  }
}

// The engine lists reasons in no fixed order (a hash set); here they follow the policy text.
function ids(list: CompiledPolicy[], unordered: boolean): string[] {
  if (unordered) list.sort((a, b) => a.index - b.index);
  const out: string[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i]!.id;
  return out;
}

/** Compiles the engine's JSON of each policy, in set order. */
export function compilePolicies(entries: readonly (readonly [id: string, json: Json])[]): CompiledEvaluator {
  return new CompiledEvaluator(entries.map(([id, json], i) => compilePolicy(id, i, json)));
}

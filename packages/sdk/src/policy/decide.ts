import type { CedarRequest } from "@trusera/core";
import type { Verdict } from "../interceptor/call.js";
import type { EnforcementMode } from "../interceptor/types.js";
import type { CedarEvaluator } from "./cedar-evaluator.js";

/** Why a deny, in words: the forbidding policies, or a default deny; then any evaluation errors. */
export function denyReasons(policyIds: readonly string[], errors: readonly string[]): string[] {
  const reasons =
    policyIds.length > 0
      ? policyIds.map((id) => `forbidden by policy ${id}`)
      : ["no policy permits it (default deny)"];
  for (const e of errors) reasons.push(`evaluation error: ${e}`);
  return reasons;
}

const NO_POLICY = Object.freeze(["no policy is available and failClosed is on"]);

/**
 * Decides one request the way the interceptor decides an HTTP call: with no policy loaded, allowed
 * without asking the engine (or denied with `failClosed`); otherwise the engine's answer. Never throws.
 */
export function decideRequest(
  evaluator: CedarEvaluator | null,
  request: () => CedarRequest,
  o: { enforcement: EnforcementMode; failClosed: boolean },
): Verdict & { errors: readonly string[] } {
  if (evaluator === null || !evaluator.loaded) {
    if (!o.failClosed) return { decision: "allow", policyIds: [], reasons: [], blocked: false, errors: [] };
    return {
      decision: "deny",
      policyIds: [],
      reasons: [...NO_POLICY],
      blocked: o.enforcement === "block",
      errors: [],
    };
  }
  const answer = evaluator.evaluate(request());
  const deny = answer.decision === "deny";
  return {
    decision: answer.decision,
    policyIds: [...answer.policyIds],
    reasons: deny ? (answer.reasons ?? denyReasons(answer.policyIds, answer.errors)) : [],
    blocked: deny && o.enforcement === "block",
    errors: answer.errors,
  };
}

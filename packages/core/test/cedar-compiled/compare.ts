import type { CedarDecision, CedarRequest } from "../../src/cedar/types.js";

const sorted = (xs: readonly string[]) => [...xs].sort();
// The engine names any one vertex of a cycle in the entity hierarchy, a different one from call to
// call (it walks a hash map): the vertex is not part of the answer.
const errorsOf = (d: CedarDecision) =>
  sorted(d.errors.map((e) => e.replace(/has a cycle containing vertex `.*`/, "has a cycle")));

/**
 * Throws unless two answers are the same: decision, reasons and errors. The engine lists reasons and
 * errors in no fixed order (a hash set), so lists compare as sets. `wording: false` compares the number
 * of errors only: for two answers of the engine itself, which words some errors after a hash map's
 * order (the first bad attribute it meets), differently from call to call.
 */
export function compareAnswers(
  own: CedarDecision,
  wasm: CedarDecision,
  text: string,
  req: CedarRequest,
  wording = true,
): void {
  const errors = (d: CedarDecision) => (wording ? errorsOf(d) : d.errors.length);
  const a = JSON.stringify({ d: own.decision, r: sorted(own.policyIds), e: errors(own) });
  const b = JSON.stringify({ d: wasm.decision, r: sorted(wasm.policyIds), e: errors(wasm) });
  if (a !== b) {
    throw new Error(`compiled ${a}\nengine   ${b}\npolicies:\n${text}\nrequest: ${JSON.stringify(req)}`);
  }
}

import { canonicalJson } from "../receipts/canonical.js";
import { sha256Hex } from "../receipts/hash.js";

/**
 * What a person (or the auto-approve option) decides about a suggestion is judged by these rules, on
 * the CLI (receipts) and the server (stored rejections) alike (docs/learning.md).
 */

/**
 * A rejection holds for the same evidence: the suggestion is hidden until its evidence count has at
 * least doubled since it was rejected, so a rule people keep saying no to does not keep coming back,
 * but one whose case has grown a lot is asked about again.
 */
export function rejectionHolds(evidenceCount: number, countWhenRejected: number): boolean {
  return evidenceCount < 2 * countWhenRejected;
}

/**
 * A suggestion that can only ever tighten the policy: a deny rule (a Cedar `forbid`) whose replay
 * turns no past denial into an allow. Only these may be approved automatically, when that is enabled.
 */
export function onlyTightens(s: { kind: "allow" | "deny"; impact: { deny_to_allow: number } }): boolean {
  return s.kind === "deny" && s.impact.deny_to_allow === 0;
}

/**
 * Names the evidence a decision was made on (count and first and last time seen), so that a record of
 * the decision says which evidence it judged: 16 hex digits of the hash.
 */
export function evidenceFingerprint(
  id: string,
  evidence: { count: number; first_seen: string; last_seen: string },
): string {
  return sha256Hex(
    canonicalJson({
      id,
      count: evidence.count,
      first_seen: evidence.first_seen,
      last_seen: evidence.last_seen,
    }),
  ).slice(0, 16);
}

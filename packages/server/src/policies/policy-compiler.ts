import {
  CEDAR_TEXT_LIMITS,
  type CedarDiagnostic,
  type CompiledPolicySet,
  cedarIfLoaded,
  compilePolicySetSync,
  REQUEST_MODEL_SCHEMA,
} from "@trusera/core";
import { ApiError } from "../errors.js";
import type { DefaultDecision } from "../store/types.js";

/** Largest policy text or schema accepted, in characters (the engine's bound, checked again there). */
export const MAX_POLICY_CHARS = CEDAR_TEXT_LIMITS.maxChars;

/**
 * Largest `inline_policy` of a remote decision. Why smaller: any ingest key may send one with every
 * request, and the engine parses it on the request thread (~1 ms per KiB here; a 512 KiB set took
 * seconds). Stored sets are parsed once per version.
 */
export const MAX_INLINE_POLICY_CHARS = 16 * 1024;

const diagnosticJson = (d: CedarDiagnostic) => ({
  severity: d.severity,
  line: d.line,
  column: d.column,
  message: d.message,
  ...(d.policyId !== undefined ? { policy_id: d.policyId } : {}),
  ...(d.help !== undefined ? { help: d.help } : {}),
});

export type PolicyWarning = ReturnType<typeof diagnosticJson>;

/**
 * Compiles policy text with the official engine (core's wrapper) into a named engine slot, validated
 * against `schema` (the request model by default). The engine cannot free a slot, so every caller
 * uses a fixed slot name per purpose (and per project). Synchronous on purpose: a caller that shares a
 * slot compiles and evaluates with no `await` in between, so no other request can swap the set.
 * The engine must be loaded first (`loadCedar()`, done when the app is built).
 */
export function compileOrThrow(
  text: string,
  options: { schema: string | null; defaultDecision: DefaultDecision; slot: string; validate?: boolean },
): { policySet: CompiledPolicySet; warnings: PolicyWarning[] } {
  const engine = cedarIfLoaded();
  if (!engine) throw new Error("the Cedar engine is not loaded yet: call loadCedar() first");
  const result = compilePolicySetSync(engine, text, {
    defaultDecision: options.defaultDecision,
    slot: options.slot,
    ...(options.validate === false ? {} : { schema: options.schema ?? REQUEST_MODEL_SCHEMA }),
  });
  if (!result.ok) {
    const details = result.errors.map(diagnosticJson);
    const first = details[0];
    throw new ApiError(
      400,
      "invalid_policy",
      `the policy set has ${details.length} error${details.length === 1 ? "" : "s"}` +
        (first ? `; the first at line ${first.line}, column ${first.column}: ${first.message}` : ""),
      details,
    );
  }
  return { policySet: result.policySet, warnings: result.warnings.map(diagnosticJson) };
}

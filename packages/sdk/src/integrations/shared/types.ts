import type { EnforcementMode } from "../../interceptor/types.js";
import type { Logger } from "../../log.js";
import type { CedarEvaluator } from "../../policy/cedar-evaluator.js";
import type { ModelPrice } from "./pricing.js";

/** Options every framework integration takes. Every field is optional. */
export interface IntegrationOptions {
  /** What a denied tool call, model call or step gets: `log` (default), `warn` or `block`. */
  enforcement?: EnforcementMode;
  /**
   * The policies to decide with. Share one evaluator with `TruseraInterceptor.install(client,
   * { policyUrl, cedarEvaluator })` to enforce the server's policy bundle here too. Without one,
   * nothing is decided (every action is allowed and recorded) unless `failClosed` is on.
   */
  cedarEvaluator?: CedarEvaluator;
  /** With no policy loaded in `cedarEvaluator`: deny every action. Default false. */
  failClosed?: boolean;
  /**
   * Prices (USD per million tokens) for the estimated cost of `llm_invoke` events, merged over
   * `DEFAULT_MODEL_PRICES`; `null` removes a default entry.
   */
  prices?: Readonly<Record<string, ModelPrice | null>>;
  /** Where warnings go. Default: the client's logger. */
  logger?: Logger;
}

/** The integration an event or a `PolicyViolationError` came from. */
export type IntegrationLibrary = "langchain" | "ai" | "openai" | "mcp";

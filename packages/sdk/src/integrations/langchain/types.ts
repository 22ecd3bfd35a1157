import type { IntegrationOptions } from "../shared/types.js";

/**
 * Which chain runs become `decision` events (and are decided as `decision` requests on
 * `Step::"<run name>"`): `steps` (default) the top-level chain and every LangGraph node (`model_request`,
 * `tools`, your own nodes); `all` every chain run LangChain reports except hidden ones; `none` no chain runs.
 */
export type LangChainSteps = "steps" | "all" | "none";

/** Options of `new TruseraLangChainHandler(client, options)`. Every field is optional. */
export interface LangChainHandlerOptions extends IntegrationOptions {
  /** Which chain runs are agent steps (`decision` events). Default `steps`. */
  steps?: LangChainSteps;
}

// trusera-sdk/langchain: the LangChain.js callback handler (needs @langchain/core).

export { DEFAULT_MODEL_PRICES, estimateCost, type ModelPrice, type TokenUsage } from "../shared/pricing.js";
export type { IntegrationOptions } from "../shared/types.js";
export { TruseraLangChainHandler } from "./handler.js";
export type { LangChainHandlerOptions, LangChainSteps } from "./types.js";

// trusera-sdk/ai: a Vercel AI SDK language-model middleware (for `wrapLanguageModel`, ai 5, 6 and 7).

export { DEFAULT_MODEL_PRICES, estimateCost, type ModelPrice, type TokenUsage } from "../shared/pricing.js";
export type { IntegrationOptions } from "../shared/types.js";
export { truseraMiddleware } from "./middleware.js";

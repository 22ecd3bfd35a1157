// trusera-sdk/openai: model calls and tool calls of the OpenAI Node SDK, decided and recorded.

export { DEFAULT_MODEL_PRICES, estimateCost, type ModelPrice, type TokenUsage } from "../shared/pricing.js";
export type { IntegrationOptions } from "../shared/types.js";
export { TruseraOpenAI } from "./trusera-openai.js";
export type {
  GuardedTools,
  OpenAILike,
  OpenAIToolCall,
  ToolCallInfo,
  ToolFunction,
  ToolMap,
  ToolResultMessage,
} from "./types.js";

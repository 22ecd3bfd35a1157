import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import {
  defineHandler,
  type TruseraLangChainHandlerClass,
  type TruseraLangChainHandlerInstance,
} from "./define-handler.js";

/**
 * A LangChain.js callback handler that records every model call (`llm_invoke`: model, token usage,
 * estimated cost, latency), tool call (`tool_call`: tool name, input) and agent step (`decision`:
 * the top-level chain and each LangGraph node), and decides each with Cedar.
 *
 * In `block` mode a denied tool, model call or step does not run: the handler raises the
 * `PolicyViolationError` from its start callback, and LangChain (because the handler sets `raiseError`
 * and `awaitHandlers`) stops the run there. A direct `tool.invoke` or `model.invoke` rejects with it;
 * inside `createAgent` the tool node turns a tool's error into a `ToolMessage` for the model (its
 * default `handleToolErrors`), so the agent is told and goes on, while a denied model call ends the
 * agent's `invoke` with the error. LangChain prints one `Error in handler ...` line for each.
 *
 * @example
 * const handler = new TruseraLangChainHandler(client, { enforcement: "block", cedarEvaluator });
 * await agent.invoke({ messages }, { callbacks: [handler] });
 *
 * @throws ConfigurationError when `client` is not a TruseraClient or an option is wrong.
 */
export const TruseraLangChainHandler: TruseraLangChainHandlerClass = defineHandler(BaseCallbackHandler);
export type TruseraLangChainHandler = TruseraLangChainHandlerInstance;

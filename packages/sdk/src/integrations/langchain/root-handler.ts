import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { ConfigurationError } from "@trusera/core";
import { requireOptional } from "../../adapters/load-module.js";
import type { TruseraClient } from "../../client/client.js";
import { defineHandler } from "./define-handler.js";
import type { LangChainHandlerOptions } from "./types.js";

/**
 * A handler made by the root entry, typed without @langchain/core (so that the root's types need
 * nothing of it): what LangChain's `callbacks` option reads. `trusera-sdk/langchain` has the full type.
 */
export interface LangChainCallbackHandler {
  readonly name: string;
  awaitHandlers: boolean;
  raiseError: boolean;
  copy(): LangChainCallbackHandler;
  // biome-ignore-start lint/suspicious/noExplicitAny: LangChain's own signatures, not restated here
  handleLLMStart?(...args: any[]): any;
  handleChatModelStart?(...args: any[]): any;
  handleToolStart?(...args: any[]): any;
  handleChainStart?(...args: any[]): any;
  // biome-ignore-end lint/suspicious/noExplicitAny: LangChain's own signatures, not restated here
}

let loaded: ReturnType<typeof defineHandler> | undefined;

/** The handler class, made on first use over the CommonJS @langchain/core the application has. */
function handlerClass(): ReturnType<typeof defineHandler> {
  if (loaded) return loaded;
  const base = (
    requireOptional("@langchain/core/callbacks/base") as { BaseCallbackHandler?: unknown }[]
  ).find((m) => typeof m.BaseCallbackHandler === "function");
  if (!base) {
    throw new ConfigurationError(
      "TruseraLangChainHandler needs @langchain/core (>=1 <2): npm install @langchain/core",
    );
  }
  loaded = defineHandler(base.BaseCallbackHandler as typeof BaseCallbackHandler);
  return loaded;
}

/**
 * `import { TruseraLangChainHandler } from "trusera-sdk"`: the handler of `trusera-sdk/langchain`,
 * reachable from the root entry without making @langchain/core a dependency of it. The class is made
 * the first time one is constructed (LangChain's base class is loaded then, from the application's
 * @langchain/core); without @langchain/core that throws a `ConfigurationError`. `instanceof` holds
 * for the handlers it makes.
 *
 * @throws ConfigurationError when @langchain/core is not installed, `client` is not a TruseraClient or
 * an option is wrong.
 */
export const TruseraLangChainHandler = new Proxy(function TruseraLangChainHandler() {}, {
  construct(_target, args: [TruseraClient, LangChainHandlerOptions?]) {
    const Class = handlerClass();
    return new Class(...args);
  },
  apply() {
    throw new TypeError("Class constructor TruseraLangChainHandler cannot be invoked without 'new'");
  },
  get(target, key, receiver) {
    if (key === Symbol.hasInstance) return (x: unknown) => loaded !== undefined && x instanceof loaded;
    return Reflect.get(target, key, receiver);
  },
}) as unknown as new (
  client: TruseraClient,
  options?: LangChainHandlerOptions,
) => LangChainCallbackHandler;

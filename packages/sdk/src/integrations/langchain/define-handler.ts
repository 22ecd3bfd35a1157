import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { ChainValues } from "@langchain/core/utils/types";
import { ConfigurationError } from "@trusera/core";
import type { TruseraClient } from "../../client/client.js";
import { errorText } from "../../error-text.js";
import { ActionGuard, type ActionRun, checkClient, resourceName } from "../shared/guard.js";
import { resolveIntegrationOptions } from "../shared/options.js";
import { modelOf, providerOf, serializedName, toolInput, usageOfResult } from "./run-info.js";
import type { LangChainHandlerOptions, LangChainSteps } from "./types.js";

const WHO = "TruseraLangChainHandler";

/** A TruseraLangChainHandler: a LangChain callback handler (its methods are LangChain's). */
export interface TruseraLangChainHandlerInstance extends BaseCallbackHandler {}

/** The class: `new TruseraLangChainHandler(client, options)`. */
export type TruseraLangChainHandlerClass = new (
  client: TruseraClient,
  options?: LangChainHandlerOptions,
) => TruseraLangChainHandlerInstance;

/**
 * The handler class on top of `Base`, LangChain's `BaseCallbackHandler`: the ES module copy for the
 * `trusera-sdk/langchain` entry (handler.ts), the CommonJS one loaded on first use for the root entry
 * (root-handler.ts), so that importing the root never needs @langchain/core. LangChain recognises a
 * handler by its shape (`isBaseCallbackHandler`), so either copy serves an application.
 */
export function defineHandler(Base: typeof BaseCallbackHandler): TruseraLangChainHandlerClass {
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
  return class TruseraLangChainHandler extends Base {
    // LangChain wraps a handler without a `name` in a copy that keeps only its own properties, which
    // drops every method of a class: the seed's handler never fired for that reason.
    name = WHO;
    readonly #guard: ActionGuard;
    readonly #steps: LangChainSteps;
    readonly #runs = new Map<string, ActionRun>();

    constructor(client: TruseraClient, options: LangChainHandlerOptions = {}) {
      super();
      const o = resolveIntegrationOptions(WHO, options, ["steps"]);
      const steps = options.steps ?? "steps";
      if (steps !== "steps" && steps !== "all" && steps !== "none")
        throw new ConfigurationError(
          `${WHO}: steps must be "steps", "all" or "none", got ${JSON.stringify(steps)}`,
        );
      this.#steps = steps;
      this.#guard = new ActionGuard(checkClient(WHO, client), o, "langchain");
      // Decisions are made before the run they guard, so LangChain must wait for this handler (by
      // default it runs handlers in the background). In block mode the denial must reach the run:
      // LangChain logs and swallows a handler's error unless `raiseError` is set.
      this.awaitHandlers = true;
      this.raiseError = o.enforcement === "block";
    }

    /** LangChain copies handlers in places; a copy would lose track of runs in flight. */
    override copy(): this {
      return this;
    }

    override handleChatModelStart(
      llm: Serialized,
      _messages: BaseMessage[][],
      runId: string,
      _parentRunId?: string,
      extraParams?: Record<string, unknown>,
      _tags?: string[],
      metadata?: Record<string, unknown>,
      runName?: string,
    ): void {
      this.#startModel(llm, runId, extraParams, metadata, runName);
    }

    override handleLLMStart(
      llm: Serialized,
      _prompts: string[],
      runId: string,
      _parentRunId?: string,
      extraParams?: Record<string, unknown>,
      _tags?: string[],
      metadata?: Record<string, unknown>,
      runName?: string,
    ): void {
      this.#startModel(llm, runId, extraParams, metadata, runName);
    }

    override handleLLMEnd(output: LLMResult, runId: string): void {
      this.#end(runId, () => ({ usage: usageOfResult(output) }));
    }

    override handleLLMError(err: Error, runId: string): void {
      this.#end(runId, () => ({ error: err }));
    }

    override handleToolStart(
      tool: Serialized,
      input: string,
      runId: string,
      _parentRunId?: string,
      _tags?: string[],
      _metadata?: Record<string, unknown>,
      runName?: string,
      toolCallId?: string,
    ): void {
      this.#start(runId, () => {
        const name = resourceName(runName ?? (tool as { name?: unknown }).name ?? serializedName(tool));
        const payload = toolCallId ? { tool_call_id: toolCallId } : {};
        return this.#guard.begin({ action: "tool_call", name, input: toolInput(input) }, undefined, payload);
      });
    }

    override handleToolEnd(_output: unknown, runId: string): void {
      this.#end(runId, () => ({}));
    }

    override handleToolError(err: Error, runId: string): void {
      this.#end(runId, () => ({ error: err }));
    }

    // The order LangChain calls it with (the declared interface has runType and parentRunId elsewhere;
    // LangChain's own BaseTracer reads them in this order too).
    override handleChainStart(
      chain: Serialized,
      _inputs: ChainValues,
      runId: string,
      parentRunId?: string,
      tags?: string[],
      _metadata?: Record<string, unknown>,
      _runType?: string,
      runName?: string,
    ): void {
      if (!this.#isStep(parentRunId, tags)) return;
      this.#start(runId, () =>
        this.#guard.begin(
          { action: "decision", name: resourceName(runName ?? serializedName(chain)) },
          undefined,
          {
            kind: "chain",
          },
        ),
      );
    }

    override handleChainEnd(_outputs: ChainValues, runId: string): void {
      this.#end(runId, () => ({}));
    }

    override handleChainError(err: Error, runId: string): void {
      this.#end(runId, () => ({ error: err }));
    }

    #isStep(parentRunId: string | undefined, tags: string[] | undefined): boolean {
      if (this.#steps === "none") return false;
      const t = Array.isArray(tags) ? tags : [];
      if (t.includes("langsmith:hidden")) return false;
      if (this.#steps === "all") return true;
      return (
        parentRunId === undefined || t.some((tag) => typeof tag === "string" && tag.startsWith("graph:step:"))
      );
    }

    #startModel(
      llm: Serialized,
      runId: string,
      extraParams: Record<string, unknown> | undefined,
      metadata: Record<string, unknown> | undefined,
      runName: string | undefined,
    ): void {
      this.#start(runId, () =>
        this.#guard.begin({
          action: "llm_invoke",
          name: modelOf(llm, extraParams, metadata, runName),
          provider: providerOf(metadata),
        }),
      );
    }

    /** Decides and starts a run; throws only the deliberate PolicyViolationError of block mode. */
    #start(runId: string, begin: () => ActionRun): void {
      let run: ActionRun;
      try {
        run = begin();
      } catch (err) {
        this.#debug(err);
        return;
      }
      if (run.blocked) throw run.blocked;
      this.#runs.set(runId, run);
    }

    #end(runId: string, outcome: () => Parameters<ActionRun["end"]>[0]): void {
      const run = this.#runs.get(runId);
      if (!run) return;
      this.#runs.delete(runId);
      try {
        run.end(outcome());
      } catch (err) {
        this.#debug(err);
      }
    }

    #debug(err: unknown): void {
      // Never into the host: with raiseError on (block mode), anything thrown here would end the run.
      this.#guard.logger.debug(`${WHO}: ${errorText(err)}`);
    }
  };
}

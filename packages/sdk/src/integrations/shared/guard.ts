import { ConfigurationError, decisionRequest, modelRequest, redactText, toolRequest } from "@trusera/core";
import { clientInternals, TruseraClient } from "../../client/client.js";
import { errorText } from "../../error-text.js";
import { type GuardedAction, PolicyViolationError } from "../../errors.js";
import type { Verdict } from "../../interceptor/call.js";
import type { Logger } from "../../log.js";
import { decideRequest } from "../../policy/decide.js";
import type { ResolvedIntegrationOptions } from "./options.js";
import { estimateCost, type TokenUsage } from "./pricing.js";
import type { IntegrationLibrary } from "./types.js";

/** One action a framework is about to take. */
export type GuardedCall =
  | { action: "tool_call"; name: string; input: unknown }
  | { action: "llm_invoke"; name: string; provider: string }
  | { action: "decision"; name: string };

/** How an action ended, for its event. */
export interface Outcome {
  /** What failed, if it did (the action's own error, not a policy decision). */
  error?: unknown;
  /** Token counts of a model call. */
  usage?: TokenUsage;
  /** More payload fields (finish reason, tool call id, ...). */
  payload?: Record<string, unknown>;
  /**
   * For an action the integration decides but does not run itself: `requested` (handed on to the
   * framework, which runs it) or `skipped` (allowed, but not run because another call of the same
   * response was blocked). Otherwise the status is `ok` or `error`, from `error`.
   */
  status?: "requested" | "skipped";
}

/** An action that was decided: blocked (its event is already recorded), or running until `end`. */
export interface ActionRun {
  readonly verdict: Verdict;
  /** The error to stop the action with (block mode and a deny), or null when it proceeds. */
  readonly blocked: PolicyViolationError | null;
  /** Records the action's event, once; later calls do nothing. */
  end(outcome?: Outcome): void;
}

const NOUN: Record<GuardedAction, string> = { tool_call: "tool", llm_invoke: "model", decision: "step" };
// Tool inputs are recorded up to this many characters of JSON; the event limit is 256 KiB.
const MAX_INPUT_CHARS = 16_384;
const round3 = (ms: number) => Math.round(ms * 1000) / 1000;

/** A tool input as an event records it: the value itself, or its JSON cut short when it is large. */
function recordedInput(input: unknown): { input: unknown; truncated: boolean } {
  if (input === undefined) return { input: null, truncated: false };
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch {
    return { input: redactText(String(input)), truncated: false };
  }
  if (json === undefined) return { input: null, truncated: false };
  if (json.length <= MAX_INPUT_CHARS) return { input, truncated: false };
  return { input: redactText(json.slice(0, MAX_INPUT_CHARS)), truncated: true };
}

/**
 * The decision and recording core every framework integration shares: it decides a tool call, a
 * model call or an agent step with Cedar (the request builders of the request model), warns or
 * blocks as `enforcement` says, and tracks a `tool_call`, `llm_invoke` or `decision` event per
 * action, plus a `policy_violation` whenever one is denied. Nothing here throws into the host: the
 * only error an integration raises is the `PolicyViolationError` a run carries in block mode.
 */
export class ActionGuard {
  readonly #client: TruseraClient;
  readonly #o: ResolvedIntegrationOptions;
  readonly #library: IntegrationLibrary;
  readonly #agentName: () => string | undefined;
  readonly #logger: Logger;

  constructor(client: TruseraClient, options: ResolvedIntegrationOptions, library: IntegrationLibrary) {
    const internals = clientInternals(client);
    this.#client = client;
    this.#o = options;
    this.#library = library;
    this.#agentName = internals.agentName;
    this.#logger = options.logger ?? internals.logger;
  }

  get enforcement(): ResolvedIntegrationOptions["enforcement"] {
    return this.#o.enforcement;
  }

  /** The options' logger, else the client's: where an integration's own problems go, at debug level. */
  get logger(): Logger {
    return this.#logger;
  }

  /** Decides an action without recording anything. Never throws. */
  decide(call: GuardedCall): Verdict {
    const agent = this.#agentName() || "unknown";
    let verdict: ReturnType<typeof decideRequest>;
    try {
      verdict = decideRequest(
        this.#o.cedarEvaluator,
        () =>
          call.action === "tool_call"
            ? toolRequest(agent, call.name, call.input)
            : call.action === "llm_invoke"
              ? modelRequest(agent, call.name, call.provider)
              : decisionRequest(agent, call.name),
        this.#o,
      );
    } catch (err) {
      // Arguments the request cannot be built from (a cycle, a BigInt; never JSON a model sent): no
      // policy can be asked, which failClosed decides as for a missing policy.
      const reason = `the request could not be built: ${errorText(err)}`;
      this.#logger.debug(`${NOUN[call.action]} ${call.name}: ${reason}`);
      return this.#o.failClosed
        ? { decision: "deny", policyIds: [], reasons: [reason], blocked: this.#o.enforcement === "block" }
        : { decision: "allow", policyIds: [], reasons: [], blocked: false };
    }
    if (verdict.errors.length > 0)
      this.#logger.debug(
        `policy evaluation errors for ${NOUN[call.action]} ${call.name}: ${verdict.errors.join("; ")}`,
      );
    return verdict;
  }

  /**
   * Starts an action decided by `verdict` (decided now when not given). A denied one is warned about
   * (warn and block modes) and its `policy_violation` tracked at once; a blocked one also has its
   * event tracked at once, and `blocked` holds the error to stop it with.
   */
  begin(
    call: GuardedCall,
    verdict: Verdict = this.decide(call),
    payload: Record<string, unknown> = {},
  ): ActionRun {
    const startedAt = performance.now();
    const base = this.#basePayload(call, payload);
    const metadata: Record<string, unknown> = {
      decision: verdict.decision,
      enforcement: this.#o.enforcement,
      policy_ids: verdict.policyIds,
      blocked: verdict.blocked,
      library: this.#library,
    };
    if (call.action === "llm_invoke") metadata.provider = call.provider;
    let blocked: PolicyViolationError | null = null;
    if (verdict.decision === "deny") {
      const what = `${NOUN[call.action]} ${call.name}`;
      if (verdict.blocked) {
        blocked = new PolicyViolationError({
          action: call.action,
          resource: call.name,
          library: this.#library,
          policyIds: verdict.policyIds,
          reasons: verdict.reasons,
        });
        this.#logger.warn(`Policy violation (blocked): ${what} (${verdict.reasons.join("; ")})`);
      } else if (this.#o.enforcement === "warn") {
        this.#logger.warn(`Policy violation (allowed): ${what} (${verdict.reasons.join("; ")})`);
      }
      this.#track(
        "policy_violation",
        call,
        { action: call.action, ...base, reasons: verdict.reasons },
        metadata,
      );
    }
    let done = false;
    const end = (outcome: Outcome = {}) => {
      if (done) return;
      done = true;
      try {
        const event: Record<string, unknown> = { ...base, ...outcome.payload };
        if (call.action === "llm_invoke") Object.assign(event, this.#usageFields(call.name, outcome.usage));
        if (blocked) event.duration_ms = 0;
        else if (outcome.status === undefined) event.duration_ms = round3(performance.now() - startedAt);
        event.status = blocked
          ? "blocked"
          : (outcome.status ?? (outcome.error === undefined ? "ok" : "error"));
        if (blocked) event.error = errorText(blocked);
        else if (outcome.error !== undefined) event.error = errorText(outcome.error);
        this.#track(call.action, call, event, metadata);
      } catch (err) {
        this.#logger.debug(`could not record ${NOUN[call.action]} ${call.name}: ${errorText(err)}`);
      }
    };
    if (blocked) end();
    return { verdict, blocked, end };
  }

  #basePayload(call: GuardedCall, extra: Record<string, unknown>): Record<string, unknown> {
    switch (call.action) {
      case "tool_call": {
        const { input, truncated } = recordedInput(call.input);
        return truncated
          ? { tool: call.name, input, input_truncated: true, ...extra }
          : { tool: call.name, input, ...extra };
      }
      case "llm_invoke":
        return { model: call.name, provider: call.provider, ...extra };
      case "decision":
        return { step: call.name, ...extra };
    }
  }

  #usageFields(model: string, usage: TokenUsage | undefined): Record<string, unknown> {
    const u = usage ?? { inputTokens: null, outputTokens: null, totalTokens: null };
    return {
      input_tokens: u.inputTokens,
      output_tokens: u.outputTokens,
      total_tokens: u.totalTokens,
      estimated_cost_usd: estimateCost(model, u, this.#o.prices),
    };
  }

  #track(
    type: GuardedAction | "policy_violation",
    call: GuardedCall,
    payload: Record<string, unknown>,
    metadata: Record<string, unknown>,
  ): void {
    // track() validates, scrubs secrets from payload and metadata, and never throws.
    const name = call.name.length > 0 ? call.name.slice(0, 512) : "unknown";
    this.#client.track({ type, name, payload, metadata });
  }
}

/** The name of an action's resource: a non-empty string, "unknown" otherwise. */
export function resourceName(value: unknown): string {
  return typeof value === "string" && value !== "" ? value : "unknown";
}

/**
 * Checks the client argument of an integration.
 * @throws ConfigurationError when it is not a TruseraClient of this copy of the package.
 */
export function checkClient(who: string, client: unknown): TruseraClient {
  if (!(client instanceof TruseraClient)) {
    throw new ConfigurationError(`${who} needs a TruseraClient from the same copy of trusera-sdk`);
  }
  return client;
}

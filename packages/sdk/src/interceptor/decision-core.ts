import { httpRequest, redactText } from "@trusera/core";
import type { TRUSTED_EVENT, TrustedSerializer } from "../client/client.js";
import { errorText } from "../error-text.js";
import { PolicyViolationError } from "../errors.js";
import type { Logger } from "../log.js";
import type { CedarEvaluator } from "../policy/cedar-evaluator.js";
import { denyReasons } from "../policy/decide.js";
import { DecisionCache } from "../policy/decision-cache.js";
import type { PolicyBundleSource } from "../policy/policy-bundle.js";
import { BodyCapture } from "./body.js";
import { type OutboundCall, safeUrl, type Verdict } from "./call.js";
import { Claims } from "./claims.js";
import type { EventLane } from "./event-thread.js";
import { type CallRecord, trackCall } from "./events.js";
import type { ResolvedInterceptorOptions } from "./options.js";
import type { InterceptedLibrary } from "./types.js";

/** The part of a TruseraClient the core needs. */
export interface EventSink {
  track(event: {
    type: "api_call" | "policy_violation";
    name: string;
    payload: Record<string, unknown>;
    metadata: Record<string, unknown>;
    [TRUSTED_EVENT]?: TrustedSerializer;
  }): void;
}

// An HTTP method is a token; anything else is free text and is redacted like any.
const TOKEN = /^[A-Z][A-Z0-9_-]{0,31}$/;

/** The method as recorded and decided: upper case, redacted when it is not a token. */
function recordedMethod(method: string): string {
  if (method === "GET") return method;
  const m = method.toUpperCase();
  return TOKEN.test(m) ? m : redactText(m);
}

const ALLOW_UNEVALUATED: Verdict = Object.freeze({
  decision: "allow",
  policyIds: Object.freeze([]) as unknown as string[],
  reasons: Object.freeze([]) as unknown as string[],
  blocked: false,
}) as Verdict;

/**
 * The one place calls are decided and recorded. Every adapter (fetch, the undici dispatcher, node:http,
 * axios) describes a call, asks `check`, and then either `block`s it or `start`s and `finish`es a
 * record. Nothing here throws into the host: adapters call it inside their own guards.
 */
export class DecisionCore {
  readonly claims = new Claims();
  readonly #sink: EventSink;
  readonly #o: ResolvedInterceptorOptions;
  readonly #evaluator: CedarEvaluator | null;
  readonly #bundle: PolicyBundleSource | null;
  readonly #cache: DecisionCache<Verdict>;
  readonly #failClosedVerdict: Verdict;
  readonly #logger: Logger;
  readonly #principal: () => string | undefined;
  readonly #lane: EventLane | null;

  /** `lane`: where finished calls go to have their events built off this thread; null to build them here. */
  constructor(
    sink: EventSink,
    principal: () => string | undefined,
    options: ResolvedInterceptorOptions,
    evaluator: CedarEvaluator | null,
    bundle: PolicyBundleSource | null,
    lane: EventLane | null = null,
  ) {
    this.#sink = sink;
    this.#lane = lane;
    this.#principal = principal;
    this.#o = options;
    this.#evaluator = evaluator;
    this.#bundle = bundle;
    this.#logger = options.logger;
    this.#cache = new DecisionCache(options.decisionCacheSize);
    this.#failClosedVerdict = Object.freeze({
      decision: "deny",
      policyIds: [],
      reasons: ["no policy is available and failClosed is on"],
      blocked: options.enforcement === "block",
    }) as Verdict;
  }

  get enforcement(): ResolvedInterceptorOptions["enforcement"] {
    return this.#o.enforcement;
  }

  /** True when the URL matches an exclude pattern: the call is left alone entirely. */
  excluded(href: string): boolean {
    const patterns = this.#o.exclude;
    for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(href)) return true;
    return false;
  }

  /** Builds the call the core decides on from what an adapter saw. */
  describe(
    library: InterceptedLibrary,
    method: string,
    href: string,
    headers: Record<string, string>,
  ): OutboundCall {
    return { library, method: recordedMethod(method), url: safeUrl(href), headers };
  }

  /**
   * The same as `describe` for the fetch wrapper's fast path (see `fastVerdict`): the URL stays as the
   * application gave it, for the event thread to normalize and redact.
   */
  describeRaw(
    library: InterceptedLibrary,
    method: string,
    href: string,
    headers: Record<string, string>,
  ): OutboundCall {
    return { library, method: recordedMethod(method), url: href, headers, rawUrl: true };
  }

  /**
   * The verdict every call gets right now when nothing about the call can change it (no policy to
   * evaluate, no exclude pattern, no claim open) and its event is built on the event thread; otherwise
   * null. Lets the fetch wrapper skip parsing and redacting the URL on the application's thread.
   */
  fastVerdict(): Verdict | null {
    if (this.#lane === null || this.#o.debug || this.#o.exclude.length > 0 || !this.claims.empty) return null;
    if (this.#bundle?.state === "none") return ALLOW_UNEVALUATED;
    if (this.#evaluator === null || !this.#evaluator.loaded)
      return this.#o.failClosed ? null : ALLOW_UNEVALUATED;
    return null;
  }

  /**
   * How a transport hook decides the call it sees: with the decision an outer hook already made for this
   * very request, when one left a claim (axios before node:http, say), else with `check`.
   */
  claimOrCheck(call: OutboundCall): { call: OutboundCall; verdict: Verdict; startedAt?: number } {
    return this.claims.take(call.method, call.url) ?? { call, verdict: this.check(call) };
  }

  /** Decides a call. Never calls the engine when there is no policy to evaluate. */
  check(call: OutboundCall): Verdict {
    const evaluator = this.#evaluator;
    const bundleState = this.#bundle?.state;
    // The server said there is no active policy: nothing to evaluate, whatever failClosed says.
    if (bundleState === "none") return ALLOW_UNEVALUATED;
    if (evaluator === null || !evaluator.loaded) {
      return this.#o.failClosed ? this.#failClosedVerdict : ALLOW_UNEVALUATED;
    }
    const agent = this.#principal() || "unknown";
    const generation = evaluator.generation;
    const key = `${agent}\n${call.method}\n${call.url}\n${Object.keys(call.headers).sort().join(",")}`;
    const cached = this.#cache.get(generation, key);
    if (cached) return cached;
    const answer = evaluator.evaluate(
      httpRequest(agent, { url: call.url, method: call.method, headers: call.headers }),
    );
    const verdict: Verdict = {
      decision: answer.decision,
      policyIds: answer.policyIds,
      reasons:
        answer.decision === "deny" ? (answer.reasons ?? denyReasons(answer.policyIds, answer.errors)) : [],
      blocked: answer.decision === "deny" && this.#o.enforcement === "block",
    };
    if (answer.errors.length > 0 && this.#o.debug) {
      this.#logger.debug(
        `policy evaluation errors for ${call.method} ${call.url}: ${answer.errors.join("; ")}`,
      );
    }
    this.#cache.set(generation, key, verdict);
    return verdict;
  }

  /** Records a blocked call and returns the error the adapter fails it with. */
  block(call: OutboundCall, verdict: Verdict): PolicyViolationError {
    const error = new PolicyViolationError({
      method: call.method,
      url: call.url,
      library: call.library,
      policyIds: verdict.policyIds,
      reasons: verdict.reasons,
    });
    this.#logger.warn(
      `Policy violation (blocked): ${call.method} ${call.url} (${verdict.reasons.join("; ")})`,
    );
    const record = this.#newRecord(call, verdict, performance.now());
    record.done = true;
    record.error = errorText(error);
    this.#emit(record);
    return error;
  }

  /** Starts the record of a call that proceeds; warns once when it is a deny in warn mode. */
  start(call: OutboundCall, verdict: Verdict, startedAt = performance.now()): CallRecord {
    if (verdict.decision === "deny" && this.#o.enforcement === "warn") {
      this.#logger.warn(
        `Policy violation (allowed): ${call.method} ${call.url} (${verdict.reasons.join("; ")})`,
      );
    } else if (this.#o.debug) {
      this.#logger.debug(`${call.library} ${call.method} ${call.url}: ${verdict.decision}`);
    }
    return this.#newRecord(call, verdict, startedAt);
  }

  /** Ends a record (once): tracks the api_call event, and a policy_violation for a deny. */
  finish(record: CallRecord, error?: unknown): void {
    if (record.done) return;
    record.done = true;
    record.durationMs = performance.now() - record.startedAt;
    if (error !== undefined && record.error === undefined) record.error = errorText(error);
    this.#emit(record);
  }

  #newRecord(call: OutboundCall, verdict: Verdict, startedAt: number): CallRecord {
    const capture = this.#o.bodyBytes;
    return {
      call,
      verdict,
      startedAt,
      durationMs: 0,
      status: null,
      requestBytes: 0,
      responseBytes: 0,
      requestBody: capture > 0 ? new BodyCapture(capture) : null,
      responseBody: capture > 0 ? new BodyCapture(capture) : null,
      requestContentType: undefined,
      responseContentType: undefined,
      responseEncoding: undefined,
      error: undefined,
      done: false,
    };
  }

  #emit(record: CallRecord): void {
    try {
      if (this.#lane) this.#lane.push(record);
      else trackCall(this.#sink, record, this.#o.enforcement);
    } catch (err) {
      this.#logger.debug(`could not record ${record.call.method} ${record.call.url}: ${errorText(err)}`);
    }
  }
}

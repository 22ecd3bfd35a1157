import type { Logger } from "../log.js";
import type { CedarEvaluator } from "../policy/cedar-evaluator.js";

/**
 * What happens to a call a policy denies. `log`: it proceeds and the event records the decision.
 * `warn`: as log, plus one warning line. `block`: it never leaves the process and fails with a
 * `PolicyViolationError`.
 */
export type EnforcementMode = "log" | "warn" | "block";

/** The client library a call went through, as events record it. */
export type InterceptedLibrary = "fetch" | "undici" | "axios" | "http";

/** The parts of an axios default export the interceptor uses. */
export interface AxiosLike {
  Axios: { prototype: object };
  getAdapter?(adapters: unknown, config?: unknown): unknown;
  defaults?: { adapter?: unknown };
}

/** Options of `interceptor.install(client, options)`. Every field is optional. */
export interface InterceptorOptions {
  /** What a denied call gets: `log` (default), `warn` or `block`. */
  enforcement?: EnforcementMode;
  /**
   * The policy bundle to enforce, fetched in the background with If-None-Match and evaluated locally:
   * absolute, or relative to the client's `baseUrl`, e.g. `"/api/v1/policies/bundle"`.
   */
  policyUrl?: string | URL;
  /** A local evaluator with policies already loaded (with `policyUrl`, the bundle is loaded into it). */
  cedarEvaluator?: CedarEvaluator;
  /** URLs to leave alone entirely (no event, no decision): regular expressions, checked at install. */
  excludePatterns?: readonly (string | RegExp)[];
  /** With no policy available (bundle not fetched yet, or unreachable with none before): deny. Default false. */
  failClosed?: boolean;
  /** Log every decision at debug level. Default false. */
  debug?: boolean;
  /** Milliseconds between policy bundle checks. Default 30,000. */
  policyRefreshInterval?: number;
  /**
   * Record request and response bodies of text content, scrubbed of secrets, up to `maxBytes` each
   * (default 4096). Default false.
   */
  captureBodies?: boolean | { maxBytes?: number };
  /** Decisions remembered per policy set (exact, see docs/policy-model.md). 0 turns the cache off. Default 1024. */
  decisionCacheSize?: number;
  /**
   * axios default exports to hook besides those found from the working directory and this package.
   * Pass yours when it lives elsewhere, or to have it hooked before `ready()` resolves.
   */
  axios?: AxiosLike | readonly AxiosLike[];
  /** Where warnings and debug lines go. Default: the client's logger (the console, with `debug`). */
  logger?: Logger;
  /**
   * Where the events of intercepted calls are built and serialized: `"worker"` (default), a worker
   * thread shared by the process, so that the application's thread only copies a few fields per call;
   * or `"main"`, the application's thread. With `captureBodies`, or when the worker cannot start (the
   * SDK loaded from its TypeScript sources), it is always the main thread. See docs/coverage.md.
   */
  eventThread?: "worker" | "main";
}

/** What `interceptor.status` reports. */
export interface InterceptorStatus {
  installed: boolean;
  enforcement: EnforcementMode | null;
  /** Which hooks are in place. */
  hooks: { fetch: boolean; undiciGlobalDispatcher: boolean; http: boolean; https: boolean; axios: number };
  /** Where events are built: the worker thread, or the application's own (see `eventThread`); null when not installed. */
  eventThread: "worker" | "main" | null;
  /** The policy source and its state; `none` when there is no source. */
  policy: {
    source: "none" | "evaluator" | "bundle";
    state: "none" | "pending" | "active" | "unavailable";
    version: string | null;
    digest: string | null;
    lastError: string | null;
  };
}

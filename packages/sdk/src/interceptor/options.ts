import { ConfigurationError } from "@trusera/core";
import { consoleLogger, type Logger, safeLogger } from "../log.js";
import { CedarEvaluator } from "../policy/cedar-evaluator.js";
import type { AxiosLike, EnforcementMode, InterceptorOptions } from "./types.js";

export interface ResolvedInterceptorOptions {
  enforcement: EnforcementMode;
  policyUrl: URL | null;
  cedarEvaluator: CedarEvaluator | null;
  exclude: RegExp[];
  failClosed: boolean;
  debug: boolean;
  policyRefreshInterval: number;
  /** Bytes of each body to keep, or 0 when bodies are not captured. */
  bodyBytes: number;
  decisionCacheSize: number;
  axios: AxiosLike[];
  logger: Logger;
  eventThread: "worker" | "main";
}

const KNOWN = new Set([
  "enforcement",
  "policyUrl",
  "cedarEvaluator",
  "excludePatterns",
  "failClosed",
  "debug",
  "policyRefreshInterval",
  "captureBodies",
  "decisionCacheSize",
  "axios",
  "logger",
  "eventThread",
]);

const fail = (message: string): never => {
  throw new ConfigurationError(`TruseraInterceptor.install: ${message}`);
};

function wholeNumber(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  return value as number;
}

/** Compiles exclude patterns; a pattern that is not a valid regular expression is a clear error. */
export function compileExcludePatterns(patterns: unknown): RegExp[] {
  if (patterns === undefined) return [];
  if (!Array.isArray(patterns)) return fail("excludePatterns must be an array of regular expressions");
  return patterns.map((p, i) => {
    if (p instanceof RegExp) {
      // A global or sticky flag would make test() remember lastIndex between calls.
      return new RegExp(p.source, p.flags.replace(/[gy]/g, ""));
    }
    if (typeof p !== "string" || p === "")
      return fail(`excludePatterns[${i}] must be a non-empty string or a RegExp, got ${JSON.stringify(p)}`);
    try {
      return new RegExp(p);
    } catch (err) {
      return fail(
        `excludePatterns[${i}] ${JSON.stringify(p)} is not a valid regular expression: ${(err as Error).message}`,
      );
    }
  });
}

function resolvePolicyUrl(value: unknown, baseUrl: string | null): URL | null {
  if (value === undefined || value === null) return null;
  if (value instanceof URL) return new URL(value.href);
  if (typeof value !== "string" || value.trim() === "") return fail("policyUrl must be a URL or a path");
  let url: URL;
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(value);
  if (!absolute && baseUrl === null)
    return fail("policyUrl needs a client to be relative to; give an absolute URL");
  try {
    // Relative to the client's baseUrl including its path: "/api/v1/..." under "http://h/trusera/".
    url = absolute ? new URL(value) : new URL(value.replace(/^\/+/, ""), baseUrl!);
  } catch {
    return fail(`policyUrl is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    fail(`policyUrl must be http or https, got ${url.protocol}`);
  return url;
}

/**
 * Checks install options once and fills in defaults.
 * @throws ConfigurationError naming the option and what is wrong with it.
 */
export function resolveInterceptorOptions(
  options: InterceptorOptions,
  client: { baseUrl: string | null; logger: Logger },
): ResolvedInterceptorOptions {
  if (options === null || typeof options !== "object") fail("options must be an object");
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) fail(`unknown option ${JSON.stringify(key)} (known: ${[...KNOWN].join(", ")})`);
  }
  const enforcement = options.enforcement ?? "log";
  if (enforcement !== "log" && enforcement !== "warn" && enforcement !== "block")
    fail(`enforcement must be "log", "warn" or "block", got ${JSON.stringify(enforcement)}`);
  const evaluator = options.cedarEvaluator ?? null;
  if (evaluator !== null && !(evaluator instanceof CedarEvaluator))
    fail("cedarEvaluator must be a CedarEvaluator");
  const policyUrl = resolvePolicyUrl(options.policyUrl, client.baseUrl);
  for (const flag of ["failClosed", "debug"] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== "boolean") fail(`${flag} must be a boolean`);
  }
  const failClosed = options.failClosed ?? false;
  if (failClosed && !policyUrl && !evaluator)
    fail("failClosed needs a policy source: give policyUrl or cedarEvaluator");
  let bodyBytes = 0;
  const cb = options.captureBodies;
  if (cb === true) bodyBytes = 4096;
  else if (cb && typeof cb === "object")
    bodyBytes = wholeNumber("captureBodies.maxBytes", cb.maxBytes, 4096, 1, 65536);
  else if (cb !== undefined && cb !== false) fail("captureBodies must be a boolean or { maxBytes }");
  const axios =
    options.axios === undefined ? [] : Array.isArray(options.axios) ? options.axios : [options.axios];
  for (const a of axios as unknown[]) {
    const proto = (a as AxiosLike | null)?.Axios?.prototype as Record<string, unknown> | undefined;
    if (!proto || (typeof proto._request !== "function" && typeof proto.request !== "function"))
      fail("axios must be the default export of axios (the object with .Axios and .create)");
  }
  const debug = options.debug ?? false;
  const eventThread = options.eventThread ?? "worker";
  if (eventThread !== "worker" && eventThread !== "main")
    fail(`eventThread must be "worker" or "main", got ${JSON.stringify(eventThread)}`);
  return {
    enforcement,
    policyUrl,
    cedarEvaluator: evaluator,
    exclude: compileExcludePatterns(options.excludePatterns),
    failClosed,
    debug,
    policyRefreshInterval: wholeNumber(
      "policyRefreshInterval",
      options.policyRefreshInterval,
      30_000,
      10,
      24 * 3_600_000,
    ),
    bodyBytes,
    decisionCacheSize: wholeNumber("decisionCacheSize", options.decisionCacheSize, 1024, 0, 1_000_000),
    axios: axios as AxiosLike[],
    logger: options.logger ? safeLogger(options.logger) : debug ? consoleLogger(true) : client.logger,
    eventThread,
  };
}

import { ConfigurationError } from "@trusera/core";
import type { EnforcementMode } from "../../interceptor/types.js";
import { type Logger, safeLogger } from "../../log.js";
import { CedarEvaluator } from "../../policy/cedar-evaluator.js";
import { DEFAULT_MODEL_PRICES, type ModelPrice } from "./pricing.js";
import type { IntegrationOptions } from "./types.js";

export interface ResolvedIntegrationOptions {
  enforcement: EnforcementMode;
  cedarEvaluator: CedarEvaluator | null;
  failClosed: boolean;
  prices: Readonly<Record<string, ModelPrice>>;
  logger: Logger | null;
}

const KNOWN = ["enforcement", "cedarEvaluator", "failClosed", "prices", "logger"];

/**
 * Checks an integration's options once, at construction, and fills in defaults.
 * @param who names the integration in error messages, e.g. `TruseraLangChainHandler`.
 * @param extra option names this integration takes besides the shared ones.
 * @throws ConfigurationError naming the option and what is wrong with it.
 */
export function resolveIntegrationOptions(
  who: string,
  options: IntegrationOptions | undefined,
  extra: readonly string[] = [],
): ResolvedIntegrationOptions {
  const fail = (message: string): never => {
    throw new ConfigurationError(`${who}: ${message}`);
  };
  const o = options ?? {};
  if (typeof o !== "object" || o === null) fail("options must be an object");
  const known = [...KNOWN, ...extra];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) fail(`unknown option ${JSON.stringify(key)} (known: ${known.join(", ")})`);
  }
  const enforcement = o.enforcement ?? "log";
  if (enforcement !== "log" && enforcement !== "warn" && enforcement !== "block")
    fail(`enforcement must be "log", "warn" or "block", got ${JSON.stringify(enforcement)}`);
  const evaluator = o.cedarEvaluator ?? null;
  if (evaluator !== null && !(evaluator instanceof CedarEvaluator))
    fail("cedarEvaluator must be a CedarEvaluator");
  if (o.failClosed !== undefined && typeof o.failClosed !== "boolean") fail("failClosed must be a boolean");
  const failClosed = o.failClosed ?? false;
  if (failClosed && !evaluator) fail("failClosed needs a cedarEvaluator to be a policy source");
  const prices: Record<string, ModelPrice> = { ...DEFAULT_MODEL_PRICES };
  if (o.prices !== undefined) {
    if (typeof o.prices !== "object" || o.prices === null)
      fail("prices must be an object of model: { input, output }");
    for (const [model, price] of Object.entries(o.prices)) {
      if (price === null) {
        delete prices[model];
        continue;
      }
      const ok = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;
      if (typeof price !== "object" || !ok(price.input) || !ok(price.output))
        fail(
          `prices[${JSON.stringify(model)}] must be { input, output } in USD per million tokens (numbers >= 0)`,
        );
      prices[model] = { input: price.input, output: price.output };
    }
  }
  const logger = o.logger;
  if (logger !== undefined && (typeof logger?.warn !== "function" || typeof logger?.debug !== "function"))
    fail("logger must have warn and debug functions");
  return {
    enforcement,
    cedarEvaluator: evaluator,
    failClosed,
    prices: Object.freeze(prices),
    logger: logger ? safeLogger(logger) : null,
  };
}

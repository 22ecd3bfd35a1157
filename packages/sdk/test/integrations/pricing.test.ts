import { describe, expect, it } from "vitest";
import { CedarEvaluator, ConfigurationError } from "../../src/index.js";
import { DEFAULT_MODEL_PRICES, estimateCost } from "../../src/integrations/openai/index.js";
import { resolveIntegrationOptions } from "../../src/integrations/shared/options.js";
import { priceOf } from "../../src/integrations/shared/pricing.js";

const usage = (inputTokens: number | null, outputTokens: number | null) => ({
  inputTokens,
  outputTokens,
  totalTokens: null,
});

describe("the price table", () => {
  it("matches a model by exact id, then by the longest dated or suffixed prefix", () => {
    expect(priceOf("gpt-4o", DEFAULT_MODEL_PRICES)).toEqual({ input: 2.5, output: 10 });
    expect(priceOf("gpt-4o-2024-08-06", DEFAULT_MODEL_PRICES)).toEqual({ input: 2.5, output: 10 });
    expect(priceOf("gpt-4o-mini-2024-07-18", DEFAULT_MODEL_PRICES)).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf("gpt-4-0613", DEFAULT_MODEL_PRICES)).toEqual({ input: 30, output: 60 });
    expect(priceOf("claude-3-5-sonnet-20241022", DEFAULT_MODEL_PRICES)).toEqual({ input: 3, output: 15 });
    expect(priceOf("openai/gpt-4.1-mini", DEFAULT_MODEL_PRICES)).toEqual({ input: 0.4, output: 1.6 });
    // Not a prefix at a word boundary: gpt-4o is not gpt-4.
    expect(priceOf("gpt-4omega", DEFAULT_MODEL_PRICES)).toBeNull();
    expect(priceOf("llama-3-70b", DEFAULT_MODEL_PRICES)).toBeNull();
  });

  it("estimates in dollars, and says null when it cannot", () => {
    expect(estimateCost("gpt-4o", usage(1_000_000, 1_000_000))).toBe(12.5);
    expect(estimateCost("gpt-4o-mini", usage(3, 7))).toBe(0.00000465);
    expect(estimateCost("gpt-4o", usage(null, null))).toBeNull();
    expect(estimateCost("unknown-model", usage(10, 10))).toBeNull();
    expect(estimateCost("mine", usage(1000, 0), { mine: { input: 1, output: 2 } })).toBe(0.001);
  });
});

describe("integration options", () => {
  it("merges prices over the defaults; null removes one", () => {
    const o = resolveIntegrationOptions("t", { prices: { "gpt-4o": null, mine: { input: 1, output: 2 } } });
    expect(priceOf("gpt-4o", o.prices)).toBeNull();
    expect(priceOf("mine-v2", o.prices)).toEqual({ input: 1, output: 2 });
    expect(priceOf("gpt-4o-mini", o.prices)).toEqual({ input: 0.15, output: 0.6 });
  });

  it("says which option is wrong", () => {
    const bad = (options: unknown) => () => resolveIntegrationOptions("TruseraOpenAI", options as never);
    expect(bad({ prices: { x: { input: -1, output: 1 } } })).toThrow(
      /prices\["x"\] must be \{ input, output \}/,
    );
    expect(bad({ enforcement: "deny" })).toThrow(/enforcement must be "log", "warn" or "block"/);
    expect(bad({ failClosed: true })).toThrow(/failClosed needs a cedarEvaluator/);
    expect(bad({ cedarEvaluator: {} })).toThrow(ConfigurationError);
    expect(bad({ policyUrl: "/x" })).toThrow(/TruseraOpenAI: unknown option "policyUrl"/);
    expect(
      resolveIntegrationOptions("t", { failClosed: true, cedarEvaluator: new CedarEvaluator() }),
    ).toMatchObject({
      failClosed: true,
      enforcement: "log",
    });
  });
});

/** A model's list price in US dollars per million tokens. */
export interface ModelPrice {
  /** Per million input (prompt) tokens. */
  input: number;
  /** Per million output (completion) tokens. */
  output: number;
}

/** Tokens of one model call as the framework reported them; `null` where it did not say. */
export interface TokenUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
}

/**
 * List prices (USD per million tokens, standard tier, no caching or batch discounts) of common models,
 * as the providers published them in 2025. They change: costs computed from them are estimates, and
 * `prices` in the integration options overrides or extends them. A model id matches its exact entry,
 * or the longest entry it starts with followed by `-` (`gpt-4o-2024-08-06` is `gpt-4o`), after any
 * `provider/` prefix (`openai/gpt-4o`).
 */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, Readonly<ModelPrice>>> = Object.freeze({
  "gpt-5": { input: 1.25, output: 10 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5-nano": { input: 0.05, output: 0.4 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-4": { input: 30, output: 60 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60 },
  "o1-mini": { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  "o3-mini": { input: 1.1, output: 4.4 },
  "o4-mini": { input: 1.1, output: 4.4 },
  "claude-opus-4": { input: 15, output: 75 },
  "claude-sonnet-4": { input: 3, output: 15 },
  "claude-3-7-sonnet": { input: 3, output: 15 },
  "claude-3-5-sonnet": { input: 3, output: 15 },
  "claude-3-5-haiku": { input: 0.8, output: 4 },
  "claude-3-opus": { input: 15, output: 75 },
  "claude-3-haiku": { input: 0.25, output: 1.25 },
  "gemini-2.5-pro": { input: 1.25, output: 10 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4 },
  "gemini-1.5-pro": { input: 1.25, output: 5 },
  "gemini-1.5-flash": { input: 0.075, output: 0.3 },
});

/** The price of `model` in `table`: its exact entry, else the longest `<entry>-...` prefix. */
export function priceOf(model: string, table: Readonly<Record<string, ModelPrice>>): ModelPrice | null {
  const id = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  const exact = Object.hasOwn(table, id) ? table[id] : undefined;
  if (exact) return exact;
  let best: string | null = null;
  for (const key of Object.keys(table)) {
    if (id.startsWith(`${key.toLowerCase()}-`) && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? null : table[best]!;
}

/**
 * Estimated cost in US dollars of one call, or `null` when the model has no price or the framework
 * reported no token counts.
 */
export function estimateCost(
  model: string,
  usage: TokenUsage,
  table: Readonly<Record<string, ModelPrice>> = DEFAULT_MODEL_PRICES,
): number | null {
  const price = priceOf(model, table);
  if (!price || (usage.inputTokens === null && usage.outputTokens === null)) return null;
  const dollars = ((usage.inputTokens ?? 0) * price.input + (usage.outputTokens ?? 0) * price.output) / 1e6;
  // Nine decimals: a fraction of a micro-dollar, without binary floating-point tails in the event.
  return Math.round(dollars * 1e9) / 1e9;
}

/** A token count as a framework reports it: a non-negative whole number, or null. */
export function tokenCount(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
}

/** Builds a usage from input and output counts, filling in the total when the framework omitted it. */
export function usageOf(input: unknown, output: unknown, total?: unknown): TokenUsage {
  const inputTokens = tokenCount(input);
  const outputTokens = tokenCount(output);
  const totalTokens =
    tokenCount(total) ??
    (inputTokens === null && outputTokens === null ? null : (inputTokens ?? 0) + (outputTokens ?? 0));
  return { inputTokens, outputTokens, totalTokens };
}

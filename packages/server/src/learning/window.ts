import type { ServerLearningOptions } from "./suggestions.js";

const WEEK_US = 7 * 86_400_000_000;

/** The default window and thresholds (docs/learning.md): the query parameters' and the sweep's. */
export const LEARNING_DEFAULTS = {
  minCount: 5,
  minAgents: 2,
  rareMax: 2,
  maxEvents: 100_000,
  maxExamples: 3,
} as const;

/** Options from what a request gave (µs for times); the rest are the defaults, the window the last 7 days. */
export function learningOptions(
  given: Partial<Omit<ServerLearningOptions, "maxExamples">> = {},
  now = Date.now() * 1000,
): ServerLearningOptions {
  const until = given.until ?? now + 1;
  return {
    since: given.since ?? until - WEEK_US,
    until,
    minCount: given.minCount ?? LEARNING_DEFAULTS.minCount,
    minAgents: given.minAgents ?? LEARNING_DEFAULTS.minAgents,
    rareMax: given.rareMax ?? LEARNING_DEFAULTS.rareMax,
    maxEvents: given.maxEvents ?? LEARNING_DEFAULTS.maxEvents,
    maxExamples: LEARNING_DEFAULTS.maxExamples,
  };
}

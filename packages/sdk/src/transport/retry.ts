/** How a failed request is retried. */
export interface RetryPolicy {
  /** Retries after the first attempt, per batch. */
  maxRetries: number;
  /** Upper bound of the first backoff; doubles each retry (full jitter). */
  baseDelayMs: number;
  /** No single wait is longer, including one asked for by Retry-After. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxRetries: 5,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
});

/** Network errors, 5xx, 408 and 429 are worth another try; every other status is an answer. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Exponential backoff with full jitter: a random wait in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Milliseconds asked for by a Retry-After header (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

import { isSensitiveName, REDACTED } from "./patterns.js";

export type HeaderInput =
  | Record<string, string | number | readonly string[] | undefined | null>
  | Iterable<readonly [string, string]>
  | { forEach(cb: (value: string, name: string) => void): void };

function put(out: Record<string, string>, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const lower = name.toLowerCase();
  const text = Array.isArray(value) ? value.join(", ") : String(value);
  out[lower] = isSensitiveName(lower) ? REDACTED : text;
}

/**
 * Headers as a plain object with lower-case names and every credential replaced by `[REDACTED]`.
 * Accepts a plain object, a WHATWG `Headers`, or a list of pairs.
 */
export function redactHeaders(headers: HeaderInput | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (typeof (headers as { forEach?: unknown }).forEach === "function" && !Array.isArray(headers)) {
    (headers as { forEach(cb: (v: string, k: string) => void): void }).forEach((v, k) => {
      put(out, k, v);
    });
  } else if (Symbol.iterator in (headers as object)) {
    for (const pair of headers as Iterable<readonly [string, string]>) put(out, pair[0], pair[1]);
  } else {
    for (const [k, v] of Object.entries(headers)) put(out, k, v);
  }
  return out;
}

/** Lower-case header names only, sorted: what the Cedar request context holds. */
export function headerNames(headers: HeaderInput | undefined | null): string[] {
  return Object.keys(redactHeaders(headers)).sort();
}

import { isSensitiveName, REDACTED } from "./patterns.js";
import { redactText } from "./text.js";

const MAX_DEPTH = 32;

/**
 * A copy of a JSON-like value with every secret replaced: values under a sensitive key
 * (`password`, `api_key`, `authorization`, ...), whole when they are arrays or objects, and every
 * string anywhere through `redactText`.
 * Returns the value itself, not a copy, when nothing needs replacing, so the common case allocates nothing.
 * Nesting deeper than 32 levels is cut with `[TRUNCATED]`, and a reference to an enclosing object
 * (a cycle) is replaced by `[Circular]`, so the result can always be serialized.
 */
export function scrubSecrets<T>(value: T): T {
  return scrub(value, 0, []) as T;
}

function scrub(value: unknown, depth: number, ancestors: object[]): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value !== "object" || value === null) return value;
  if (ancestors.includes(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[TRUNCATED]";
  ancestors.push(value);
  try {
    return scrubObject(value, depth, ancestors);
  } finally {
    ancestors.pop();
  }
}

/**
 * Whether a value under a sensitive key has anything to hide: any scalar but null and "", and any
 * non-empty array or object, which is replaced whole (`{"credentials": {...}}`, `{"password": ["x"]}`).
 */
function holdsSomething(value: unknown): boolean {
  if (value === null || value === "" || value === undefined) return false;
  if (typeof value !== "object") return true;
  if (Array.isArray(value)) return value.length > 0;
  for (const k in value) if (Object.hasOwn(value, k)) return true;
  return false;
}

function scrubObject(value: object, depth: number, ancestors: object[]): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = scrub(value[i], depth + 1, ancestors);
      if (next !== value[i]) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const current = record[key];
    const next =
      isSensitiveName(key) && holdsSomething(current) ? REDACTED : scrub(current, depth + 1, ancestors);
    if (next !== current) {
      copy ??= { ...record };
      copy[key] = next;
    }
  }
  return copy ?? value;
}

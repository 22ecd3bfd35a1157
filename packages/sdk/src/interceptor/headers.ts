import { redactHeaders, redactText } from "@trusera/core";

type Plain = Record<string, string>;

const NO_HEADERS: Plain = Object.freeze({}) as Plain;

function add(out: Plain, name: unknown, value: unknown): void {
  if (value === undefined || value === null || typeof name !== "string") return;
  const lower = name.toLowerCase();
  // Values under a credential's name are replaced by redactHeaders; this catches secret-shaped values
  // under any other name (x-debug: Bearer ...).
  const text = redactText(Array.isArray(value) ? value.join(", ") : String(value));
  out[lower] = lower in out ? `${out[lower]}, ${text}` : text;
}

/**
 * Request headers in whatever form a client library holds them (a plain object, a WHATWG `Headers`,
 * axios' `AxiosHeaders`, undici's or node's flat `[name, value, name, value]` list, a list of pairs,
 * a `Map`) as a plain object with lower-case names, every credential and secret-shaped value redacted.
 */
export function recordHeaders(input: unknown): Record<string, string> {
  // Most calls have none: one shared, frozen object (no call writes to its headers) instead of a new one each.
  if (input === undefined || input === null || typeof input !== "object") return NO_HEADERS;
  const out: Plain = {};
  if (Array.isArray(input)) {
    if (input.length > 0 && Array.isArray(input[0])) {
      for (const pair of input as unknown[][]) add(out, pair[0], pair[1]);
    } else {
      for (let i = 0; i + 1 < input.length; i += 2) add(out, input[i], input[i + 1]);
    }
    return redactHeaders(out);
  }
  const h = input as { forEach?: unknown; toJSON?: unknown; [Symbol.iterator]?: unknown };
  if (typeof globalThis.Headers === "function" && input instanceof globalThis.Headers) {
    input.forEach((v, k) => {
      add(out, k, v);
    });
  } else if (typeof h.toJSON === "function" && !(input instanceof Map)) {
    // AxiosHeaders: toJSON() is its plain-object form.
    const json = (h.toJSON as () => unknown)();
    if (json && typeof json === "object") for (const [k, v] of Object.entries(json)) add(out, k, v);
  } else if (typeof h[Symbol.iterator] === "function") {
    for (const pair of input as Iterable<unknown>) {
      if (Array.isArray(pair)) add(out, pair[0], pair[1]);
    }
  } else {
    for (const k in input) {
      if (Object.hasOwn(input, k)) add(out, k, (input as Record<string, unknown>)[k]);
    }
  }
  return redactHeaders(out);
}

import canonicalizeModule from "canonicalize";
import { ValidationError } from "../errors.js";

// `canonicalize` is CommonJS (`module.exports = fn`); depending on the loader the default import is
// the function itself or a namespace holding it.
const canonicalize: (value: unknown) => string | undefined =
  typeof canonicalizeModule === "function"
    ? canonicalizeModule
    : (canonicalizeModule as unknown as { default: (value: unknown) => string | undefined }).default;

/**
 * The RFC 8785 (JCS) encoding of a JSON value: members sorted by UTF-16 code units, numbers in
 * ECMAScript form, no whitespace. These are the bytes ATP signs and hashes.
 * @throws {ValidationError} for values JSON cannot hold (undefined at the top, NaN, Infinity).
 */
export function canonicalJson(value: unknown): string {
  let out: string | undefined;
  try {
    out = canonicalize(value);
  } catch (err) {
    throw new ValidationError([(err as Error).message], "JSON value for canonicalization");
  }
  if (out === undefined) throw new ValidationError(["undefined has no JSON form"], "JSON value");
  return out;
}

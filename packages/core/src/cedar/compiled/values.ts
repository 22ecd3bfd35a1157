/**
 * Cedar values as the compiled evaluator holds them, and the checks that keep it on the ground the
 * official engine would decide the same way.
 *
 * Representation: Bool is a JS boolean, Long a safe integer number, String a string, Set an array,
 * Record a plain object (own keys only), an entity reference an `EntityUid`. Anything the compiled
 * evaluator cannot decide exactly as cedar-wasm would (an extension value, a number beyond 2^53, an
 * input shape the engine would reject) throws `FALLBACK`, and the whole request goes to cedar-wasm.
 */

/** Thrown when this request must be decided by cedar-wasm instead. Never escapes the evaluator. */
export const FALLBACK: unique symbol = Symbol("cedar-compiled-fallback");

// A Cedar evaluation error in a policy (which the engine skips and reports) is thrown as FALLBACK too:
// the compiled evaluator does not word errors itself, a request with one is decided again by
// cedar-wasm, so that the error list is the engine's own. Errors are rare on the hot path.

export class EntityUid {
  // Declared only and assigned in the constructor: class fields are defined by an initializer that
  // V8 runs as a call of its own, for each of the few uids every request makes.
  declare readonly type: string;
  declare readonly id: string;
  declare private joined: string | undefined;
  constructor(type: string, id: string) {
    this.type = type;
    this.id = id;
    this.joined = undefined;
  }

  /**
   * `type` and `id` in one string, for maps and sets; made on first use (a fresh joined string costs
   * its hashing and flattening on every request, where most only compare `id` and `type`).
   * A type name never holds a NUL (see isTypeName), so the key is unambiguous.
   */
  get key(): string {
    if (this.joined === undefined) this.joined = `${this.type}\u0000${this.id}`;
    return this.joined;
  }

  equals(other: EntityUid): boolean {
    return this.id === other.id && this.type === other.type;
  }
}

export type Value = boolean | number | string | EntityUid | Value[] | { [k: string]: Value };

const isRecord = (v: unknown): v is Record<string, Value> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof EntityUid);

/** Cedar's `==`: never an error; values of different kinds are unequal. */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof EntityUid) return b instanceof EntityUid && a.equals(b);
  if (b instanceof EntityUid) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return false;
    return setIncludesAll(a, b) && setIncludesAll(b, a);
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !valueEquals(a[k]!, b[k]!)) return false;
  }
  return true;
}

export function setIncludes(set: Value[], v: Value): boolean {
  if (typeof v !== "object") return set.includes(v);
  for (const x of set) if (valueEquals(x, v)) return true;
  return false;
}

/** Every member of `sub` is in `set`. */
export function setIncludesAll(set: Value[], sub: Value[]): boolean {
  for (const x of sub) if (!setIncludes(set, x)) return false;
  return true;
}

export { isRecord };

// Cedar identifiers, `::`-separated; the words Cedar reserves are not names.
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(["true", "false", "if", "then", "else", "in", "is", "like", "has", "__cedar"]);

const typeNames = new Map<string, boolean>();
// The last few names found good, compared before the map: four type names are checked per request,
// and `===` on the same (usually interned) string is cheaper than hashing it.
const recent: string[] = [];
/** Whether the engine accepts `name` as an entity type; answers are remembered (few distinct types). */
export function isTypeName(name: unknown): name is string {
  if (typeof name !== "string") return false;
  for (let i = 0; i < recent.length; i++) if (recent[i] === name) return true;
  let ok = typeNames.get(name);
  if (ok === undefined) {
    ok = name.split("::").every((part) => IDENT.test(part) && !RESERVED.has(part));
    if (typeNames.size < 10_000) typeNames.set(name, ok);
  }
  if (ok) {
    if (recent.length === 8) recent.pop();
    recent.unshift(name);
  }
  return ok;
}

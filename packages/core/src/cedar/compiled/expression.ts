import { type Env, entityIn } from "./request.js";
import {
  EntityUid,
  FALLBACK,
  isRecord,
  setIncludes,
  setIncludesAll,
  type Value,
  valueEquals,
} from "./values.js";

/** A compiled expression: evaluates against a request, or throws FALLBACK (a Cedar error included). */
export type Expr = (env: Env) => Value;

/** Thrown at compile time for an expression this compiler does not handle; the policy stays with cedar-wasm. */
export class Unsupported extends Error {}

// biome-ignore lint/suspicious/noExplicitAny: the engine's JSON policy format (EST), checked node by node
type Json = any;

function fail(): never {
  throw FALLBACK;
}

const bool = (v: Value): boolean => (typeof v === "boolean" ? v : fail());
const long = (v: Value): number => (typeof v === "number" ? v : fail());
const entity = (v: Value): EntityUid => (v instanceof EntityUid ? v : fail());
const set = (v: Value): Value[] => (Array.isArray(v) ? v : fail());
const str = (v: Value): string => (typeof v === "string" ? v : fail());
// Safe integers in, so a result that is not one is past 2^53: the engine decides (i64 overflow or not).
const checked = (n: number): number => (Number.isSafeInteger(n) ? n : fail());

/** A constant from the policy text (`Value` node), as a Cedar value. */
export function literal(v: Json): Value {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (!Number.isSafeInteger(v)) throw new Unsupported("a long beyond 2^53");
      return v;
    case "object": {
      if (v === null) break;
      if (Array.isArray(v)) return v.map(literal);
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === "__entity") return entityLiteral(v.__entity);
      if (keys.some((k) => k.startsWith("__"))) break;
      const out: Record<string, Value> = Object.create(null);
      for (const k of keys) out[k] = literal(v[k]);
      return out;
    }
  }
  throw new Unsupported(`value ${JSON.stringify(v)}`);
}

export function entityLiteral(e: Json): EntityUid {
  if (!e || typeof e.type !== "string" || typeof e.id !== "string") throw new Unsupported("entity");
  return new EntityUid(e.type, e.id);
}

/** Cedar `like`: `*` any run of characters (Unicode code points), `\*` a literal star. */
export function likeMatcher(pattern: Json): (s: string) => boolean {
  if (!Array.isArray(pattern)) throw new Unsupported("like pattern");
  const parts: (string | null)[] = []; // null: a wildcard; runs of literals joined
  for (const p of pattern) {
    if (p === "Wildcard") {
      if (parts[parts.length - 1] !== null) parts.push(null);
    } else if (p && typeof p.Literal === "string") {
      const last = parts[parts.length - 1];
      if (typeof last === "string") parts[parts.length - 1] = last + p.Literal;
      else parts.push(p.Literal);
    } else throw new Unsupported("like pattern element");
  }
  if (parts.length === 0) return (s) => s === "";
  if (parts.length === 1) {
    const only = parts[0]!;
    return only === null ? () => true : (s) => s === only;
  }
  if (parts.length === 2 && typeof parts[0] === "string" && parts[1] === null) {
    const prefix = parts[0];
    return (s) => s.startsWith(prefix);
  }
  if (parts.length === 2 && parts[0] === null && typeof parts[1] === "string") {
    const suffix = parts[1];
    return (s) => s.endsWith(suffix);
  }
  // Linear: the first literal is a prefix, the last a suffix, the ones between are found left to right
  // (the leftmost match of each leaves the most room for the rest, so greedy is exact for `*`). A
  // backtracking RegExp (`^a[^]*b[^]*c$`) took seconds on `*a*b` against 16 KiB of `a` and did not
  // finish on 21 wildcards against 512 characters: a pattern from any inline policy stalled the thread.
  const literals = parts.filter((p): p is string => p !== null);
  const anchoredStart = parts[0] !== null;
  const anchoredEnd = parts[parts.length - 1] !== null;
  return (s) => {
    let from = 0;
    let end = s.length;
    let first = 0;
    let last = literals.length;
    if (anchoredStart) {
      if (!s.startsWith(literals[0]!)) return false;
      from = literals[0]!.length;
      first = 1;
    }
    if (anchoredEnd) {
      const tail = literals[literals.length - 1]!;
      end = s.length - tail.length;
      if (end < from || !s.endsWith(tail)) return false;
      last = literals.length - 1;
    }
    for (let i = first; i < last; i++) {
      const at = s.indexOf(literals[i]!, from);
      if (at < 0 || at + literals[i]!.length > end) return false;
      from = at + literals[i]!.length;
    }
    return true;
  };
}

const VARS = new Set(["principal", "action", "resource", "context"]);

/** Compiles one expression node of the engine's JSON policy format into a closure. */
export function compileExpr(node: Json): Expr {
  if (typeof node !== "object" || node === null) throw new Unsupported("expression");
  const keys = Object.keys(node);
  if (keys.length !== 1) throw new Unsupported("expression");
  const op = keys[0]!;
  const arg = node[op];
  switch (op) {
    case "Value": {
      const v = literal(arg);
      return () => v;
    }
    case "Var":
      if (!VARS.has(arg)) throw new Unsupported(`variable ${arg}`);
      return arg === "context"
        ? (env) => env.context
        : arg === "principal"
          ? (env) => env.principal
          : arg === "action"
            ? (env) => env.action
            : (env) => env.resource;
    case "!": {
      const a = compileExpr(arg.arg);
      return (env) => !bool(a(env));
    }
    case "neg": {
      const a = compileExpr(arg.arg);
      return (env) => checked(-long(a(env)));
    }
    case "&&": {
      const l = compileExpr(arg.left);
      const r = compileExpr(arg.right);
      return (env) => bool(l(env)) && bool(r(env));
    }
    case "||": {
      const l = compileExpr(arg.left);
      const r = compileExpr(arg.right);
      return (env) => bool(l(env)) || bool(r(env));
    }
    case "if-then-else": {
      const c = compileExpr(arg.if);
      const t = compileExpr(arg.then);
      const e = compileExpr(arg.else);
      return (env) => (bool(c(env)) ? t(env) : e(env));
    }
    case ".": {
      const attr = arg.attr;
      if (typeof attr !== "string") throw new Unsupported("attribute");
      // An attribute of a variable (`resource.hostname`, `context.path`: nearly every one) reads it
      // directly: one call per read instead of two, and no check of what the variable holds.
      const direct = varAttr(arg.left, attr);
      if (direct !== null) return direct;
      const l = compileExpr(arg.left);
      return (env) => {
        const v = l(env);
        if (v instanceof EntityUid) {
          const stored = env.entity(v);
          if (stored === undefined || !Object.hasOwn(stored.attrs, attr)) fail();
          return stored.attrs[attr]!;
        }
        if (isRecord(v) && Object.hasOwn(v, attr)) return v[attr]!;
        return fail();
      };
    }
    case "has": {
      const l = compileExpr(arg.left);
      const attr = arg.attr;
      if (typeof attr !== "string") throw new Unsupported("attribute");
      return (env) => {
        const v = l(env);
        if (v instanceof EntityUid) {
          const stored = env.entity(v);
          return stored !== undefined && Object.hasOwn(stored.attrs, attr);
        }
        return isRecord(v) ? Object.hasOwn(v, attr) : fail();
      };
    }
    case "is": {
      const l = compileExpr(arg.left);
      const type = arg.entity_type;
      if (typeof type !== "string") throw new Unsupported("is");
      if (arg.in === undefined) return (env) => entity(l(env)).type === type;
      const within = compileExpr(arg.in);
      // Both sides are evaluated before either is looked at: an error in `in` is never hidden here.
      return (env) => {
        const e = entity(l(env));
        const inside = inTest(env, e, within(env));
        return e.type === type && inside;
      };
    }
    case "in": {
      const l = compileExpr(arg.left);
      const r = compileExpr(arg.right);
      return (env) => {
        const a = l(env);
        return inTest(env, entity(a), r(env));
      };
    }
    case "like": {
      const l = compileExpr(arg.left);
      const match = likeMatcher(arg.pattern);
      return (env) => match(str(l(env)));
    }
    case "Set": {
      if (!Array.isArray(arg)) throw new Unsupported("set");
      const items = arg.map(compileExpr);
      return (env) => items.map((f) => f(env));
    }
    case "Record": {
      if (typeof arg !== "object" || arg === null) throw new Unsupported("record");
      const fields = Object.keys(arg).map((k) => [k, compileExpr(arg[k])] as const);
      return (env) => {
        const out: Record<string, Value> = Object.create(null);
        for (const [k, f] of fields) out[k] = f(env);
        return out;
      };
    }
  }
  return binary(op, arg);
}

/** `<variable>.<attr>`, or null for any other expression. */
function varAttr(left: Json, attr: string): Expr | null {
  switch (left?.Var) {
    case "context":
      // The context is always a record (toEnv checks it).
      return (env) => {
        const c = env.context;
        return Object.hasOwn(c, attr) ? c[attr]! : fail();
      };
    case "principal":
      return (env) => entityAttr(env, env.principal, attr);
    case "action":
      return (env) => entityAttr(env, env.action, attr);
    case "resource":
      return (env) => entityAttr(env, env.resource, attr);
  }
  return null;
}

function entityAttr(env: Env, uid: EntityUid, attr: string): Value {
  const stored = env.entity(uid);
  if (stored === undefined || !Object.hasOwn(stored.attrs, attr)) fail();
  return stored.attrs[attr]!;
}

function inTest(env: Env, e: EntityUid, target: Value): boolean {
  if (target instanceof EntityUid) return entityIn(env, e, target);
  if (!Array.isArray(target)) return fail();
  let found = false;
  for (const t of target) {
    if (!(t instanceof EntityUid)) fail(); // the engine's own order of checks decides the error: let it
    if (!found && entityIn(env, e, t)) found = true;
  }
  return found;
}

function binary(op: string, arg: Json): Expr {
  if (typeof arg !== "object" || arg === null || !("left" in arg) || !("right" in arg)) {
    throw new Unsupported(`operator ${op}`);
  }
  const pair = (f: (a: Value, b: Value, env: Env) => Value): Expr | null => {
    const l = compileExpr(arg.left);
    const r = compileExpr(arg.right);
    return (env) => {
      const a = l(env);
      return f(a, r(env), env);
    };
  };
  let out: Expr | null = null;
  switch (op) {
    case "==": {
      const r = arg.right;
      const l = compileExpr(arg.left);
      // The common `x == "literal"`: a string compare, no generic equality.
      if (r && typeof r.Value === "string") {
        const lit = r.Value;
        return (env) => l(env) === lit;
      }
      const rr = compileExpr(r);
      return (env) => {
        const a = l(env);
        return valueEquals(a, rr(env));
      };
    }
    case "!=":
      out = pair((a, b) => !valueEquals(a, b));
      break;
    case "<":
      out = pair((a, b) => long(a) < long(b));
      break;
    case "<=":
      out = pair((a, b) => long(a) <= long(b));
      break;
    case ">":
      out = pair((a, b) => long(a) > long(b));
      break;
    case ">=":
      out = pair((a, b) => long(a) >= long(b));
      break;
    case "+":
      out = pair((a, b) => checked(long(a) + long(b)));
      break;
    case "-":
      out = pair((a, b) => checked(long(a) - long(b)));
      break;
    case "*":
      out = pair((a, b) => checked(long(a) * long(b)));
      break;
    case "contains":
      out = pair((a, b) => setIncludes(set(a), b));
      break;
    case "containsAll":
      out = pair((a, b) => setIncludesAll(set(a), set(b)));
      break;
    case "containsAny":
      out = pair((a, b) => {
        const s = set(a);
        const t = set(b);
        for (const x of t) if (setIncludes(s, x)) return true;
        return false;
      });
      break;
    case "hasTag":
      out = pair((a, b, env) => {
        const e = entity(a);
        const key = str(b);
        const tags = env.entity(e)?.tags;
        return tags !== undefined && Object.hasOwn(tags, key);
      });
      break;
    case "getTag":
      out = pair((a, b, env) => {
        const e = entity(a);
        const key = str(b);
        const tags = env.entity(e)?.tags;
        return tags !== undefined && Object.hasOwn(tags, key) ? tags[key]! : fail();
      });
      break;
  }
  if (out === null) throw new Unsupported(`operator ${op}`);
  return out;
}

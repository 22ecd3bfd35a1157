import { compileExpr, entityLiteral, Unsupported } from "./expression.js";
import type { Env } from "./request.js";
import { entityIn } from "./request.js";
import { type EntityUid, FALLBACK } from "./values.js";

// biome-ignore lint/suspicious/noExplicitAny: the engine's JSON policy format (EST), checked node by node
type Json = any;

/**
 * What a policy pins, so that requests with another value skip it: `principal == T::"id"` or
 * `resource == T::"id"` in its scope (the value is the id, the path gives the variable's id when its
 * type is T), else `<path> == "<literal>"` evaluated first in its first `when`.
 */
export interface Pin {
  /** What the path reads (`principal == Agent`, or the JSON of `resource.hostname`): the key policies are grouped by. */
  key: string;
  /** The value the policy wants; anything but a string never matches it. May throw FALLBACK (a Cedar error). */
  path: (env: Env) => unknown;
  value: string;
  /**
   * `<path> like "<value>*..."`: the path's string must start with `value` (not equal it). Anything but a
   * string makes `like` fail, so such a request evaluates every policy of the group.
   */
  prefix?: true;
}

/** One policy, compiled. `when` is null when it could not be: the engine decides requests it is in scope for. */
export interface CompiledPolicy {
  id: string;
  /** Position in the set: answers list policy ids in this order. */
  index: number;
  forbid: boolean;
  /** The scope (`principal`, `action`, `resource` constraints); never errors. */
  scope: (env: Env) => boolean;
  /** The conditions, after the scope. Null: not compiled. */
  when: ((env: Env) => boolean) | null;
  /**
   * `when`, for a request found by the value of the policy's `==` pin: without evaluating the pin's
   * comparison again, which is known to be true (its path gave that very string, without error).
   * Null when `when` is.
   */
  whenPinned: ((env: Env) => boolean) | null;
  /**
   * The actions its scope names (`action == A`: A; `action in [A, B]`: A and B), undefined for any.
   * `in` matches their descendants too: the index looks a request's action up with its ancestors.
   */
  actions: EntityUid[] | undefined;
  pin: Pin | undefined;
}

function fail(): never {
  throw FALLBACK;
}

type Var = "principal" | "action" | "resource";

function scopePart(v: Var, c: Json): ((env: Env) => boolean) | null {
  // One accessor per variable: a property read the JIT sees through, not a keyed one.
  const get: (env: Env) => EntityUid =
    v === "principal" ? (env) => env.principal : v === "action" ? (env) => env.action : (env) => env.resource;
  switch (c?.op) {
    case "All":
      return null;
    case "==": {
      if (c.entity === undefined) throw new Unsupported("template slot");
      const { type, id } = entityLiteral(c.entity);
      return (env) => {
        const u = get(env);
        return u.id === id && u.type === type;
      };
    }
    case "in": {
      if (Array.isArray(c.entities)) {
        const targets = c.entities.map(entityLiteral);
        return (env) => targets.some((t: EntityUid) => entityIn(env, get(env), t));
      }
      if (c.entity === undefined) throw new Unsupported("template slot");
      const target = entityLiteral(c.entity);
      return (env) => entityIn(env, get(env), target);
    }
    case "is": {
      const type = c.entity_type;
      if (typeof type !== "string") throw new Unsupported("is");
      if (c.in === undefined) return (env) => get(env).type === type;
      if (c.in.entity === undefined) throw new Unsupported("template slot");
      const target = entityLiteral(c.in.entity);
      return (env) => get(env).type === type && entityIn(env, get(env), target);
    }
  }
  throw new Unsupported(`scope ${JSON.stringify(c)}`);
}

function compileScope(json: Json): (env: Env) => boolean {
  const parts = (["principal", "action", "resource"] as const)
    .map((v) => scopePart(v, json[v]))
    .filter((p): p is (env: Env) => boolean => p !== null);
  if (parts.length === 0) return () => true;
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2) {
    const [a, b] = parts as [(env: Env) => boolean, (env: Env) => boolean];
    return (env) => a(env) && b(env);
  }
  const [a, b, c] = parts as [(env: Env) => boolean, (env: Env) => boolean, (env: Env) => boolean];
  return (env) => a(env) && b(env) && c(env);
}

function compileConditions(conditions: Json): (env: Env) => boolean {
  if (!Array.isArray(conditions)) throw new Unsupported("conditions");
  const parts = conditions.map((c: Json) => {
    if (c.kind !== "when" && c.kind !== "unless") throw new Unsupported(`condition ${c.kind}`);
    const body = compileExpr(c.body);
    const unless = c.kind === "unless";
    return (env: Env): boolean => {
      const v = body(env);
      if (typeof v !== "boolean") fail();
      return unless ? !v : v;
    };
  });
  if (parts.length === 0) return () => true;
  if (parts.length === 1) return parts[0]!;
  return (env) => {
    for (const p of parts) if (!p(env)) return false;
    return true;
  };
}

/** The actions an action scope names (`==`, `in` one, `in` a list), or undefined (any action). */
function actionsOf(c: Json): EntityUid[] | undefined {
  if (c?.op === "==" && c.entity !== undefined) return [entityLiteral(c.entity)];
  if (c?.op === "in") {
    if (Array.isArray(c.entities)) return c.entities.map(entityLiteral);
    if (c.entity !== undefined) return [entityLiteral(c.entity)];
  }
  return undefined;
}

/** `principal == T::"id"` (or `resource`) in the scope, as a pin on the variable's id. */
function scopePinOf(v: "principal" | "resource", c: Json): Pin | undefined {
  if (c?.op !== "==" || c.entity === undefined) return undefined;
  const { type, id } = entityLiteral(c.entity);
  const path =
    v === "principal"
      ? (env: Env) => (env.principal.type === type ? env.principal.id : undefined)
      : (env: Env) => (env.resource.type === type ? env.resource.id : undefined);
  return { key: `${v} == ${type}`, path, value: id };
}

/** A chain of attribute reads from a variable (`resource.hostname`, `context.a.b`), or null. */
function isPath(node: Json): boolean {
  if (node?.Var !== undefined) return ["principal", "action", "resource", "context"].includes(node.Var);
  const dot = node?.["."];
  return dot !== undefined && typeof dot.attr === "string" && isPath(dot.left);
}

/** The literal characters a `like` pattern starts with (before its first wildcard), or "". */
function literalPrefix(pattern: Json): string {
  let out = "";
  if (!Array.isArray(pattern)) return out;
  for (const p of pattern) {
    if (typeof p?.Literal !== "string") break;
    out += p.Literal;
  }
  return out;
}

/** The first thing the first `when` evaluates: the leftmost operand of its `&&` chain. */
function pinNode(conditions: Json): Json {
  const first = Array.isArray(conditions) ? conditions[0] : undefined;
  if (first?.kind !== "when") return undefined;
  let node = first.body;
  while (node?.["&&"] !== undefined) node = node["&&"].left;
  return node;
}

/**
 * `conditions` with the first thing the first `when` evaluates taken as true: `(P && a) && b`
 * becomes `a && b`, a lone `P` becomes `true`. `a` is then checked to be a boolean by the `&&`
 * above it or by the condition itself, as `P && a` checks it: the same value or error.
 */
function withoutPin(conditions: Json): Json {
  const drop = (node: Json): Json => {
    const and = node["&&"];
    if (and === undefined) return { Value: true };
    if (and.left["&&"] === undefined) return and.right;
    return { "&&": { left: drop(and.left), right: and.right } };
  };
  const [first, ...rest] = conditions;
  return [{ ...first, body: drop(first.body) }, ...rest];
}

/**
 * The first thing the first `when` evaluates, when it is `<path> == "<string>"` or
 * `<path> like "<literal prefix>..."`. Being first, nothing in the policy can fail before it, and
 * when it is false the whole `&&` chain, the `when` and the policy are false without error.
 */
function pinOf(conditions: Json): Pin | undefined {
  const node = pinNode(conditions);
  const like = node?.like;
  if (like !== undefined) {
    const value = literalPrefix(like.pattern);
    if (value === "" || !isPath(like.left)) return undefined;
    return { key: `like ${JSON.stringify(like.left)}`, path: compileExpr(like.left), value, prefix: true };
  }
  const eq = node?.["=="];
  if (eq === undefined) return undefined;
  for (const [path, lit] of [
    [eq.left, eq.right],
    [eq.right, eq.left],
  ]) {
    if (isPath(path) && typeof lit?.Value === "string") {
      return { key: JSON.stringify(path), path: compileExpr(path), value: lit.Value };
    }
  }
  return undefined;
}

/** Compiles one policy (the engine's JSON of it). What it cannot read is left to the engine (`when: null`). */
export function compilePolicy(id: string, index: number, json: Json): CompiledPolicy {
  if (json.effect !== "permit" && json.effect !== "forbid") throw new Unsupported("effect");
  let scope: (env: Env) => boolean;
  try {
    scope = compileScope(json);
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    // In scope for every request, never compiled: the engine decides whenever this policy is in the set.
    return {
      id,
      index,
      forbid: json.effect === "forbid",
      scope: () => true,
      when: null,
      whenPinned: null,
      actions: undefined,
      pin: undefined,
    };
  }
  let when: ((env: Env) => boolean) | null = null;
  let whenPinned: ((env: Env) => boolean) | null = null;
  // A scope pin holds whether or not the conditions compile: out of scope, a policy is never evaluated.
  let pin = scopePinOf("principal", json.principal) ?? scopePinOf("resource", json.resource);
  try {
    when = compileConditions(json.conditions ?? []);
    whenPinned = when;
    if (pin === undefined) {
      pin = pinOf(json.conditions);
      if (pin !== undefined && !pin.prefix) whenPinned = compileConditions(withoutPin(json.conditions));
    }
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
  }
  return {
    id,
    index,
    forbid: json.effect === "forbid",
    scope,
    when,
    whenPinned,
    actions: actionsOf(json.action),
    pin,
  };
}

import type { CedarRequest } from "../types.js";
import { EntityUid, FALLBACK, isTypeName, type Value } from "./values.js";

/** One entity of a request, as the compiled evaluator reads it. */
export interface StoredEntity {
  attrs: Record<string, Value>;
  tags: Record<string, Value> | undefined;
  parents: EntityUid[];
  /** Keys of every ancestor, computed on first `in`. */
  ancestors: Set<string> | undefined;
}

/**
 * A request checked and turned into values: what compiled policies evaluate against. Its entities
 * are kept in the same object (one allocation less per decision): most requests carry one or two,
 * so the first is kept apart, the next few in a list compared by `id` and `type`, which is cheaper
 * to build and search than a Map keyed by a joined string; the Map takes over past a few.
 */
export class Env {
  // Declared only, and assigned in the constructor: class fields are defined by an initializer that
  // V8 runs as a call of its own, on every request.
  declare principal: EntityUid;
  declare action: EntityUid;
  declare resource: EntityUid;
  declare context: Record<string, Value>;
  declare private firstEntityUid: EntityUid | undefined;
  declare private first: StoredEntity | undefined;
  declare private uids: EntityUid[] | undefined;
  declare private values: StoredEntity[] | undefined;
  declare private map: Map<string, StoredEntity> | undefined;

  constructor() {
    // Placeholders: toEnv sets the request's own before the Env is used.
    this.principal = NO_UID;
    this.action = NO_UID;
    this.resource = NO_UID;
    this.context = NO_CONTEXT;
    this.firstEntityUid = undefined;
    this.first = undefined;
    this.uids = undefined;
    this.values = undefined;
    this.map = undefined;
  }

  /** The request's entity `uid`, if it has one. */
  entity(uid: EntityUid): StoredEntity | undefined {
    const first = this.firstEntityUid;
    if (first === undefined) return undefined;
    if (first === uid || (first.id === uid.id && first.type === uid.type)) return this.first;
    if (this.map !== undefined) return this.map.get(uid.key);
    const uids = this.uids;
    if (uids === undefined) return undefined;
    for (let i = 0; i < uids.length; i++) {
      const u = uids[i]!;
      if (u.id === uid.id && u.type === uid.type) return this.values![i];
    }
    return undefined;
  }

  /** The uid of the entity given first, when its type and id are these (to share it). */
  firstUid(type: string, id: string): EntityUid | undefined {
    const first = this.firstEntityUid;
    return first !== undefined && first.id === id && first.type === type ? first : undefined;
  }

  addEntity(uid: EntityUid, value: StoredEntity): void {
    if (this.firstEntityUid === undefined) {
      this.firstEntityUid = uid;
      this.first = value;
      return;
    }
    if (this.uids === undefined) {
      this.uids = [];
      this.values = [];
    }
    this.uids.push(uid);
    this.values!.push(value);
    if (this.map !== undefined) this.map.set(uid.key, value);
    else if (this.uids.length > 8) {
      this.map = new Map(this.uids.map((u, i) => [u.key, this.values![i]!]));
      this.map.set(this.firstEntityUid.key, this.first!);
    }
  }

  /** Every entity's uid, in the order given. */
  entityUids(): EntityUid[] {
    return this.firstEntityUid === undefined ? [] : [this.firstEntityUid, ...(this.uids ?? [])];
  }
}

/** Placeholders of an Env under construction (toEnv sets every one before the Env is used). */
const NO_UID = new EntityUid("__cedar", "");
const NO_CONTEXT: Record<string, Value> = {};

/** The parents of an entity that has none: shared, never written. */
const NO_PARENTS: EntityUid[] = [];

function fallback(): never {
  throw FALLBACK;
}

const PLAIN = Object.prototype;

/**
 * Checks that `v` is JSON the engine reads as a plain Cedar value, the same way with or without a
 * schema: strings, booleans, integers within ±2^53, arrays and plain objects of those, and entity
 * references (`{"__entity": {"type": ..., "id": ...}}`). Any other escape (`__extn`), a float, `null`,
 * `undefined` or a class instance throws FALLBACK (the engine then decides, or rejects the request,
 * in its own words). Returns `v` itself unless it holds an entity reference (then a copy).
 *
 * On every request, so written for speed: strings (most values) skip the call, and a key is not
 * checked to be an own one (`Object.hasOwn` was half the time of it all). An inherited enumerable
 * key (a polluted Object.prototype) is only ever checked, never read: the compiled expressions read
 * own keys only, and a copy is made of own keys only.
 */
export function checkValue(v: unknown, depth = 0): Value {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isSafeInteger(v) ? v : fallback();
    case "object": {
      if (v === null || depth > 64) return fallback();
      if (Array.isArray(v)) {
        let out: Value[] | undefined;
        for (let i = 0; i < v.length; i++) {
          const given = v[i];
          if (typeof given === "string") continue;
          const x = checkValue(given, depth + 1);
          if (x !== given) {
            out ??= v.slice();
            out[i] = x;
          }
        }
        return out ?? (v as Value[]);
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== PLAIN && proto !== null) return fallback();
      let out: Record<string, Value> | undefined;
      for (const k in v) {
        if (k.charCodeAt(0) === 95 && k.charCodeAt(1) === 95) return escaped(v as Record<string, unknown>);
        const given = (v as Record<string, unknown>)[k];
        if (typeof given === "string") continue;
        const x = checkValue(given, depth + 1);
        if (x !== given) {
          if (!Object.hasOwn(v, k)) return fallback();
          out ??= { ...(v as Record<string, Value>) };
          out[k] = x;
        }
      }
      return out ?? (v as Record<string, Value>);
    }
    default:
      return fallback();
  }
}

/** An object with a `__` key: an entity reference when it is exactly one, else the engine's to read. */
function escaped(v: Record<string, unknown>): EntityUid {
  const ref = v.__entity;
  if (Object.keys(v).length !== 1 || typeof ref !== "object" || ref === null) return fallback();
  if (Object.keys(ref).length !== 2) return fallback();
  return uidOf(ref);
}

function uidOf(ref: unknown): EntityUid {
  if (typeof ref !== "object" || ref === null) return fallback();
  const { type, id } = ref as { type?: unknown; id?: unknown };
  if (!isTypeName(type) || typeof id !== "string") return fallback();
  return new EntityUid(type, id);
}

// The principal and the action of the last request, reused when the next names the same ones (an
// agent's requests mostly do): an EntityUid never changes, so sharing one across requests is safe,
// and comparing two strings (often the very same ones) costs less than a type-name check and a new
// object per request.
// They start as valid uids (NO_UID's reserved type must never be matched).
let lastPrincipal = new EntityUid("Agent", "unknown");
let lastAction = new EntityUid("Action", "api_call");

/** `uidOf(ref)`, or `last` when `ref` names the same entity. */
function sameOrUidOf(ref: unknown, last: EntityUid): EntityUid {
  if (typeof ref === "object" && ref !== null) {
    const { type, id } = ref as { type?: unknown; id?: unknown };
    if (id === last.id && type === last.type) return last;
  }
  return uidOf(ref);
}

function recordOf(v: unknown): Record<string, Value> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return fallback();
  const out = checkValue(v);
  return out instanceof EntityUid ? fallback() : (out as Record<string, Value>);
}

/** The request as values, or FALLBACK thrown when any part of it is not plainly decidable here. */
export function toEnv(request: CedarRequest): Env {
  const env = new Env();
  let hasParents = false;
  const list = request.entities;
  if (list !== undefined) {
    if (!Array.isArray(list)) fallback();
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (typeof e !== "object" || e === null) fallback();
      const uid = uidOf(e.uid);
      // The engine keeps one of two entities with the same uid; which one is its own business.
      if (env.entity(uid) !== undefined) fallback();
      // Missing `attrs` or `parents`: left to the engine to accept or word.
      const given = e.parents;
      if (!Array.isArray(given)) fallback();
      let parents = NO_PARENTS;
      if (given.length > 0) {
        parents = [];
        for (const p of given) parents.push(uidOf(p));
        hasParents = true;
      }
      env.addEntity(uid, {
        attrs: recordOf(e.attrs),
        tags: e.tags === undefined ? undefined : recordOf(e.tags),
        parents,
        ancestors: undefined, // one shape for every stored entity, `in` or not
      });
    }
  }
  if (hasParents && hasCycle(env)) fallback(); // the engine refuses such a hierarchy
  env.principal = lastPrincipal = sameOrUidOf(request.principal, lastPrincipal);
  env.action = lastAction = sameOrUidOf(request.action, lastAction);
  env.resource = resourceUid(env, request.resource);
  env.context = recordOf(request.context);
  return env;
}

/** The resource's uid: the one of its entity when the request carries it first (as most do). */
function resourceUid(env: Env, ref: unknown): EntityUid {
  if (typeof ref === "object" && ref !== null) {
    const { type, id } = ref as { type?: unknown; id?: unknown };
    if (typeof type === "string" && typeof id === "string") {
      const same = env.firstUid(type, id);
      if (same !== undefined) return same;
    }
  }
  return uidOf(ref);
}

/** Cedar's `a in b` for entities: `a` is `b`, or `b` is among `a`'s ancestors in the request's entities. */
export function entityIn(env: Env, a: EntityUid, b: EntityUid): boolean {
  if (a.equals(b)) return true;
  const stored = env.entity(a);
  if (stored === undefined || stored.parents.length === 0) return false;
  if (stored.ancestors === undefined) {
    const seen = new Set<string>();
    const todo = [...stored.parents];
    while (todo.length > 0) {
      const p = todo.pop()!;
      if (seen.has(p.key)) continue;
      seen.add(p.key);
      const up = env.entity(p);
      if (up) todo.push(...up.parents);
    }
    stored.ancestors = seen;
  }
  return stored.ancestors.has(b.key);
}

/** Every ancestor of `a` among the request's entities (its parents, theirs, ...), each once. */
export function ancestorsOf(env: Env, a: EntityUid): EntityUid[] {
  const out: EntityUid[] = [];
  const seen = new Set<string>([a.key]);
  const todo = [...(env.entity(a)?.parents ?? [])];
  while (todo.length > 0) {
    const p = todo.pop()!;
    if (seen.has(p.key)) continue;
    seen.add(p.key);
    out.push(p);
    const up = env.entity(p);
    if (up) todo.push(...up.parents);
  }
  return out;
}

/** Whether the parent links among `entities` hold a cycle (an entity its own ancestor). */
function hasCycle(env: Env): boolean {
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
  const visit = (uid: EntityUid): boolean => {
    const key = uid.key;
    const s = state.get(key);
    if (s === 1) return true;
    if (s === 2) return false;
    state.set(key, 1);
    for (const p of env.entity(uid)?.parents ?? []) if (visit(p)) return true;
    state.set(key, 2);
    return false;
  };
  for (const uid of env.entityUids()) if (visit(uid)) return true;
  return false;
}

import type { CompiledPolicy, Pin } from "./policy.js";
import { ancestorsOf, type Env } from "./request.js";
import { StringLookup } from "./string-lookup.js";
import { type EntityUid, FALLBACK } from "./values.js";

/** The satisfied policies a decision has met so far, in the order met. */
export interface Found {
  forbids: CompiledPolicy[] | null;
  permits: CompiledPolicy[] | null;
  /** Whether a list is out of set order (answers list policies in set order). */
  unordered: boolean;
}

/**
 * Evaluates `list` against `env` into `found`; throws FALLBACK when the engine must decide. `seen`:
 * the policies evaluated already, when one can be met twice (under two actions). `pinned`: the list
 * was found by the value of its policies' `==` pin, so each one's `whenPinned` is evaluated.
 */
function visit(
  list: readonly CompiledPolicy[],
  env: Env,
  found: Found,
  seen: Set<CompiledPolicy> | undefined,
  pinned: boolean,
): void {
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (seen !== undefined) {
      if (seen.has(p)) continue;
      seen.add(p);
    }
    if (!p.scope(env)) continue;
    const when = pinned ? p.whenPinned : p.when;
    if (when === null) throw FALLBACK;
    if (!when(env)) continue;
    const into = p.forbid ? found.forbids : found.permits;
    if (into === null) {
      if (p.forbid) found.forbids = [p];
      else found.permits = [p];
    } else {
      if (into[into.length - 1]!.index > p.index) found.unordered = true;
      into.push(p);
    }
  }
}

/**
 * Policies whose pin reads the same path, by the string each one wants it to equal, or (`like`
 * pins, in a group of their own) to start with.
 */
interface PinGroup {
  path: Pin["path"];
  byValue: Map<string, CompiledPolicy[]>;
  /** `byValue` as read per request (built by `seal`). */
  lookup: StringLookup<CompiledPolicy[]> | null;
  all: CompiledPolicy[];
  /** For prefixes: the lengths of those in `byValue`, ascending; a request's value is cut at each. */
  lengths: number[] | null;
}

/** The policies of one action (or of any action): those always evaluated, and those behind a pin. */
class Bucket {
  readonly always: CompiledPolicy[] = [];
  readonly pinned = new Map<string, PinGroup>();
  readonly groups: PinGroup[] = [];

  add(p: CompiledPolicy): void {
    // A pin from a condition exists only when the conditions compiled; one from the scope holds anyway.
    if (p.pin === undefined) {
      this.always.push(p);
      return;
    }
    let group = this.pinned.get(p.pin.key);
    if (group === undefined) {
      group = {
        path: p.pin.path,
        byValue: new Map(),
        lookup: null,
        all: [],
        lengths: p.pin.prefix ? [] : null,
      };
      this.pinned.set(p.pin.key, group);
      this.groups.push(group);
    }
    group.all.push(p);
    const list = group.byValue.get(p.pin.value);
    if (list) list.push(p);
    else group.byValue.set(p.pin.value, [p]);
    const lengths = group.lengths;
    if (lengths !== null && !lengths.includes(p.pin.value.length)) {
      lengths.push(p.pin.value.length);
      lengths.sort((a, b) => a - b);
    }
  }

  /** Builds the lookups; no policy is added after. */
  seal(): void {
    for (const group of this.groups) group.lookup = new StringLookup(group.byValue);
  }

  /** Evaluates every policy of this bucket that can match `env`. */
  visit(env: Env, found: Found, seen: Set<CompiledPolicy> | undefined): void {
    if (this.always.length > 0) visit(this.always, env, found, seen, false);
    const groups = this.groups;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      let v: unknown;
      try {
        v = group.path(env);
      } catch {
        // The path fails (no such attribute): each policy fails on it too once its scope matches.
        visit(group.all, env, found, seen, false);
        continue;
      }
      const lengths = group.lengths;
      if (lengths === null) {
        if (typeof v !== "string") continue; // `==` a string literal is false for any other value
        // Found by its value: the pin's comparison is true, and need not be evaluated again.
        const list = group.lookup!.get(v);
        if (list !== undefined) visit(list, env, found, seen, true);
        continue;
      }
      if (typeof v !== "string") {
        // `like` fails on any other value: each policy does once its scope matches.
        visit(group.all, env, found, seen, false);
        continue;
      }
      // A pattern matches only strings that start with its literal prefix; any other is false.
      for (let i = 0; i < lengths.length && lengths[i]! <= v.length; i++) {
        const list = group.lookup!.getPrefix(v, lengths[i]!);
        if (list !== undefined) visit(list, env, found, seen, false);
      }
    }
  }
}

/**
 * The policies of a set, indexed by what they pin: the actions their scope names (`action ==`,
 * `action in`), then `principal ==` / `resource ==` in their scope or else the first
 * `<path> == "<string>"` (or `<path> like "<literal prefix>*..."`) their first `when` evaluates first.
 * A decision visits only the policies that can match; skipping the others changes nothing, since a
 * policy out of scope is never evaluated, and a pinned policy whose path holds another value (a string
 * without the prefix) is false before it can fail.
 */
export class PolicyIndex {
  /** By the action's id, then its type (ids are what differ; the type is nearly always `Action`). */
  readonly #byAction = new Map<string, { type: string; bucket: Bucket }[]>();
  readonly #anyAction = new Bucket();

  constructor(policies: readonly CompiledPolicy[]) {
    for (const p of policies) {
      if (p.actions === undefined) {
        this.#anyAction.add(p);
        continue;
      }
      const added = new Set<string>(); // `action in [A, A]`: once
      for (const { type, id } of p.actions) {
        if (added.has(`${type}\u0000${id}`)) continue;
        added.add(`${type}\u0000${id}`);
        let entries = this.#byAction.get(id);
        if (entries === undefined) {
          entries = [];
          this.#byAction.set(id, entries);
        }
        let entry = entries.find((e) => e.type === type);
        if (entry === undefined) {
          entry = { type, bucket: new Bucket() };
          entries.push(entry);
        }
        entry.bucket.add(p);
      }
    }
    this.#anyAction.seal();
    for (const entries of this.#byAction.values()) for (const { bucket } of entries) bucket.seal();
  }

  // The bucket of the last action looked up: requests reuse the uid of the action before theirs
  // (see toEnv), so this is a comparison instead of a Map lookup, for most requests.
  #lastAction: EntityUid | null = null;
  #lastBucket: Bucket | undefined = undefined;

  #bucketOf(action: EntityUid): Bucket | undefined {
    if (action === this.#lastAction) return this.#lastBucket;
    const bucket = this.#find(action);
    this.#lastAction = action;
    this.#lastBucket = bucket;
    return bucket;
  }

  #find(action: EntityUid): Bucket | undefined {
    const entries = this.#byAction.get(action.id);
    if (entries === undefined) return undefined;
    for (let i = 0; i < entries.length; i++) if (entries[i]!.type === action.type) return entries[i]!.bucket;
    return undefined;
  }

  /** Evaluates the policies that can match `env` into `found`; throws FALLBACK when the engine must decide. */
  visit(env: Env, found: Found): void {
    const action = env.action;
    if (this.#byAction.size > 0) {
      const up = env.entity(action)?.parents;
      if (up === undefined || up.length === 0) this.#bucketOf(action)?.visit(env, found, undefined);
      else {
        // The request's action is in action groups: `action in <group>` policies are found under
        // the groups too, and one listed under two of them is evaluated once.
        const seen = new Set<CompiledPolicy>();
        this.#bucketOf(action)?.visit(env, found, seen);
        for (const group of ancestorsOf(env, action)) this.#bucketOf(group)?.visit(env, found, seen);
      }
    }
    this.#anyAction.visit(env, found, undefined);
  }
}

import type { CompiledPolicy, Pin } from "./policy.js";
import type { Env } from "./request.js";

/** Policies whose pin reads the same path, by the string each one wants it to equal. */
interface PinGroup {
  path: Pin["path"];
  byValue: Map<string, CompiledPolicy[]>;
  all: CompiledPolicy[];
}

/** The policies of one action (or of any action): those always evaluated, and those behind a pin. */
class Bucket {
  readonly always: CompiledPolicy[] = [];
  readonly pinned = new Map<string, PinGroup>();
  readonly groups: PinGroup[] = [];

  add(p: CompiledPolicy): void {
    if (p.pin === undefined || p.when === null) {
      this.always.push(p);
      return;
    }
    let group = this.pinned.get(p.pin.key);
    if (group === undefined) {
      group = { path: p.pin.path, byValue: new Map(), all: [] };
      this.pinned.set(p.pin.key, group);
      this.groups.push(group);
    }
    group.all.push(p);
    const list = group.byValue.get(p.pin.value);
    if (list) list.push(p);
    else group.byValue.set(p.pin.value, [p]);
  }

  /** Appends to `out` every policy of this bucket that can match `env`. */
  candidates(env: Env, out: CompiledPolicy[]): void {
    for (const p of this.always) out.push(p);
    for (const group of this.groups) {
      let v: unknown;
      try {
        v = group.path(env);
      } catch {
        // The path fails (no such attribute): each policy fails on it too once its scope matches.
        for (const p of group.all) out.push(p);
        continue;
      }
      if (typeof v !== "string") continue; // `==` a string literal is false for any other value
      const list = group.byValue.get(v);
      if (list) for (const p of list) out.push(p);
    }
  }
}

/**
 * The policies of a set, indexed by what they pin: `action == Action::"..."` in the scope, then the
 * first `<path> == "<string>"` of their first `when`. A decision visits only the policies that can
 * match; skipping the others changes nothing, since a pinned policy whose path holds another value is
 * false before it can fail.
 */
export class PolicyIndex {
  readonly #byAction = new Map<string, Bucket>();
  readonly #anyAction = new Bucket();

  constructor(policies: readonly CompiledPolicy[]) {
    for (const p of policies) {
      if (p.action === undefined) {
        this.#anyAction.add(p);
        continue;
      }
      let bucket = this.#byAction.get(p.action);
      if (bucket === undefined) {
        bucket = new Bucket();
        this.#byAction.set(p.action, bucket);
      }
      bucket.add(p);
    }
  }

  /** Appends to `out` the policies that can match `env`. */
  candidates(env: Env, out: CompiledPolicy[]): void {
    this.#byAction.get(env.action.key)?.candidates(env, out);
    this.#anyAction.candidates(env, out);
  }
}

interface Entry<V> {
  value: V;
  /** The cache's clock when the entry was put at the most recent end of the map. */
  stamp: number;
}

/**
 * A bounded, least-recently-used cache of decisions for one policy generation. Exact in what it answers:
 * a Cedar decision is a pure function of the request and the policy set, the key holds every input the
 * request is built from, and the whole cache is dropped when the generation (the active set) changes.
 *
 * Recency is kept coarsely: a hit moves its entry to the most recent end only when the entry may be in
 * the older half (at least half the capacity of moves and insertions happened since it was last put
 * there). Moving on every hit (a Map delete and set of a long key) was the largest part of a cached
 * decision; an entry used at least once per half a capacity of new decisions is still never evicted.
 */
export class DecisionCache<V> {
  readonly #max: number;
  readonly #half: number;
  #map = new Map<string, Entry<V>>();
  #generation = -1;
  #clock = 0;
  /** The key `get` last missed: a `set` of it right after needs no second lookup to know it is new. */
  #missed: string | undefined = undefined;

  constructor(maxEntries: number) {
    this.#max = maxEntries;
    this.#half = maxEntries >> 1;
  }

  get size(): number {
    return this.#map.size;
  }

  get(generation: number, key: string): V | undefined {
    if (this.#max === 0) return undefined;
    if (generation !== this.#generation) {
      this.#map.clear();
      this.#generation = generation;
      return undefined;
    }
    const hit = this.#map.get(key);
    if (hit === undefined) {
      this.#missed = key;
      return undefined;
    }
    if (this.#clock - hit.stamp >= this.#half) {
      // To the most recent end. A Map iterates in insertion order, so the first key is the oldest.
      this.#map.delete(key);
      hit.stamp = ++this.#clock;
      this.#map.set(key, hit);
    }
    return hit.value;
  }

  set(generation: number, key: string, value: V): void {
    if (this.#max === 0 || generation !== this.#generation) return;
    // The usual miss-then-set of one decision: the same string, and nothing was put in between.
    const fresh = key === this.#missed;
    this.#missed = undefined;
    if (!fresh) {
      const known = this.#map.get(key);
      if (known !== undefined) {
        known.value = value;
        return;
      }
    }
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
    this.#map.set(key, { value, stamp: ++this.#clock });
  }
}

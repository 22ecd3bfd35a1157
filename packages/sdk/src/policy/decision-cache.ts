/**
 * A bounded LRU of decisions for one policy generation. Exact, not approximate: a Cedar decision is a
 * pure function of the request and the policy set, the key holds every input the request is built
 * from, and the whole cache is dropped when the generation (the active set) changes.
 */
export class DecisionCache<V> {
  readonly #max: number;
  #map = new Map<string, V>();
  #generation = -1;

  constructor(maxEntries: number) {
    this.#max = maxEntries;
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
    if (hit !== undefined) {
      // Move to the most recent end. A Map iterates in insertion order, so the first key is the oldest.
      this.#map.delete(key);
      this.#map.set(key, hit);
    }
    return hit;
  }

  set(generation: number, key: string, value: V): void {
    if (this.#max === 0 || generation !== this.#generation) return;
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
    this.#map.set(key, value);
  }
}

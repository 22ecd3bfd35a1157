/**
 * A read-only map from strings to values, for the index's pins: looked up once per request with a
 * string made for that request (a hostname, a path), which a Map must hash first. Hashing a fresh
 * string is a call into V8's runtime: ~0.1 µs, a tenth of a whole decision. Here a few characters,
 * chosen when the table is built to tell its keys apart, and the length pick a slot, and the
 * string is then compared with the (usually one) key in it.
 *
 * Keys that the sampled characters cannot tell apart (`customer-0001.eu-west-1.rds.amazonaws.com`,
 * 1,000 of them differing only in the middle) would share slots, and a lookup would compare with each:
 * 31 µs a lookup here, against 0.1 µs for a Map. So when a slot would hold more than MAX_SLOT keys, the
 * table is a Map instead.
 */
export class StringLookup<T> {
  // Where the sampled characters are: >= 0 from the start, < 0 from the end (-1: the last one).
  readonly #at: readonly number[];
  readonly #mask: number;
  /** Per slot: keys and their values, in turns (`[key, value, key, value, ...]`), or undefined. */
  readonly #slots: ((string | T)[] | undefined)[];
  /** The keys as a Map, when the slots would not tell them apart well enough (then the only table). */
  readonly #map: ReadonlyMap<string, T> | null;

  constructor(entries: ReadonlyMap<string, T>) {
    const keys = [...entries.keys()];
    // Positions are chosen on at most SAMPLE_KEYS of the keys, spread over them: enough to tell
    // apart those of a large set almost as well, in a bounded time (the event loop waits for it).
    const step = Math.ceil(keys.length / SAMPLE_KEYS);
    this.#at = choosePositions(step > 1 ? keys.filter((_, i) => i % step === 0) : keys);
    let size = 8;
    while (size < keys.length * 2) size *= 2;
    this.#mask = size - 1;
    this.#slots = new Array(size).fill(undefined);
    let longest = 0;
    for (const [key, value] of entries) {
      const i = this.#slot(key, 0, key.length);
      const slot = this.#slots[i];
      if (slot === undefined) this.#slots[i] = [key, value];
      else slot.push(key, value);
      longest = Math.max(longest, (this.#slots[i]!.length / 2) | 0);
    }
    this.#map = longest > MAX_SLOT ? new Map(entries) : null;
    if (this.#map !== null) this.#slots = [];
  }

  /** The most keys a lookup compares its string with (1 when the table is a Map). */
  get comparisonsAtWorst(): number {
    if (this.#map !== null) return 1;
    let most = 0;
    for (const slot of this.#slots) if (slot !== undefined) most = Math.max(most, slot.length / 2);
    return most;
  }

  /** The slot of `s.slice(from, to)`, without slicing it. */
  #slot(s: string, from: number, to: number): number {
    const at = this.#at;
    const length = to - from;
    let h = length;
    for (let i = 0; i < at.length; i++) {
      const p = at[i]! < 0 ? length + at[i]! : at[i]!;
      h = Math.imul(h ^ (p >= 0 && p < length ? s.charCodeAt(from + p) : 0x10000), 0x9e3779b1);
    }
    return (h ^ (h >>> 15)) & this.#mask;
  }

  get(s: string): T | undefined {
    if (this.#map !== null) return this.#map.get(s);
    const slot = this.#slots[this.#slot(s, 0, s.length)];
    if (slot === undefined) return undefined;
    for (let i = 0; i < slot.length; i += 2) if (slot[i] === s) return slot[i + 1] as T;
    return undefined;
  }

  /** The value of the key `s` starts with and is `length` long, if there is one. */
  getPrefix(s: string, length: number): T | undefined {
    if (this.#map !== null) return length <= s.length ? this.#map.get(s.slice(0, length)) : undefined;
    const slot = this.#slots[this.#slot(s, 0, length)];
    if (slot === undefined) return undefined;
    for (let i = 0; i < slot.length; i += 2) {
      const key = slot[i] as string;
      if (key.length === length && s.startsWith(key)) return slot[i + 1] as T;
    }
    return undefined;
  }
}

/** Candidate positions: the first and the last few characters. */
const CANDIDATES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10];
const SAMPLED = 3;
const SAMPLE_KEYS = 1024;
/** More keys than this in one slot and the table is a Map (see the class). */
const MAX_SLOT = 8;

/**
 * Up to three positions whose characters (with the length) best tell `keys` apart: chosen one by one,
 * each the one that leaves the fewest comparisons (the sum of the squared group sizes). Groups are
 * told apart by a number mixed from what tells them apart so far (a rare clash only costs a worse
 * choice).
 */
function choosePositions(keys: readonly string[]): number[] {
  const chosen: number[] = [];
  const signature = keys.map((k) => k.length);
  let cost = costOf(signature);
  while (chosen.length < SAMPLED && cost > keys.length) {
    let best: { at: number; cost: number } | null = null;
    for (const at of CANDIDATES) {
      if (chosen.includes(at)) continue;
      const c = costOf(keys.map((k, i) => mix(signature[i]!, charAt(k, at))));
      if (best === null || c < best.cost) best = { at, cost: c };
    }
    if (best === null || best.cost >= cost) break;
    const at = best.at;
    chosen.push(at);
    cost = best.cost;
    keys.forEach((k, i) => {
      signature[i] = mix(signature[i]!, charAt(k, at));
    });
  }
  return chosen;
}

const mix = (h: number, c: number) => Math.imul(h ^ c, 0x9e3779b1) ^ (c << 7);

function charAt(s: string, at: number): number {
  const p = at < 0 ? s.length + at : at;
  return p >= 0 && p < s.length ? s.charCodeAt(p) : 0x10000;
}

/** The sum of the squared sizes of the groups of equal numbers in `signatures`. */
function costOf(signatures: readonly number[]): number {
  const groups = new Map<number, number>();
  for (const g of signatures) groups.set(g, (groups.get(g) ?? 0) + 1);
  let sum = 0;
  for (const n of groups.values()) sum += n * n;
  return sum;
}

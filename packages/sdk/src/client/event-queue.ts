/** One serialized event waiting to be sent. */
export interface QueuedEvent {
  json: string;
  bytes: number;
}

/**
 * A FIFO of serialized events bounded by count and by bytes. Pushing past either bound drops the
 * oldest entries and returns how many were dropped. A head index instead of Array#shift keeps every
 * operation O(1) amortized, whatever the length.
 */
export class EventQueue {
  #items: (QueuedEvent | undefined)[] = [];
  #head = 0;
  #bytes = 0;

  constructor(
    readonly maxEvents: number,
    readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends at the tail; returns the number of oldest events dropped to stay within bounds. */
  push(item: QueuedEvent): number {
    this.#items.push(item);
    this.#bytes += item.bytes;
    return this.#evict();
  }

  /**
   * Puts a batch that could not be delivered back at the head, in its order. Returns how many events
   * were dropped to stay within bounds (the oldest go first, which may be some of the batch itself).
   */
  unshift(batch: readonly QueuedEvent[]): number {
    // The batch goes right before the head. (Array#unshift would put it before the slots already
    // taken, which lie before the head, and leave the head on one of them: a queue holding more than
    // one batch then lost track of its events on the first failed send.)
    if (this.#head >= batch.length) {
      for (let i = batch.length - 1; i >= 0; i--) this.#items[--this.#head] = batch[i];
    } else {
      this.#items = [...batch, ...this.#items.slice(this.#head)];
      this.#head = 0;
    }
    for (const item of batch) this.#bytes += item.bytes;
    return this.#evict();
  }

  /** Removes and returns up to `maxCount` events from the head whose sizes add up to at most `maxBytes` (at least one). */
  take(maxCount: number, maxBytes: number): QueuedEvent[] {
    const out: QueuedEvent[] = [];
    let size = 0;
    while (out.length < maxCount && this.#head < this.#items.length) {
      const next = this.#items[this.#head]!;
      if (out.length > 0 && size + next.bytes > maxBytes) break;
      out.push(next);
      size += next.bytes;
      this.#items[this.#head++] = undefined;
      this.#bytes -= next.bytes;
    }
    this.#compact();
    return out;
  }

  /** Empties the queue, returning what it held. */
  clear(): number {
    const n = this.length;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return n;
  }

  #evict(): number {
    let dropped = 0;
    while (this.length > 0 && (this.length > this.maxEvents || this.#bytes > this.maxBytes)) {
      const old = this.#items[this.#head]!;
      this.#items[this.#head++] = undefined;
      this.#bytes -= old.bytes;
      dropped++;
    }
    this.#compact();
    return dropped;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const POOL_SIZE = 16 * 256;
let pool = new Uint8Array(0);
let offset = POOL_SIZE;
let lastMs = -1;
let sequence = 0;

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, with a 12-bit counter
 * in `rand_a` keeping ids made in one millisecond in order. Event ids made this way arrive at the
 * server nearly sorted, so its unique index on (project, id) grows at its right edge instead of
 * touching a random page per event, which is most of the cost of storing an event. Random bytes come
 * from the platform's CSPRNG, drawn in pools.
 */
export function uuidv7(now = Date.now()): string {
  if (offset + 10 > POOL_SIZE) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    offset = 0;
  }
  const r = pool;
  const o = offset;
  offset += 10;
  if (now > lastMs) {
    lastMs = now;
    sequence = ((r[o]! << 4) | (r[o + 1]! >> 4)) & 0x7ff; // random start, room to count up
  } else {
    sequence++;
    if (sequence > 0xfff) {
      // 4,096 ids in one millisecond: borrow the next millisecond rather than repeat an order.
      lastMs++;
      sequence = 0;
    }
  }
  const ms = lastMs;
  const hi = Math.floor(ms / 0x10000); // top 32 bits of 48
  const lo = ms & 0xffff;
  return (
    HEX[(hi >>> 24) & 0xff]! +
    HEX[(hi >>> 16) & 0xff]! +
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    "-" +
    HEX[lo >>> 8]! +
    HEX[lo & 0xff]! +
    "-" +
    HEX[0x70 | (sequence >>> 8)]! +
    HEX[sequence & 0xff]! +
    "-" +
    HEX[0x80 | (r[o + 2]! & 0x3f)]! +
    HEX[r[o + 3]!]! +
    "-" +
    HEX[r[o + 4]!]! +
    HEX[r[o + 5]!]! +
    HEX[r[o + 6]!]! +
    HEX[r[o + 7]!]! +
    HEX[r[o + 8]!]! +
    HEX[r[o + 9]!]!
  );
}

import { randomBytes } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter (method 1 of §6.2) and
 * 62 random bits. Ids made in one process sort in creation order, even within one millisecond
 * and even if the clock steps back, so "newest first" needs no second column.
 */
export function createUuidV7Generator(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let counter = 0;
  // Random bytes drawn in bulk: one getrandom call per 256 ids instead of one (or two) per id.
  let pool = Buffer.alloc(0);
  let used = 0;
  const take = (n: number) => {
    if (used + n > pool.length) {
      pool = randomBytes(4096);
      used = 0;
    }
    used += n;
    return pool.subarray(used - n, used);
  };
  return () => {
    let ms = now();
    if (ms <= lastMs) {
      ms = lastMs;
      counter += 1;
      if (counter > 0xfff) {
        // Counter spent: borrow the next millisecond rather than lose order.
        ms = lastMs + 1;
        counter = 0;
      }
    } else {
      counter = take(2).readUInt16BE(0) & 0x1ff; // random start, headroom to count up
    }
    lastMs = ms;
    const bytes = Buffer.from(take(16));
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/** The process-wide generator on the real clock. */
export const uuidv7 = createUuidV7Generator();

/** The millisecond timestamp inside a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

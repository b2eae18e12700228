// Deterministic pseudo-random bytes for tests, so that a failure replays.

/**
 * `size` bytes from xorshift32 seeded with `seed` (0 counts as 1).
 *
 * @param size - how many bytes
 * @param seed - any integer
 */
export function pseudoRandomBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed | 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

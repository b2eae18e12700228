// Map keys at the cursor level: bytes, or strings stored as their UTF-8 bytes.

const encoder = new TextEncoder();

/** A map or set key: raw bytes, or a string stored as UTF-8. */
export type Key = Uint8Array | string;

/** The bytes of a key. */
export function keyBytes(key: Key): Uint8Array {
  return typeof key === 'string' ? encoder.encode(key) : key;
}

// Bytes as lowercase hex text: one owner for what verify's paths, dump keys,
// the diff's revert, the value API's bigints, compaction's drop keys and the
// command line's plain JSON each print.

/** The two hex digits of every byte value. */
const HEX_DIGITS: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * `bytes` (or its first `limit` bytes) as lowercase hex, two digits a byte.
 *
 * @param bytes - the bytes to print
 * @param limit - how many bytes at most to print (default: all)
 */
export function hexOf(bytes: Uint8Array, limit = bytes.length): string {
  const end = Math.min(bytes.length, limit);
  let text = '';
  for (let i = 0; i < end; i++) text += HEX_DIGITS[bytes[i] as number] as string;
  return text;
}

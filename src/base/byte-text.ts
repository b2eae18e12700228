// How bytes print: as lowercase hex (verify's paths, dump keys, the diff's
// revert, the value API's bigints, compaction's drop keys, the command line's
// plain JSON), or as text when they are UTF-8 without a NUL byte (dump keys and
// values, verify's paths). One owner for each rule.

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

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * `bytes` as text when they are UTF-8 without a NUL byte, else undefined. A
 * NUL byte (every ordered key of a number has one) is found without decoding,
 * so binary bytes cost no exception.
 *
 * @param bytes - the bytes to print
 */
export function printableText(bytes: Uint8Array): string | undefined {
  if (bytes.indexOf(0) !== -1) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // The fatal decoder's only way to say "not UTF-8".
    return undefined;
  }
}

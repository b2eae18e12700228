// The format tags the JS-value API puts on byte values and keys
// (FORMAT.md §Values). Where the Clojure port of xitdb has a convention
// (boolean, instant, nil), it is the same one.

const encoder = new TextEncoder();

/** `bl`: a boolean, stored as `#t` or `#f` (the Clojure port's convention). */
export const TAG_BOOLEAN = encoder.encode('bl');
/** `in`: an instant, stored as ISO-8601 text (the Clojure port's convention). */
export const TAG_INSTANT = encoder.encode('in');
/** `bi`: a bigint, stored as big-endian two's complement, as short as possible. */
export const TAG_BIGINT = encoder.encode('bi');
/** `by`: raw bytes from a Uint8Array (untagged bytes read back as text). */
export const TAG_BYTES = encoder.encode('by');
/** `nu`: a number used as a map key or set member, stored as its shortest decimal text. */
export const TAG_NUMBER = encoder.encode('nu');
/** `nl`: null used as a map key or set member (the Clojure port's nil convention). */
export const TAG_NULL = encoder.encode('nl');

/** True when a format tag equals one of the constants above. */
export function sameTag(tag: Uint8Array | undefined, expected: Uint8Array): boolean {
  return tag !== undefined && tag[0] === expected[0] && tag[1] === expected[1];
}

// Map keys at the cursor level: bytes, strings stored as their UTF-8 bytes, or
// bytes with a 2-byte format tag saying what they encode (FORMAT.md §Key identity).

import { InvalidArgumentError } from '../errors.js';
import { describe } from '../base/arguments.js';
import { checkFormatTag, type TaggedBytes } from '../format/bytes.js';
import { checkedHash, type Hasher } from '../hash/hasher.js';

const encoder = new TextEncoder();

/** Key bytes that carry a format tag: two keys are the same only when both bytes and tag are. */
export interface TaggedKey {
  /** The key's bytes. */
  readonly bytes: Uint8Array;
  /** Exactly two bytes saying how to read them (e.g. `nu` for a number). */
  readonly formatTag: Uint8Array;
}

/** A map or set key: raw bytes, a string stored as UTF-8, or tagged bytes. */
export type Key = Uint8Array | string | TaggedKey;

/** A key as the engine compares and stores it: its bytes and its format tag (the same shape as a short value, {@link TaggedBytes}). */
export type ResolvedKey = TaggedBytes;

/** Turns any {@link Key} into its stored bytes and format tag. */
export function resolveKey(key: Key): ResolvedKey {
  if (typeof key === 'string') return { bytes: encodeText(key), formatTag: undefined };
  if (key instanceof Uint8Array) return { bytes: key, formatTag: undefined };
  if (typeof key !== 'object' || key === null || !(key.bytes instanceof Uint8Array) || !(key.formatTag instanceof Uint8Array)) {
    throw new InvalidArgumentError(`a key must be a string, a Uint8Array or { bytes, formatTag } with two Uint8Arrays, got ${describe(key)}`);
  }
  checkFormatTag(key.formatTag);
  return key;
}

/**
 * True when `text` holds a lone surrogate: half of a UTF-16 pair, which UTF-8
 * cannot encode (TextEncoder would store U+FFFD instead, silently).
 */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    if (code >= 0xdc00) return true;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

/** TextEncoder's UTF-8, refusing a lone surrogate instead of replacing it. */
function encodeExactly(text: string): Uint8Array {
  checkText(text);
  return encoder.encode(text);
}

function checkText(text: string): void {
  if (hasLoneSurrogate(text)) throw new InvalidArgumentError('a string with a lone surrogate (half of a UTF-16 pair) has no UTF-8 form; it cannot be stored exactly');
}

/**
 * UTF-8 bytes of `text`. ASCII text (the common key) is copied byte by byte,
 * which is several times faster than TextEncoder for short strings.
 *
 * @throws InvalidArgumentError when the text holds a lone surrogate
 */
function encodeText(text: string): Uint8Array {
  const length = text.length;
  if (length > 64) return encodeExactly(text);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return encodeExactly(text);
    out[i] = code;
  }
  return out;
}

/** Texts up to this many UTF-16 units are encoded into a reused buffer. */
const SCRATCH_TEXT_MAX = 4096;

/**
 * A reusable encoding buffer: strings are encoded into it without allocating,
 * for callers that use the bytes and drop them before the next encode.
 */
class TextScratch {
  private buffer = new Uint8Array(64);
  /** `buffer.subarray(0, n)` for each n met so far: a subarray costs an allocation. */
  private prefixes: Array<Uint8Array | undefined> = [];

  /** The UTF-8 bytes of `text`, valid until the next call (a fresh array for long text). */
  encode(text: string): Uint8Array {
    const length = text.length;
    // A long text gets its own array, so that one big value does not keep a big buffer alive.
    if (length > SCRATCH_TEXT_MAX) return encodeExactly(text);
    if (length * 3 > this.buffer.length) {
      this.buffer = new Uint8Array(length * 3);
      this.prefixes = [];
    }
    const buffer = this.buffer;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        ascii = false;
        break;
      }
      buffer[i] = code;
    }
    if (!ascii) checkText(text);
    const written = ascii ? length : (encoder.encodeInto(text, buffer).written ?? 0);
    if (written > 256) return buffer.subarray(0, written);
    return (this.prefixes[written] ??= buffer.subarray(0, written));
  }
}

const keyScratch = new TextScratch();
const valueScratch = new TextScratch();
const transientKey: { bytes: Uint8Array; formatTag: Uint8Array | undefined } = { bytes: new Uint8Array(0), formatTag: undefined };

/**
 * Like {@link resolveKey}, for a caller that keeps nothing: a string's bytes are
 * written into one shared buffer, and the result is valid only until the next
 * call. Lookups use it, and so do puts, which copy the key's bytes into the
 * database. Allocates nothing for strings.
 */
export function resolveKeyTransient(key: Key): ResolvedKey {
  if (typeof key !== 'string') return resolveKey(key);
  transientKey.bytes = keyScratch.encode(key);
  transientKey.formatTag = undefined;
  return transientKey;
}

/**
 * The UTF-8 bytes of `text` in a shared buffer valid until the next call, for
 * writing a string value (the write copies the bytes). Separate from the key
 * buffer, so a key resolved just before stays intact.
 */
export function encodeTextTransient(text: string): Uint8Array {
  return valueScratch.encode(text);
}

/**
 * FORMAT.md §Hashing, tagged keys: the byte that starts a tagged key's hash
 * input. Valid UTF-8 never contains 0xFF, so no string key (hashed over its
 * UTF-8 bytes alone) can have the same hash input as a tagged key.
 */
export const TAGGED_KEY_HASH_PREFIX = 0xff;

/**
 * The hash of a key as this build writes it: of its bytes alone when untagged
 * (so other xitdb implementations find plain keys), of 0xFF, the format tag and
 * the bytes when tagged (so `"1"` and the number 1, or `null` and `"nl"`, do
 * not share a hash).
 *
 * @throws InvalidArgumentError when the hasher returns anything but its size in bytes
 */
export function hashKey(hasher: Hasher, key: ResolvedKey): Uint8Array {
  return checkedHash(hasher, keyHashInput(key));
}

let scratchHash = new Uint8Array(0);

/**
 * Like {@link hashKey}, into one shared buffer when the hasher has `hashInto`:
 * the result is valid only until the next call. For the engine's lookups and
 * writes, which use the hash and drop it before hashing again.
 */
export function hashKeyTransient(hasher: Hasher, key: ResolvedKey): Uint8Array {
  if (hasher.hashInto === undefined) return hashKey(hasher, key);
  if (scratchHash.length !== hasher.size) scratchHash = new Uint8Array(hasher.size);
  hasher.hashInto(keyHashInput(key), scratchHash);
  return scratchHash;
}

/**
 * The other hashes under which a tagged key may already be stored (FORMAT.md
 * §Hashing, tagged keys): format tag then bytes (stratadb before the 0xFF
 * prefix), and the bytes alone (xitdb-java, which leaves the tag out). Empty for
 * an untagged key, whose hash has one convention. A match under these hashes
 * must still compare the stored key's bytes and tag, since other keys share them.
 *
 * @throws InvalidArgumentError when the hasher returns anything but its size in bytes
 */
export function fallbackKeyHashes(hasher: Hasher, key: ResolvedKey): Uint8Array[] {
  const formatTag = key.formatTag;
  if (formatTag === undefined) return [];
  const legacy = new Uint8Array(formatTag.length + key.bytes.length);
  legacy.set(formatTag, 0);
  legacy.set(key.bytes, formatTag.length);
  return [checkedHash(hasher, legacy), checkedHash(hasher, key.bytes)];
}

/** FORMAT.md §Hashing, tagged keys: what the hasher is given for a key, as this build writes it. */
export function keyHashInput(key: ResolvedKey): Uint8Array {
  const formatTag = key.formatTag;
  if (formatTag === undefined) return key.bytes;
  const input = new Uint8Array(1 + formatTag.length + key.bytes.length);
  input[0] = TAGGED_KEY_HASH_PREFIX;
  input.set(formatTag, 1);
  input.set(key.bytes, 1 + formatTag.length);
  return input;
}

// The 12-byte file header (FORMAT.md §File header).

import { CorruptDatabaseError, IncompatibleDatabaseError, InvalidArgumentError } from '../errors.js';
import { FILE_HEADER_SIZE, FORMAT_VERSION, HASH_SIZE_MAX, MAGIC } from './constants.js';
import { TAG_MASK, Tag } from './tags.js';

/** What the file header says. */
export interface FileHeader {
  /** The tag of the root: none (new file), array list (history) or hash map (no history). */
  readonly rootTag: number;
  /** Format version; 0 is the only one. */
  readonly version: number;
  /** Bytes per key hash. */
  readonly hashSize: number;
  /** Which hash function, as a u32 (often four ASCII letters such as `sha1`). */
  readonly hashId: number;
}

/**
 * Encodes a file header.
 *
 * @param header - the fields
 * @returns 12 bytes
 */
export function encodeFileHeader(header: FileHeader): Uint8Array {
  const out = new Uint8Array(FILE_HEADER_SIZE);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint8(3, header.rootTag);
  view.setUint16(4, header.version);
  view.setUint16(6, header.hashSize);
  view.setUint32(8, header.hashId);
  return out;
}

/**
 * Decodes and validates a file header.
 *
 * @param bytes - at least 12 bytes from position 0
 * @throws CorruptDatabaseError when the magic is wrong or the bytes are too few
 * @throws IncompatibleDatabaseError for a newer version or an unknown root tag
 */
export function decodeFileHeader(bytes: Uint8Array): FileHeader {
  if (bytes.length < FILE_HEADER_SIZE) throw new CorruptDatabaseError(`a database starts with a ${FILE_HEADER_SIZE}-byte header, found ${bytes.length} bytes`, 0);
  if (bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1] || bytes[2] !== MAGIC[2]) throw new CorruptDatabaseError('not a database: the first bytes are not "xit"', 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, FILE_HEADER_SIZE);
  const rootTag = view.getUint8(3) & TAG_MASK;
  const version = view.getUint16(4);
  const hashSize = view.getUint16(6);
  const hashId = view.getUint32(8);
  if (version !== FORMAT_VERSION) throw new IncompatibleDatabaseError(`format version ${version} is not supported (this build reads version ${FORMAT_VERSION})`);
  if (rootTag !== Tag.NONE && rootTag !== Tag.ARRAY_LIST && rootTag !== Tag.HASH_MAP) {
    throw new CorruptDatabaseError(`the root tag ${rootTag} is not none, array_list or hash_map`, 3);
  }
  if (hashSize === 0 || hashSize > HASH_SIZE_MAX) throw new CorruptDatabaseError(`hash size ${hashSize} is not between 1 and ${HASH_SIZE_MAX} bytes`, 6);
  return { rootTag, version, hashSize, hashId };
}

/**
 * Turns a 4-character ASCII name into the u32 hash id stored in the header.
 *
 * @param name - four ASCII characters, e.g. `sha1`
 */
export function hashIdFromName(name: string): number {
  if (name.length !== 4) throw new InvalidArgumentError(`a hash id name has exactly four characters, got "${name}"`);
  return ((name.charCodeAt(0) << 24) | (name.charCodeAt(1) << 16) | (name.charCodeAt(2) << 8) | name.charCodeAt(3)) >>> 0;
}

/**
 * Turns a u32 hash id back into text when it is four printable ASCII characters.
 *
 * @param id - the u32 from the header
 * @returns the name, or the id in hex (`0x00000000`)
 */
export function hashIdName(id: number): string {
  const chars = [id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff];
  if (chars.every((c) => c >= 0x20 && c < 0x7f)) return String.fromCharCode(...chars);
  return `0x${id.toString(16).padStart(8, '0')}`;
}

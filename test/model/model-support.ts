// Shared pieces of the model-based property tests: value and key arbitraries,
// a canonical text form of every value (so a model is plain strings), the
// hashers and run counts, and a harness that reopens a database on its backend.

import fc from 'fast-check';
import { expect } from 'vitest';
import { StrataError, type ErrorCode } from '../../src/errors.js';
import { Tag, tagName } from '../../src/format/tags.js';
import type { Hasher } from '../../src/hash/hasher.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { fnv1a32, tinyHasher } from '../../src/hash/test-hashers.js';
import { Engine, type Durability } from '../../src/history/engine.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { dumpValue } from '../../src/history/dump.js';
import type { ReadCursor } from '../../src/cursor/read-cursor.js';
import type { Storage } from '../../src/storage/storage.js';
import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE } from '../../src/format/constants.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { backends, type Backend, type BackendSlot } from '../support/backends.js';
import { loopSize } from '../support/sizes.js';

const utf8 = new TextEncoder();

/**
 * fast-check parameters for one property: the run count comes from
 * STRATADB_PROPERTY_RUNS, else `runsDefault` (`runsLong` under STRATADB_LONG=1,
 * see test/support/sizes.ts); STRATADB_PROPERTY_SEED and STRATADB_PROPERTY_PATH
 * replay the counterexample a failure printed.
 */
export function propertyParameters(runsDefault: number, runsLong = runsDefault): fc.Parameters<unknown> {
  const parameters: fc.Parameters<unknown> = { numRuns: loopSize(process.env.STRATADB_PROPERTY_RUNS, runsDefault, runsLong) };
  if (process.env.STRATADB_PROPERTY_SEED !== undefined) parameters.seed = Number(process.env.STRATADB_PROPERTY_SEED);
  if (process.env.STRATADB_PROPERTY_PATH !== undefined) parameters.path = process.env.STRATADB_PROPERTY_PATH;
  return parameters;
}

/**
 * Runs the transaction state's checker (TxState.check): fails with every
 * problem found. Cheap when the state is sound, so it runs after every op.
 */
export function expectSoundTxState(engine: Engine, where: string): void {
  const problems = engine.io.tx.check();
  if (problems.length > 0) expect.fail(`${where}: transaction state: ${problems.join('; ')}`);
}

/** A key hasher under test, with a name for `describe`. */
export interface NamedHasher {
  readonly name: string;
  readonly hasher: Hasher;
  /** True when two different keys can share the full hash in practice. */
  readonly collides: boolean;
}

/** SHA-1 for realistic spreading; 1- and 2-byte FNV hashes for deep chains and full collisions. */
export const hashers: readonly NamedHasher[] = [
  { name: 'sha1', hasher: sha1Hasher, collides: false },
  { name: 'tinyHasher(1)', hasher: tinyHasher(1), collides: true },
  { name: 'tinyHasher(2)', hasher: tinyHasher(2), collides: true },
];

/** Lowercase hex of some bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

const fromHexCache = new Map<string, Uint8Array>();

/** The bytes of a lowercase hex string (cached: models look the same keys up again and again; do not change the result). */
export function fromHex(text: string): Uint8Array {
  let out = fromHexCache.get(text);
  if (out === undefined) {
    out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    fromHexCache.set(text, out);
  }
  return out;
}

/** A map or set key as the cursor API takes it. */
export type KeySpec = string | Uint8Array;

/** The bytes a key is stored as. */
export function keyBytesOf(key: KeySpec): Uint8Array {
  return typeof key === 'string' ? utf8.encode(key) : key;
}

/**
 * Names whose FNV-1a hashes agree on their low 16 bits (and so on the low 8):
 * under tinyHasher(1) and tinyHasher(2) each group is a set of different keys with
 * the same full hash, which a map cannot hold together.
 */
export const collidingKeys: readonly string[] = (() => {
  const seen = new Map<number, string>();
  const found: string[] = [];
  for (let i = 0; found.length < 6; i++) {
    const key = `c${i}`;
    const low = fnv1a32(utf8.encode(key)) & 0xffff;
    const other = seen.get(low);
    if (other !== undefined) {
      found.push(other, key);
      seen.delete(low);
    } else {
      seen.set(low, key);
    }
  }
  return found;
})();

/**
 * Map keys: mostly a small alphabet (so puts overwrite and removes hit), known
 * full-hash collisions, long keys (stored as long bytes), raw bytes with 0x00.
 */
export const keyArbitrary: fc.Arbitrary<KeySpec> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é'), maxLength: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(...collidingKeys) },
  { weight: 1, arbitrary: fc.string({ minLength: 9, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) },
  // Keys around 4096 bytes, where key comparison reads the stored key in chunks.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 4094, max: 4098 }), fc.constantFrom('a', 'b')).map(([size, last]) => 'k'.repeat(size) + last) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 3 }).map((bytes) => Uint8Array.of(0, ...bytes)) },
);

/** A format tag as the API takes it: two bytes, or a two-character ASCII string. */
export type FormatTagSpec = Uint8Array | string | undefined;

const formatTagArbitrary: fc.Arbitrary<FormatTagSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 2, maxLength: 2 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('d', 't', 'j', 's', 'n', '0'), minLength: 2, maxLength: 2 }) },
);

/** One write through a value cursor. `nothing` takes the cursor and writes nothing. */
export type ValueSpec =
  | { readonly write: 'uint'; readonly value: bigint | number }
  | { readonly write: 'int'; readonly value: bigint | number }
  | { readonly write: 'float'; readonly value: number }
  | { readonly write: 'bytes'; readonly bytes: Uint8Array; readonly formatTag: FormatTagSpec }
  | { readonly write: 'string'; readonly text: string; readonly formatTag: FormatTagSpec }
  | { readonly write: 'stream'; readonly chunks: readonly Uint8Array[]; readonly formatTag: FormatTagSpec }
  | { readonly write: 'none' }
  | { readonly write: 'nothing' };

/** Every kind of value a slot can hold inline or as bytes, with the edge cases. */
export const valueArbitrary: fc.Arbitrary<ValueSpec> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ write: 'uint' as const, value })),
  fc.maxSafeNat().map((value) => ({ write: 'uint' as const, value })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ write: 'int' as const, value })),
  fc.maxSafeInteger().map((value) => ({ write: 'int' as const, value })),
  fc
    .oneof(fc.double(), fc.constantFrom(-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE))
    .map((value) => ({ write: 'float' as const, value })),
  fc.record({ text: fc.string({ maxLength: 8 }), formatTag: formatTagArbitrary }).map((r) => ({ write: 'string' as const, ...r })),
  fc.record({ text: fc.string({ minLength: 9, maxLength: 80 }), formatTag: formatTagArbitrary }).map((r) => ({ write: 'string' as const, ...r })),
  // Any UTF-16, lone surrogates included: stored as TextEncoder's UTF-8 (U+FFFD for a lone surrogate).
  fc.record({ text: fc.string({ unit: 'binary', maxLength: 12 }), formatTag: formatTagArbitrary }).map((r) => ({ write: 'string' as const, ...r })),
  fc.record({ bytes: fc.uint8Array({ maxLength: 24 }), formatTag: formatTagArbitrary }).map((r) => ({ write: 'bytes' as const, ...r })),
  fc
    .record({ chunks: fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 3 }), formatTag: formatTagArbitrary })
    .map((r) => ({ write: 'stream' as const, ...r })),
  fc.constant({ write: 'none' as const }),
  fc.constant({ write: 'nothing' as const }),
);

function formatTagBytes(tag: FormatTagSpec): Uint8Array | undefined {
  return typeof tag === 'string' ? utf8.encode(tag) : tag;
}

function bytesText(bytes: Uint8Array, formatTag: Uint8Array | undefined): string {
  return formatTag === undefined ? `bytes:${toHex(bytes)}` : `bytes:${toHex(bytes)}/tag:${toHex(formatTag)}`;
}

function floatText(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return `float:${view.getUint32(0).toString(16)}:${view.getUint32(4).toString(16)}`;
}

/** The canonical text of a never-written or explicitly-none slot. */
export const NONE_TEXT = 'none';

/**
 * Writes `spec` through `cursor`.
 *
 * @returns the canonical text of the value now in the slot, or undefined for
 *   `nothing` (the slot keeps whatever it held)
 */
export function writeValue(cursor: WriteCursor, spec: ValueSpec): string | undefined {
  switch (spec.write) {
    case 'uint':
      cursor.writeUint(spec.value);
      return `uint:${BigInt(spec.value)}`;
    case 'int':
      cursor.writeInt(spec.value);
      return `int:${BigInt(spec.value)}`;
    case 'float':
      cursor.writeFloat(spec.value);
      return floatText(spec.value);
    case 'bytes':
      cursor.writeBytes(spec.bytes, spec.formatTag);
      return bytesText(spec.bytes, formatTagBytes(spec.formatTag));
    case 'string':
      cursor.writeString(spec.text, spec.formatTag);
      return bytesText(utf8.encode(spec.text), formatTagBytes(spec.formatTag));
    case 'stream': {
      const writer = cursor.bytesWriter(spec.formatTag);
      for (const chunk of spec.chunks) writer.write(chunk);
      writer.finish();
      const all = new Uint8Array(spec.chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const chunk of spec.chunks) {
        all.set(chunk, at);
        at += chunk.length;
      }
      return bytesText(all, formatTagBytes(spec.formatTag));
    }
    case 'none':
      cursor.writeNone();
      return NONE_TEXT;
    case 'nothing':
      return undefined;
  }
}

/**
 * The canonical text of the value a cursor is on. Byte values are read twice,
 * whole and through the streaming reader, and must agree.
 */
export function describeValue(cursor: ReadCursor): string {
  switch (cursor.tag) {
    case Tag.NONE:
      return NONE_TEXT;
    case Tag.UINT:
      return `uint:${cursor.readUint()}`;
    case Tag.INT:
      return `int:${cursor.readInt()}`;
    case Tag.FLOAT:
      return floatText(cursor.readFloat());
    case Tag.BYTES:
    case Tag.SHORT_BYTES: {
      const { bytes, formatTag } = cursor.readTaggedBytes();
      const reader = cursor.bytesReader();
      const streamed = reader.readExactly(reader.size);
      if (toHex(streamed) !== toHex(bytes)) return `bytes-reader-disagrees:${toHex(bytes)}:${toHex(streamed)}`;
      return bytesText(bytes, formatTag);
    }
    default:
      // Structures nested as values: their typed dump, with object keys sorted.
      return `structure:${tagName(cursor.tag)}:${stableStringify(dumpValue(cursor))}`;
  }
}

/** JSON with every object's keys sorted, so that hash order does not matter. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A copy of every byte of a storage. */
export function snapshotBytes(storage: Storage): Uint8Array {
  const bytes = new Uint8Array(storage.size());
  storage.read(0, bytes);
  return bytes;
}

/**
 * Checks that the first `before.length` bytes of `storage` still equal `before`,
 * except the history header (the commit's only in-place write, FORMAT.md
 * §Commit and recovery): committed bytes never change.
 */
export function expectCommittedBytesUnchanged(storage: Storage, before: Uint8Array, where: string): void {
  expect(storage.size(), `${where}: the storage shrank below what was committed`).toBeGreaterThanOrEqual(before.length);
  const after = new Uint8Array(before.length);
  storage.read(0, after);
  const headerEnd = HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE;
  for (let i = 0; i < before.length; i++) {
    if (i >= HISTORY_HEADER_POSITION && i < headerEnd) continue;
    if (after[i] !== before[i]) {
      expect.fail(`${where}: committed byte ${i} changed from ${before[i]} to ${after[i]}`);
    }
  }
}

/**
 * The structure check every model test runs after every step: verifyDatabase
 * walks every moment (headers, history list, map tries with their hashes and
 * counts, array and linked lists, byte values) and must find nothing wrong.
 * A model comparison reads values through the same code that wrote them, so
 * it can pass on a file whose layout is wrong (a stale count, a kv pair under
 * the wrong nibble, a block shared where it must not be); this reads the bytes
 * by FORMAT.md's rules instead. Call it outside a transaction.
 */
export function expectVerified(engine: Engine, where: string): void {
  const report = verifyDatabase(engine);
  if (report.ok) return;
  const shown = report.problems.slice(0, 10).map((p) => `  ${p.position} ${p.path}: ${p.message}`);
  expect.fail(`${where}: verifyDatabase found ${report.problems.length} problem(s):\n${shown.join('\n')}`);
}

/** Runs `fn` and checks that it throws a StrataError with `code`. */
export function expectStrataError(fn: () => unknown, code: ErrorCode, message?: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, message).toBeInstanceOf(StrataError);
  expect((thrown as StrataError).code, message).toBe(code);
}

/** A test's own error, thrown from inside a transaction to abort it. */
export class AbortTransaction extends Error {
  constructor() {
    super('the test aborts this transaction on purpose');
  }
}

/**
 * Takes one slot of every backend while the test file is being collected.
 * test/support/backends.ts makes its temporary folder, and registers the
 * afterAll hook that deletes it, on the first file slot; a hook registered from
 * inside a running test never runs, so without this the folder would be left
 * in the system's temporary directory. Call it at the top level of a test file.
 */
export function makeBackendFoldersAtCollection(): void {
  for (const backend of backends) backend.slot();
}

/** One database on one backend, reopened on demand as a new process would. */
export class Harness {
  readonly slot: BackendSlot;
  readonly hasher: Hasher;
  readonly durability: Durability;
  engine: Engine;

  /**
   * @param durability - `sync` (the default) unless a test makes so many commits that
   *   the disk's fdatasync time would dominate and durability is not what it tests
   */
  constructor(backend: Backend, hasher: Hasher, durability: Durability = 'sync') {
    this.slot = backend.slot();
    this.hasher = hasher;
    this.durability = durability;
    this.engine = Engine.open(this.slot.open(), { hasher, durability });
  }

  /** Closes the database and opens its storage again (read-only when asked). */
  reopen(options: { readOnly?: boolean } = {}): void {
    this.engine.close();
    const readOnly = options.readOnly ?? false;
    this.engine = Engine.open(this.slot.open({ readOnly }), { hasher: this.hasher, readOnly, durability: this.durability });
  }

  /** Closes the database (ignoring a storage that is already closed). */
  close(): void {
    try {
      this.engine.close();
    } catch {
      // A failed test may leave the engine in any state; closing is best effort.
    }
  }
}

/**
 * Runs `transact` expecting it to throw `AbortTransaction`, then checks that
 * nothing was committed: same moment count, and the storage cut back to the
 * committed size it had before.
 */
export function expectAbortedTransaction(engine: Engine, fn: (root: WriteCursor) => void): void {
  const countBefore = engine.momentCount;
  const sizeBefore = engine.storage.size();
  const bytesBefore = snapshotBytes(engine.storage);
  const committedBefore = engine.committedSize;
  expect(sizeBefore).toBe(committedBefore);
  expect(() =>
    engine.transact((root) => {
      fn(root);
      throw new AbortTransaction();
    }),
  ).toThrow(AbortTransaction);
  expect(engine.momentCount).toBe(countBefore);
  expect(engine.committedSize).toBe(committedBefore);
  expect(engine.storage.size()).toBe(committedBefore);
  // Nothing at all changed, the history header included.
  const bytesAfter = snapshotBytes(engine.storage);
  expect(toHex(bytesAfter.subarray(0, 64))).toBe(toHex(bytesBefore.subarray(0, 64)));
  expect(Buffer.compare(bytesAfter, bytesBefore), 'the bytes after an aborted transaction differ from those before it').toBe(0);
}

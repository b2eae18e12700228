// Model-based property tests of HashMap, CountedHashMap, HashSet and
// CountedHashSet (FORMAT.md §Hash maps, §Counted structures) across many
// transactions, undo, revert, history slices, reopens and aborted transactions.
// The model is one JS Map per structure per moment; every old moment is
// re-checked against its own model after every step, since moments never change.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dumpValue, type DumpValue } from '../../src/history/dump.js';
import { HashCollisionError } from '../../src/errors.js';
import { Tag } from '../../src/format/tags.js';
import type { Hasher } from '../../src/hash/hasher.js';
import type { Engine } from '../../src/history/engine.js';
import type { ReadCursor, ReadHashMap, ReadHashSet } from '../../src/cursor/read-cursor.js';
import type { WriteCursor, WriteHashMap, WriteHashSet } from '../../src/cursor/write-cursor.js';
import { backends, type Backend } from '../support/backends.js';
import {
  AbortTransaction,
  Harness,
  NONE_TEXT,
  describeValue,
  expectAbortedTransaction,
  expectCommittedBytesUnchanged,
  expectStrataError,
  expectVerified,
  makeBackendFoldersAtCollection,
  fromHex,
  hashers,
  keyArbitrary,
  keyBytesOf,
  propertyParameters,
  snapshotBytes,
  toHex,
  valueArbitrary,
  writeValue,
  type KeySpec,
  type NamedHasher,
  type ValueSpec,
  expectSoundTxState,
} from './model-support.js';

makeBackendFoldersAtCollection();

/** Runs per backend and hasher (each a history of transactions checked after every step): 5, 14 under STRATADB_LONG=1. */
const RUNS_DEFAULT = 5;
const RUNS_LONG = 14;

type StructureKind = 'map' | 'countedMap' | 'set' | 'countedSet';

interface StructureSpec {
  readonly id: string;
  /** Names from the root map down; every name but the last is a plain hash map. */
  readonly path: readonly string[];
  readonly kind: StructureKind;
}

/**
 * The structures under one root map. Their names were checked to have different
 * FNV-1a low bytes, so navigating to them never collides under the tiny hashers.
 */
const STRUCTURES: readonly StructureSpec[] = [
  { id: 'hm', path: ['hm'], kind: 'map' },
  { id: 'chm', path: ['chm'], kind: 'countedMap' },
  { id: 'hs', path: ['hs'], kind: 'set' },
  { id: 'chs', path: ['chs'], kind: 'countedSet' },
  { id: 'deep/dm', path: ['deep', 'dm'], kind: 'countedMap' },
  { id: 'deep/ds', path: ['deep', 'ds'], kind: 'set' },
];

const KIND_TAG: Record<StructureKind, number> = {
  map: Tag.HASH_MAP,
  countedMap: Tag.COUNTED_HASH_MAP,
  set: Tag.HASH_SET,
  countedSet: Tag.COUNTED_HASH_SET,
};

function isSet(kind: StructureKind): boolean {
  return kind === 'set' || kind === 'countedSet';
}

function isCounted(kind: StructureKind): boolean {
  return kind === 'countedMap' || kind === 'countedSet';
}

/** structure id -> key hex -> canonical value text ('' for set members). Only structures that exist. */
type MomentModel = Map<string, Map<string, string>>;

function cloneModel(model: MomentModel): MomentModel {
  return new Map([...model].map(([id, entries]) => [id, new Map(entries)]));
}

type Op =
  | { readonly type: 'put'; readonly s: number; readonly key: KeySpec; readonly value: ValueSpec }
  | { readonly type: 'remove'; readonly s: number; readonly key: KeySpec }
  | { readonly type: 'removeExisting'; readonly s: number; readonly pick: number }
  | { readonly type: 'overwriteExisting'; readonly s: number; readonly pick: number; readonly value: ValueSpec }
  | { readonly type: 'bulkPut'; readonly s: number; readonly start: number; readonly count: number }
  | { readonly type: 'bulkRemove'; readonly s: number; readonly every: number };

type Command =
  | { readonly type: 'transact'; readonly ops: readonly Op[] }
  | { readonly type: 'transactThenThrow'; readonly ops: readonly Op[]; readonly midStream: boolean }
  | { readonly type: 'undo'; readonly steps: number }
  | { readonly type: 'revert'; readonly index: number; readonly fromEnd: boolean }
  | { readonly type: 'sliceHistory'; readonly keep: number }
  | { readonly type: 'reopen'; readonly readOnlyFirst: boolean };

const structureIndex = fc.nat({ max: STRUCTURES.length - 1 });

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ type: fc.constant('put' as const), s: structureIndex, key: keyArbitrary, value: valueArbitrary }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('remove' as const), s: structureIndex, key: keyArbitrary }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('removeExisting' as const), s: structureIndex, pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('overwriteExisting' as const), s: structureIndex, pick: fc.nat(), value: valueArbitrary }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('bulkPut' as const), s: structureIndex, start: fc.nat({ max: 400 }), count: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('bulkRemove' as const), s: structureIndex, every: fc.integer({ min: 1, max: 4 }) }) },
);

const opsArbitrary = fc.array(opArbitrary, { maxLength: 12 });

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ type: fc.constant('transact' as const), ops: opsArbitrary }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('transactThenThrow' as const), ops: opsArbitrary, midStream: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('undo' as const), steps: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('revert' as const), index: fc.nat(), fromEnd: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('sliceHistory' as const), keep: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('reopen' as const), readOnlyFirst: fc.boolean() }) },
);

const commandsArbitrary = fc.array(commandArbitrary, { minLength: 1, maxLength: 14 });

// --- navigation -------------------------------------------------------------

type WriteView = { readonly kind: 'map'; readonly map: WriteHashMap } | { readonly kind: 'set'; readonly set: WriteHashSet };

/** Opens (creating when absent) a structure for writing, from the moment's root. */
function openForWrite(root: WriteCursor, spec: StructureSpec): WriteView {
  let map = root.hashMap();
  for (const name of spec.path.slice(0, -1)) map = map.put(name).hashMap();
  const slot = map.put(spec.path[spec.path.length - 1]!);
  switch (spec.kind) {
    case 'map':
      return { kind: 'map', map: slot.hashMap() };
    case 'countedMap':
      return { kind: 'map', map: slot.countedHashMap() };
    case 'set':
      return { kind: 'set', set: slot.hashSet() };
    case 'countedSet':
      return { kind: 'set', set: slot.countedHashSet() };
  }
}


function mapKeyNames(map: ReadHashMap): string[] {
  return [...map.keys()].map((key) => key.readString()).sort();
}

/** Key hex -> value text of a map or set, read by iteration. */
function readEntries(read: { kind: 'map'; map: ReadHashMap } | { kind: 'set'; set: ReadHashSet }): [string, string][] {
  const out: [string, string][] = [];
  if (read.kind === 'map') {
    for (const entry of read.map.entries()) out.push([toHex(entry.key.readBytes()), describeValue(entry.value)]);
    // forEach walks the same pairs in the same order.
    const viaForEach: [string, string][] = [];
    read.map.forEach((value, key) => viaForEach.push([toHex(key.readBytes()), describeValue(value)]));
    expect(viaForEach).toEqual(out);
  } else {
    for (const key of read.set.keys()) out.push([toHex(key.readBytes()), '']);
  }
  return out.sort(byKey);
}

function byKey(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function sortedEntries(entries: Map<string, string>): [string, string][] {
  return [...entries].sort(byKey);
}

// --- checking a moment ------------------------------------------------------

/** Checks one committed moment against its model: containers, tags, entries, lookups, counts. */
function checkMoment(moment: ReadCursor, model: MomentModel, where: string): void {
  const existing = STRUCTURES.filter((spec) => model.has(spec.id));
  const rootNames = [...new Set(existing.map((spec) => spec.path[0]!))].sort();
  expect(mapKeyNames(moment.asHashMap()), `${where}: root map names`).toEqual(rootNames);
  const deepNames = existing.filter((spec) => spec.path.length > 1).map((spec) => spec.path[1]!).sort();
  const deep = moment.asHashMap().get('deep');
  if (deepNames.length > 0) expect(mapKeyNames(deep!.asHashMap()), `${where}: deep map names`).toEqual(deepNames);

  for (const spec of STRUCTURES) {
    const cursor = moment.readPath(spec.path);
    const entries = model.get(spec.id);
    if (entries === undefined) {
      expect(cursor, `${where}: ${spec.id} must not exist`).toBeUndefined();
      continue;
    }
    expect(cursor, `${where}: ${spec.id} must exist`).toBeDefined();
    const at = `${where}: ${spec.id}`;
    expect(cursor!.tag, `${at} tag`).toBe(KIND_TAG[spec.kind]);
    const expected = sortedEntries(entries);
    if (isSet(spec.kind)) {
      const set = cursor!.asHashSet();
      expect(readEntries({ kind: 'set', set }), `${at} members`).toEqual(expected);
      expect(set.count(), `${at} count`).toBe(entries.size);
      // One assertion per structure: lookups are many, and each expect() costs more than the lookup.
      const missing = [...entries.keys()].filter((keyHex) => !set.has(fromHex(keyHex)));
      expect(missing, `${at}: members that has() does not find`).toEqual([]);
    } else {
      const map = cursor!.asHashMap();
      expect(readEntries({ kind: 'map', map }), `${at} entries`).toEqual(expected);
      expect(map.count(), `${at} count`).toBe(entries.size);
      expect(cursor!.count(), `${at} cursor count`).toBe(entries.size);
      const looked = expected.map(([keyHex]): [string, string] => {
        const found = map.get(fromHex(keyHex));
        return [keyHex, found === undefined ? 'absent' : describeValue(found)];
      });
      expect(looked, `${at}: get() of every key`).toEqual(expected);
    }
  }
}

// --- the scenario runner ----------------------------------------------------

class Scenario {
  readonly harness: Harness;
  readonly hasher: Hasher;
  readonly collides: boolean;
  /** One model per committed moment. */
  readonly models: MomentModel[] = [];
  /** The typed dump of each moment, taken when it was committed. */
  readonly dumps: DumpValue[] = [];

  constructor(backend: Backend, named: NamedHasher) {
    // Flush durability: this model checks the maps, not fdatasync (the crash suite
    // and test/history prove durability); syncs took a sixth of its run time.
    this.harness = new Harness(backend, named.hasher, 'flush');
    this.hasher = named.hasher;
    this.collides = named.collides;
  }

  get engine(): Engine {
    return this.harness.engine;
  }

  latestModel(): MomentModel {
    return this.models.length === 0 ? new Map() : this.models[this.models.length - 1]!;
  }

  /** Checks the file's structure, then the latest moment and every old one against their models. */
  checkAll(step: string): void {
    expectSoundTxState(this.engine, step);
    expectVerified(this.engine, step);
    expect(this.engine.momentCount, `${step}: moment count`).toBe(this.models.length);
    this.models.forEach((model, index) => checkMoment(this.engine.moment(index), model, `${step}, moment ${index}`));
    if (this.models.length > 0) checkMoment(this.engine.moment(-1), this.latestModel(), `${step}, moment -1`);
  }

  /** Checks the dump of every moment against the dump taken at its commit. */
  checkDumps(step: string): void {
    for (let i = 0; i < this.models.length; i++) expect(dumpValue(this.engine.moment(i)), `${step}: dump of moment ${i}`).toEqual(this.dumps[i]);
  }

  pushMoment(model: MomentModel): void {
    this.models.push(model);
    this.dumps.push(dumpValue(this.engine.moment(-1)));
  }

  run(commands: readonly Command[]): void {
    commands.forEach((command, i) => {
      const step = `step ${i} (${command.type})`;
      const before = snapshotBytes(this.engine.storage);
      this.apply(command, step);
      expectCommittedBytesUnchanged(this.engine.storage, before, step);
      this.checkAll(step);
    });
    this.checkDumps('end');
    this.harness.reopen();
    this.checkAll('end, reopened');
    this.checkDumps('end, reopened');
  }

  apply(command: Command, step: string): void {
    const engine = this.engine;
    const count = this.models.length;
    switch (command.type) {
      case 'transact': {
        const working = cloneModel(this.latestModel());
        engine.transact((root) => {
          command.ops.forEach((op, i) => {
            this.applyOp(root, op, working, `${step}, op ${i} (${op.type})`);
            expectSoundTxState(engine, `${step}, op ${i} (${op.type})`);
          });
        });
        this.pushMoment(working);
        return;
      }
      case 'transactThenThrow': {
        const working = cloneModel(this.latestModel());
        expectAbortedTransaction(engine, (root) => {
          command.ops.forEach((op, i) => this.applyOp(root, op, working, `${step}, op ${i} (${op.type})`));
          if (command.midStream) {
            // Abort in the middle of a long value (streamed over the root itself): its bytes lie past the committed size too.
            root.bytesWriter().write(new Uint8Array(100).fill(7));
            throw new AbortTransaction();
          }
        });
        return;
      }
      case 'undo': {
        if (count < 2) {
          expectStrataError(() => engine.undo(1), 'OUT_OF_RANGE', `${step}: undo with ${count} moments`);
          return;
        }
        const steps = 1 + (command.steps % (count - 1));
        engine.undo(steps);
        this.pushMoment(this.models[count - 1 - steps]!);
        return;
      }
      case 'revert': {
        if (count === 0) {
          expectStrataError(() => engine.revert(command.fromEnd ? -1 : 0), 'OUT_OF_RANGE', `${step}: revert with no moments`);
          return;
        }
        const index = command.index % count;
        engine.revert(command.fromEnd ? index - count : index);
        this.pushMoment(this.models[index]!);
        return;
      }
      case 'sliceHistory': {
        const keep = command.keep % (count + 1);
        engine.sliceHistory(keep);
        expectStrataError(() => engine.moment(keep), 'OUT_OF_RANGE', `${step}: moment ${keep} after slicing to ${keep}`);
        this.models.length = keep;
        this.dumps.length = keep;
        return;
      }
      case 'reopen':
        if (command.readOnlyFirst) {
          // A read-only open sees every moment and refuses to write.
          this.harness.reopen({ readOnly: true });
          this.checkAll(`${step}: read-only`);
          expectStrataError(() => this.engine.transact(() => undefined), 'READ_ONLY', `${step}: transact on a read-only open`);
        }
        this.harness.reopen();
        this.checkDumps(`${step}: after reopening`);
        return;
    }
  }

  /** Applies one op inside a transaction, to the database and to `working`, and checks the key it touched. */
  applyOp(root: WriteCursor, op: Op, working: MomentModel, where: string): void {
    const spec = STRUCTURES[op.s]!;
    const view = openForWrite(root, spec);
    let entries = working.get(spec.id);
    if (entries === undefined) {
      entries = new Map();
      working.set(spec.id, entries);
    }
    switch (op.type) {
      case 'put':
        this.put(view, spec, entries, keyBytesOf(op.key), op.value, where);
        break;
      case 'overwriteExisting': {
        const keys = [...entries.keys()];
        const key = keys.length === 0 ? keyBytesOf('fresh') : fromHex(keys[op.pick % keys.length]!);
        this.put(view, spec, entries, key, op.value, where);
        break;
      }
      case 'remove':
        this.remove(view, spec, entries, keyBytesOf(op.key), where);
        break;
      case 'removeExisting': {
        const keys = [...entries.keys()];
        const key = keys.length === 0 ? keyBytesOf('absent') : fromHex(keys[op.pick % keys.length]!);
        this.remove(view, spec, entries, key, where);
        break;
      }
      case 'bulkPut':
        for (let i = op.start; i < op.start + op.count; i++) {
          this.put(view, spec, entries, keyBytesOf(`bulk-${i}`), { write: 'uint', value: i }, `${where}, bulk key ${i}`);
        }
        break;
      case 'bulkRemove': {
        const keys = [...entries.keys()];
        for (let i = 0; i < keys.length; i += op.every) this.remove(view, spec, entries, fromHex(keys[i]!), `${where}, bulk remove ${i}`);
        break;
      }
    }
    if (isCounted(spec.kind)) {
      const counted = view.kind === 'map' ? view.map.count() : view.set.count();
      expect(counted, `${where}: ${spec.id} count inside the transaction`).toBe(entries.size);
    }
  }

  private readonly hashes = new Map<string, string>();

  /** The full hash of a key, as hex (cached). */
  hashOf(keyHex: string): string {
    let hash = this.hashes.get(keyHex);
    if (hash === undefined) {
      hash = toHex(this.hasher.hash(fromHex(keyHex)));
      this.hashes.set(keyHex, hash);
    }
    return hash;
  }

  /** The model key that a put of `key` collides with: different bytes, same full hash. */
  collisionFor(entries: Map<string, string>, key: Uint8Array): string | undefined {
    if (!this.collides) return undefined;
    const keyHex = toHex(key);
    if (entries.has(keyHex)) return undefined;
    const hash = this.hashOf(keyHex);
    for (const other of entries.keys()) if (this.hashOf(other) === hash) return other;
    return undefined;
  }

  put(view: WriteView, spec: StructureSpec, entries: Map<string, string>, key: Uint8Array, value: ValueSpec, where: string): void {
    const keyHex = toHex(key);
    const collidesWith = this.collisionFor(entries, key);
    if (collidesWith !== undefined) {
      // The format cannot hold two keys with one full hash: the put must refuse and change nothing.
      const before = sortedEntries(entries);
      expectStrataError(() => (view.kind === 'map' ? view.map.put(key) : view.set.add(key)), 'HASH_COLLISION', `${where}: ${keyHex} collides with ${collidesWith}`);
      expect(readWriteView(view), `${where}: ${spec.id} after a refused put`).toEqual(before);
      return;
    }
    let cursor: WriteCursor | undefined;
    try {
      if (view.kind === 'map') cursor = view.map.put(key);
      else expect(view.set.add(key), `${where}: add reports whether ${keyHex} is new`).toBe(!entries.has(keyHex));
    } catch (error) {
      if (error instanceof HashCollisionError) throw new Error(`${where}: put of ${keyHex} reported a collision, but no key in the model has its hash`, { cause: error });
      throw error;
    }
    if (view.kind === 'set') {
      entries.set(keyHex, '');
      expect(view.set.has(key), `${where}: ${spec.id} has ${keyHex} after add`).toBe(true);
      return;
    }
    const text = writeValue(cursor!, value);
    entries.set(keyHex, text ?? entries.get(keyHex) ?? NONE_TEXT);
    const found = view.map.get(key);
    expect(found === undefined ? 'absent' : describeValue(found), `${where}: ${spec.id} reads its own write of ${keyHex}`).toBe(entries.get(keyHex));
  }

  remove(view: WriteView, spec: StructureSpec, entries: Map<string, string>, key: Uint8Array, where: string): void {
    const keyHex = toHex(key);
    const removed = view.kind === 'map' ? view.map.remove(key) : view.set.remove(key);
    expect(removed, `${where}: remove reports whether ${keyHex} was in ${spec.id}`).toBe(entries.has(keyHex));
    entries.delete(keyHex);
    expect(view.kind === 'map' ? view.map.has(key) : view.set.has(key), `${where}: ${spec.id} lacks ${keyHex} after remove`).toBe(false);
  }
}

function readWriteView(view: WriteView): [string, string][] {
  return view.kind === 'map' ? readEntries({ kind: 'map', map: view.map.read() }) : readEntries({ kind: 'set', set: view.set.read() });
}

// --- the properties -----------------------------------------------------------

describe('structure names used by the model', () => {
  it('have different low hash bytes under the tiny hashers, so navigation never collides', () => {
    for (const named of hashers) {
      const root = STRUCTURES.map((spec) => spec.path[0]!).filter((name, i, all) => all.indexOf(name) === i);
      const deep = STRUCTURES.filter((spec) => spec.path.length > 1).map((spec) => spec.path[1]!);
      for (const names of [root, deep]) {
        const hashes = names.map((name) => toHex(named.hasher.hash(keyBytesOf(name))));
        expect(new Set(hashes).size, `${named.name}: ${names.join(', ')}`).toBe(names.length);
      }
    }
  });
});

describe.each(backends.map((backend) => [backend.name, backend] as const))('HashMap, CountedHashMap, HashSet and CountedHashSet on %s storage', (_name, backend) => {
  describe.each(hashers.map((named) => [named.name, named] as const))('with %s', (_hasherName, named) => {
    it('match a JS Map per structure in every moment across transactions, undo, revert, history slices, reopens and aborted transactions', () => {
      fc.assert(
        fc.property(commandsArbitrary, (commands) => {
          const scenario = new Scenario(backend, named);
          try {
            scenario.run(commands);
          } finally {
            scenario.harness.close();
          }
        }),
        propertyParameters(RUNS_DEFAULT, RUNS_LONG),
      );
    });
  });
});

// Model-based property tests of ArrayList (FORMAT.md §Array lists): append,
// put (negative indexes too), get, slice, iteration, across many transactions,
// with counts crossing the radix boundaries 16/17, 256/257 and 4096/4097 both
// ways (root growth, shrink by slice, regrowth). The model is one JS array per
// list per moment, and every old moment is re-checked after every step.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tag } from '../../src/format/tags.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import type { ReadArrayList, ReadCursor } from '../../src/cursor/read-cursor.js';
import type { WriteArrayList, WriteCursor } from '../../src/cursor/write-cursor.js';
import { backends, type Backend } from '../support/backends.js';
import {
  Harness,
  NONE_TEXT,
  describeValue,
  expectAbortedTransaction,
  expectCommittedBytesUnchanged,
  expectStrataError,
  expectVerified,
  makeBackendFoldersAtCollection,
  propertyParameters,
  snapshotBytes,
  stableStringify,
  valueArbitrary,
  writeValue,
  type ValueSpec,
  expectSoundTxState,
} from './model-support.js';

makeBackendFoldersAtCollection();

/** Runs per backend of the many-transactions property (counts up to a few hundred): 4, 12 under STRATADB_LONG=1. */
const RUNS_SMALL_DEFAULT = 4;
const RUNS_SMALL_LONG = 12;
/** Runs per backend of the property whose lists cross 4096/4097. */
const RUNS_LARGE_DEFAULT = 3;

interface ListSpec {
  readonly id: string;
  /** Names from the root map down; every name but the last is a plain hash map. */
  readonly path: readonly string[];
}

const LISTS: readonly ListSpec[] = [
  { id: 'list', path: ['list'] },
  { id: 'nested/inner', path: ['nested', 'inner'] },
];

/** An item: the canonical text of a value, or a hash map of uints nested in the list (never changed in place). */
type Item = string | ReadonlyMap<string, number>;

/** list id -> items. Only lists that exist. */
type MomentModel = Map<string, Item[]>;

/** The canonical text of an item, as describeValue gives it. */
function itemText(item: Item): string {
  if (typeof item === 'string') return item;
  const entries: Record<string, unknown> = {};
  for (const [key, value] of item) entries[key] = { uint: String(value) };
  return `structure:hash_map:${stableStringify({ hash_map: entries })}`;
}

function cloneModel(model: MomentModel): MomentModel {
  return new Map([...model].map(([id, items]) => [id, items.slice()]));
}

/** Counts on either side of a change of the list's shift. */
const BOUNDARIES_SMALL = [0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 257] as const;
const BOUNDARIES_LARGE = [0, 16, 17, 256, 257, 4095, 4096, 4097] as const;

type Op =
  | { readonly type: 'append'; readonly l: number; readonly value: ValueSpec }
  | { readonly type: 'appendMany'; readonly l: number; readonly count: number; readonly noneEvery: number }
  | { readonly type: 'resizeTo'; readonly l: number; readonly target: number }
  | { readonly type: 'put'; readonly l: number; readonly index: number; readonly fromEnd: boolean; readonly value: ValueSpec }
  | { readonly type: 'putOutOfRange'; readonly l: number; readonly fromEnd: boolean }
  | { readonly type: 'get'; readonly l: number; readonly index: number; readonly fromEnd: boolean }
  | { readonly type: 'slice'; readonly l: number; readonly keep: number }
  | { readonly type: 'sliceOutOfRange'; readonly l: number }
  | { readonly type: 'nestedPut'; readonly l: number; readonly index: number; readonly key: string; readonly value: number };

type Command =
  | { readonly type: 'transact'; readonly ops: readonly Op[] }
  | { readonly type: 'transactThenThrow'; readonly ops: readonly Op[] }
  | { readonly type: 'undo'; readonly steps: number }
  | { readonly type: 'revert'; readonly index: number }
  | { readonly type: 'reopen' };

const listIndex = fc.nat({ max: LISTS.length - 1 });

/** Grows (appending) or slices a list to one of the boundary counts. */
function resizeArbitrary(boundaries: readonly number[]): fc.Arbitrary<Op> {
  return fc.record({ type: fc.constant('resizeTo' as const), l: listIndex, target: fc.constantFrom(...boundaries) });
}

function opArbitrary(boundaries: readonly number[], appendManyMax: number): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ type: fc.constant('append' as const), l: listIndex, value: valueArbitrary }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('appendMany' as const), l: listIndex, count: fc.integer({ min: 1, max: appendManyMax }), noneEvery: fc.integer({ min: 2, max: 9 }) }) },
    { weight: 3, arbitrary: resizeArbitrary(boundaries) },
    { weight: 5, arbitrary: fc.record({ type: fc.constant('put' as const), l: listIndex, index: fc.nat(), fromEnd: fc.boolean(), value: valueArbitrary }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('putOutOfRange' as const), l: listIndex, fromEnd: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('get' as const), l: listIndex, index: fc.nat(), fromEnd: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('slice' as const), l: listIndex, keep: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('sliceOutOfRange' as const), l: listIndex }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('nestedPut' as const), l: listIndex, index: fc.nat(), key: fc.constantFrom('x', 'y', 'z'), value: fc.nat({ max: 1000 }) }) },
  );
}

/**
 * Command lists. With `resizeFirst`, every transaction starts by resizing a list
 * to a boundary count, so that even a short run crosses them in both directions.
 */
function commandsArbitrary(ops: fc.Arbitrary<Op>, opsMax: number, commandsMin: number, commandsMax: number, resizeFirst?: fc.Arbitrary<Op>): fc.Arbitrary<Command[]> {
  const randomOps = fc.array(ops, { maxLength: opsMax, size: 'medium' });
  const opList = resizeFirst === undefined ? randomOps : fc.tuple(resizeFirst, randomOps).map(([first, rest]) => [first, ...rest]);
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 10, arbitrary: fc.record({ type: fc.constant('transact' as const), ops: opList }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('transactThenThrow' as const), ops: opList }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('undo' as const), steps: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('revert' as const), index: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('reopen' as const) }) },
  );
  return fc.array(command, { minLength: commandsMin, maxLength: commandsMax, size: 'medium' });
}

// --- navigation and checking ------------------------------------------------

function openForWrite(root: WriteCursor, spec: ListSpec): WriteArrayList {
  let map = root.hashMap();
  for (const name of spec.path.slice(0, -1)) map = map.put(name).hashMap();
  return map.put(spec.path[spec.path.length - 1]!).arrayList();
}


/** Indexes worth a direct get: the ends, the radix boundaries, the middle. */
function probeIndexes(count: number): number[] {
  const probes = [0, 1, 14, 15, 16, 17, 255, 256, 257, 4095, 4096, Math.floor(count / 2), count - 2, count - 1];
  return [...new Set(probes)].filter((i) => i >= 0 && i < count);
}

/** Checks a list (read view) against its items: count, iteration, iteration from a start, gets. */
function checkList(list: ReadArrayList, model: readonly Item[], at: string): void {
  const items = model.map(itemText);
  expect(list.count(), `${at} count`).toBe(items.length);
  expect([...list].map(describeValue), `${at} items`).toEqual(items);
  const start = Math.floor(items.length / 3);
  expect([...list.items(start)].map(describeValue), `${at} items from ${start}`).toEqual(items.slice(start));
  const probes = probeIndexes(items.length);
  const got = probes.map((index) => [index, describeValue(list.get(index)), describeValue(list.get(index - items.length))]);
  expect(got, `${at} get(i) and get(i - count)`).toEqual(probes.map((index) => [index, items[index], items[index]]));
  expectStrataError(() => list.get(items.length), 'OUT_OF_RANGE', `${at} get(count)`);
  expectStrataError(() => list.get(-items.length - 1), 'OUT_OF_RANGE', `${at} get(-count - 1)`);
}

function checkMoment(moment: ReadCursor, model: MomentModel, where: string): void {
  const existing = LISTS.filter((spec) => model.has(spec.id));
  const rootNames = [...new Set(existing.map((spec) => spec.path[0]!))].sort();
  expect([...moment.asHashMap().keys()].map((key) => key.readString()).sort(), `${where}: root map names`).toEqual(rootNames);
  for (const spec of LISTS) {
    const cursor = moment.readPath(spec.path);
    const items = model.get(spec.id);
    if (items === undefined) {
      expect(cursor, `${where}: ${spec.id} must not exist`).toBeUndefined();
      continue;
    }
    expect(cursor?.tag, `${where}: ${spec.id} tag`).toBe(Tag.ARRAY_LIST);
    expect(cursor!.count(), `${where}: ${spec.id} cursor count`).toBe(items.length);
    checkList(cursor!.asArrayList(), items, `${where}: ${spec.id}`);
  }
}

// --- the scenario runner ----------------------------------------------------

class Scenario {
  readonly harness: Harness;
  readonly models: MomentModel[] = [];
  private valueCounter = 0;

  constructor(backend: Backend) {
    // Flush durability: this model checks the lists, not fdatasync (the crash suite and test/history prove durability).
    this.harness = new Harness(backend, sha1Hasher, 'flush');
  }

  latestModel(): MomentModel {
    return this.models.length === 0 ? new Map() : this.models[this.models.length - 1]!;
  }

  /** Checks the file's structure, then every moment against its model. */
  checkAll(step: string): void {
    const engine = this.harness.engine;
    expectSoundTxState(engine, step);
    expectVerified(engine, step);
    expect(engine.momentCount, `${step}: moment count`).toBe(this.models.length);
    this.models.forEach((model, index) => checkMoment(engine.moment(index), model, `${step}, moment ${index}`));
  }

  run(commands: readonly Command[]): void {
    commands.forEach((command, i) => {
      const step = `step ${i} (${command.type})`;
      const before = snapshotBytes(this.harness.engine.storage);
      this.apply(command, step);
      expectCommittedBytesUnchanged(this.harness.engine.storage, before, step);
      this.checkAll(step);
    });
    this.harness.reopen();
    this.checkAll('end, reopened');
  }

  apply(command: Command, step: string): void {
    const engine = this.harness.engine;
    const count = this.models.length;
    switch (command.type) {
      case 'transact': {
        const working = cloneModel(this.latestModel());
        engine.transact((root) =>
          command.ops.forEach((op, i) => {
            this.applyOp(root, op, working, `${step}, op ${i} (${op.type})`);
            expectSoundTxState(engine, `${step}, op ${i} (${op.type})`);
          }),
        );
        this.models.push(working);
        return;
      }
      case 'transactThenThrow': {
        const working = cloneModel(this.latestModel());
        expectAbortedTransaction(engine, (root) => command.ops.forEach((op, i) => this.applyOp(root, op, working, `${step}, op ${i} (${op.type})`)));
        return;
      }
      case 'undo': {
        if (count < 2) return;
        const steps = 1 + (command.steps % (count - 1));
        engine.undo(steps);
        this.models.push(this.models[count - 1 - steps]!);
        return;
      }
      case 'revert': {
        if (count === 0) return;
        const index = command.index % count;
        engine.revert(index);
        this.models.push(this.models[index]!);
        return;
      }
      case 'reopen':
        this.harness.reopen();
        return;
    }
  }

  /** Appends one item; a fresh item must read as none before anything is written to it. */
  append(list: WriteArrayList, items: Item[], value: ValueSpec, at: string): void {
    const cursor = list.append();
    // Plain comparisons here (expect.fail only on a mismatch): growing to 4097 items appends thousands of times.
    const count = list.count();
    if (count !== items.length + 1) expect.fail(`${at}: the count after append is ${count}, expected ${items.length + 1}`);
    // A slice may have left an old value in this slot; append must clear it.
    const fresh = describeValue(list.get(-1));
    if (fresh !== NONE_TEXT) expect.fail(`${at}: the new item ${items.length} starts as ${fresh}, not empty`);
    items.push(writeValue(cursor, value) ?? NONE_TEXT);
  }

  applyOp(root: WriteCursor, op: Op, working: MomentModel, where: string): void {
    const spec = LISTS[op.l]!;
    const list = openForWrite(root, spec);
    let items = working.get(spec.id);
    if (items === undefined) {
      items = [];
      working.set(spec.id, items);
    }
    const count = items.length;
    switch (op.type) {
      case 'append':
        this.append(list, items, op.value, where);
        expect(describeValue(list.get(count)), `${where}: get(${count}) after append`).toBe(itemText(items[count]!));
        break;
      case 'appendMany':
        for (let i = 0; i < op.count; i++) {
          const value: ValueSpec = i % op.noneEvery === 0 ? { write: 'nothing' } : { write: 'uint', value: this.valueCounter++ };
          this.append(list, items, value, `${where}, item ${i}`);
        }
        break;
      case 'resizeTo':
        if (op.target < count) {
          list.slice(op.target);
          items.length = op.target;
          expect(list.count(), `${where}: count after slice to ${op.target}`).toBe(op.target);
        }
        // Every third regrown item stays unwritten, so a value left by an earlier slice would show.
        for (let i = 0; items.length < op.target; i++) {
          const value: ValueSpec = i % 3 === 2 ? { write: 'nothing' } : { write: 'uint', value: this.valueCounter++ };
          this.append(list, items, value, `${where}, to ${op.target}`);
        }
        break;
      case 'put': {
        if (count === 0) {
          expectStrataError(() => list.put(op.fromEnd ? -1 : 0), 'OUT_OF_RANGE', `${where}: put into an empty list`);
          break;
        }
        const index = op.index % count;
        const cursor = list.put(op.fromEnd ? index - count : index);
        const text = writeValue(cursor, op.value);
        if (text !== undefined) items[index] = text;
        expect(describeValue(list.get(index)), `${where}: get(${index}) after put`).toBe(itemText(items[index]!));
        break;
      }
      case 'putOutOfRange':
        expectStrataError(() => list.put(op.fromEnd ? -count - 1 : count), 'OUT_OF_RANGE', `${where}: put past the end`);
        break;
      case 'get': {
        if (count === 0) {
          expectStrataError(() => list.get(op.fromEnd ? -1 : 0), 'OUT_OF_RANGE', `${where}: get from an empty list`);
          break;
        }
        const index = op.index % count;
        expect(describeValue(list.get(op.fromEnd ? index - count : index)), `${where}: get(${index})`).toBe(itemText(items[index]!));
        break;
      }
      case 'nestedPut': {
        // A map inside a list item: created in an empty or overwritten item, changed in place (copy-on-write) otherwise.
        if (count === 0) {
          list.append().hashMap().put(op.key).writeUint(op.value);
          items.push(new Map([[op.key, op.value]]));
        } else {
          const index = op.index % count;
          const item = items[index]!;
          const cursor = list.put(index);
          if (typeof item === 'string') {
            cursor.writeNone();
            items[index] = new Map([[op.key, op.value]]);
          } else {
            items[index] = new Map(item).set(op.key, op.value);
          }
          cursor.hashMap().put(op.key).writeUint(op.value);
        }
        const last = op.index % Math.max(count, 1);
        expect(describeValue(list.get(count === 0 ? 0 : last)), `${where}: the nested map`).toBe(itemText(items[count === 0 ? 0 : last]!));
        break;
      }
      case 'slice': {
        const keep = op.keep % (count + 1);
        list.slice(keep);
        items.length = keep;
        expect(list.count(), `${where}: count after slice to ${keep}`).toBe(keep);
        expectStrataError(() => list.get(keep), 'OUT_OF_RANGE', `${where}: get(${keep}) after slice`);
        if (keep > 0) expect(describeValue(list.get(-1)), `${where}: last item after slice`).toBe(itemText(items[keep - 1]!));
        break;
      }
      case 'sliceOutOfRange':
        expectStrataError(() => list.slice(count + 1), 'OUT_OF_RANGE', `${where}: slice past the end`);
        expect(list.count(), `${where}: count after a refused slice`).toBe(count);
        break;
    }
  }
}

// --- the properties -----------------------------------------------------------

const smallCommands = commandsArbitrary(opArbitrary(BOUNDARIES_SMALL, 40), 8, 1, 12);
const largeCommands = commandsArbitrary(opArbitrary(BOUNDARIES_LARGE, 300), 3, 3, 5, resizeArbitrary(BOUNDARIES_LARGE));

function runProperty(backend: Backend, commands: fc.Arbitrary<Command[]>, runs: number, runsLong = runs): void {
  fc.assert(
    fc.property(commands, (list) => {
      const scenario = new Scenario(backend);
      try {
        scenario.run(list);
      } finally {
        scenario.harness.close();
      }
    }),
    propertyParameters(runs, runsLong),
  );
}

describe.each(backends.map((backend) => [backend.name, backend] as const))('ArrayList on %s storage', (_name, backend) => {
  it('matches a JS array per list in every moment across transactions, with counts crossing 16/17 and 256/257', () => {
    runProperty(backend, smallCommands, RUNS_SMALL_DEFAULT, RUNS_SMALL_LONG);
  });

  it('matches a JS array per list in every moment while counts cross 4096/4097, shrink by slice and grow again', () => {
    runProperty(backend, largeCommands, RUNS_LARGE_DEFAULT);
  });

  it('never shows a dropped item again after slicing across every radix boundary and appending', () => {
    // A fixed walk over the boundaries, so every shrink and regrowth happens on every run of the suite.
    const harness = new Harness(backend, sha1Hasher);
    try {
      const sizes = [4097, 4096, 4097, 257, 256, 257, 17, 16, 17, 0, 17, 257, 4097, 16, 4096];
      let items: string[] = [];
      const models: string[][] = [];
      let next = 0;
      sizes.forEach((size, step) => {
        harness.engine.transact((root) => {
          const list = root.hashMap().put('list').arrayList();
          if (size < items.length) {
            list.slice(size);
            items = items.slice(0, size);
          }
          while (items.length < size) {
            const cursor = list.append();
            expect(describeValue(list.get(-1)), `step ${step}: new item ${items.length} starts empty`).toBe(NONE_TEXT);
            // Every other regrown item stays unwritten, so a stale value would show.
            if (items.length % 2 === 0) {
              cursor.writeUint(next);
              items.push(`uint:${next++}`);
            } else {
              items.push(NONE_TEXT);
            }
          }
        });
        models.push(items.slice());
        if (step % 5 === 4) harness.reopen();
        expectVerified(harness.engine, `step ${step}`);
        models.forEach((model, index) => checkList(harness.engine.moment(index).asHashMap().get('list')!.asArrayList(), model, `step ${step}, moment ${index}`));
      });
    } finally {
      harness.close();
    }
  });
});

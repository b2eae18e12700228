// Model-based property tests of clones and freeze (FORMAT.md §Transactions):
// a clone is a pointer copy of a structure's slot. Cloning data that a committed
// moment holds needs nothing more; cloning data the running transaction wrote
// needs Engine.freeze() before either copy changes. After a freeze, cursors
// taken before it refuse writes (TransactionError), except the moment's root.
// Also the history list itself (FORMAT.md §History) across 16/17 and 256/257 moments.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src/errors.js';
import { Tag } from '../../src/format/tags.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import type { Engine } from '../../src/history/engine.js';
import type { ReadCursor } from '../../src/cursor/read-cursor.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { backends, type Backend } from '../support/backends.js';
import {
  Harness,
  NONE_TEXT,
  describeValue,
  expectAbortedTransaction,
  expectVerified,
  fromHex,
  makeBackendFoldersAtCollection,
  propertyParameters,
  toHex,
  valueArbitrary,
  writeValue,
  type ValueSpec,
  expectSoundTxState,
} from './model-support.js';

makeBackendFoldersAtCollection();

/** Runs per backend of each clone property: 5, 15 under STRATADB_LONG=1. */
const RUNS_CLONE_DEFAULT = 5;
const RUNS_CLONE_LONG = 15;
/** Runs per backend of the stale-cursor property: 6, 20 under STRATADB_LONG=1. */
const RUNS_FREEZE_DEFAULT = 6;
const RUNS_FREEZE_LONG = 20;
/** Runs per backend of the long-history property (hundreds of transactions each). */
const RUNS_HISTORY_DEFAULT = 3;

const utf8 = new TextEncoder();

type Kind = 'map' | 'countedMap' | 'set' | 'countedSet' | 'list';

const KINDS: readonly Kind[] = ['map', 'countedMap', 'set', 'countedSet', 'list'];

const KIND_TAG: Record<Kind, number> = {
  map: Tag.HASH_MAP,
  countedMap: Tag.COUNTED_HASH_MAP,
  set: Tag.HASH_SET,
  countedSet: Tag.COUNTED_HASH_SET,
  list: Tag.ARRAY_LIST,
};

/** The model of one structure: key hex -> value text for maps ('' for sets), items for lists. */
type Content = { readonly kind: Exclude<Kind, 'list'>; readonly entries: Map<string, string> } | { readonly kind: 'list'; readonly items: string[] };

function emptyContent(kind: Kind): Content {
  return kind === 'list' ? { kind, items: [] } : { kind, entries: new Map() };
}

function cloneContent(content: Content): Content {
  return content.kind === 'list' ? { kind: 'list', items: content.items.slice() } : { kind: content.kind, entries: new Map(content.entries) };
}

/** Root-map name -> structure. */
type MomentModel = Map<string, Content>;

function cloneModel(model: MomentModel): MomentModel {
  return new Map([...model].map(([name, content]) => [name, cloneContent(content)]));
}

/** Names of the structures under the root map. */
const NAMES = ['a', 'b', 'c', 'd'] as const;

type StructOp =
  | { readonly type: 'upsert'; readonly key: string; readonly value: ValueSpec }
  | { readonly type: 'overwrite'; readonly pick: number; readonly value: ValueSpec }
  | { readonly type: 'remove'; readonly pick: number }
  | { readonly type: 'bulk'; readonly start: number; readonly count: number };

type Step =
  | { readonly type: 'mutate'; readonly name: number; readonly kind: Kind; readonly ops: readonly StructOp[] }
  | { readonly type: 'clone'; readonly from: number; readonly to: number; readonly fromMoment: number | undefined; readonly mutateAfter: readonly StructOp[]; readonly mutateSourceAfter: readonly StructOp[] }
  | { readonly type: 'freeze' };

type Command =
  | { readonly type: 'transact'; readonly steps: readonly Step[] }
  /** The same steps, then the transaction throws: nothing of it may remain, clones and freezes included. */
  | { readonly type: 'transactThenThrow'; readonly steps: readonly Step[] }
  | { readonly type: 'reopen' };

const structOpArbitrary: fc.Arbitrary<StructOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('upsert' as const), key: fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'e'), maxLength: 3 }), value: valueArbitrary }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('overwrite' as const), pick: fc.nat(), value: valueArbitrary }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('bulk' as const), start: fc.nat({ max: 100 }), count: fc.integer({ min: 1, max: 280 }) }) },
);

const structOps = fc.array(structOpArbitrary, { maxLength: 6 });
const structOpsNonEmpty = fc.array(structOpArbitrary, { minLength: 1, maxLength: 6 });
const nameIndex = fc.nat({ max: NAMES.length - 1 });
const kindArbitrary = fc.constantFrom(...KINDS);

// --- applying and checking ----------------------------------------------------

/** Opens `name` under the root for writing as `kind`, creating it when absent. */
function openForWrite(root: WriteCursor, name: string, kind: Kind): WriteCursor {
  const slot = root.hashMap().put(name);
  switch (kind) {
    case 'map':
      slot.hashMap();
      break;
    case 'countedMap':
      slot.countedHashMap();
      break;
    case 'set':
      slot.hashSet();
      break;
    case 'countedSet':
      slot.countedHashSet();
      break;
    case 'list':
      slot.arrayList();
      break;
  }
  return slot;
}

let bulkCounter = 0;

/** Applies one op to the structure in `slot` and to its model. */
function applyStructOp(slot: WriteCursor, content: Content, op: StructOp, where: string): void {
  if (content.kind === 'list') {
    const list = slot.arrayList();
    const items = content.items;
    switch (op.type) {
      case 'upsert':
        items.push(writeValue(list.append(), op.value) ?? NONE_TEXT);
        break;
      case 'overwrite':
        if (items.length > 0) {
          const index = op.pick % items.length;
          const text = writeValue(list.put(index), op.value);
          if (text !== undefined) items[index] = text;
        }
        break;
      case 'remove': {
        const keep = op.pick % (items.length + 1);
        list.slice(keep);
        items.length = keep;
        break;
      }
      case 'bulk':
        for (let i = 0; i < op.count; i++) {
          list.append().writeUint(bulkCounter);
          items.push(`uint:${bulkCounter++}`);
        }
        break;
    }
    expect(list.count(), `${where}: list count`).toBe(items.length);
    return;
  }
  const entries = content.entries;
  const keys = [...entries.keys()];
  const isSet = content.kind === 'set' || content.kind === 'countedSet';
  const set = isSet ? (content.kind === 'set' ? slot.hashSet() : slot.countedHashSet()) : undefined;
  const map = isSet ? undefined : content.kind === 'map' ? slot.hashMap() : slot.countedHashMap();
  const upsert = (keyHex: string, value: ValueSpec): void => {
    const key = fromHex(keyHex);
    if (set !== undefined) {
      expect(set.add(key), `${where}: add ${keyHex}`).toBe(!entries.has(keyHex));
      entries.set(keyHex, '');
      return;
    }
    const text = writeValue(map!.put(key), value);
    entries.set(keyHex, text ?? entries.get(keyHex) ?? NONE_TEXT);
  };
  switch (op.type) {
    case 'upsert':
      upsert(toHex(utf8.encode(op.key)), op.value);
      break;
    case 'overwrite':
      if (keys.length > 0) upsert(keys[op.pick % keys.length]!, op.value);
      break;
    case 'remove':
      if (keys.length > 0) {
        const keyHex = keys[op.pick % keys.length]!;
        expect(set !== undefined ? set.remove(fromHex(keyHex)) : map!.remove(fromHex(keyHex)), `${where}: remove ${keyHex}`).toBe(true);
        entries.delete(keyHex);
      }
      break;
    case 'bulk':
      for (let i = op.start; i < op.start + op.count; i++) upsert(toHex(utf8.encode(`bulk-${i}`)), { write: 'uint', value: i });
      break;
  }
  expect(set !== undefined ? set.count() : map!.count(), `${where}: count`).toBe(entries.size);
}

/** The model of whatever structure a cursor is on. */
function readContent(cursor: ReadCursor): Content | string {
  switch (cursor.tag) {
    case Tag.ARRAY_LIST:
      return { kind: 'list', items: [...cursor.asArrayList()].map(describeValue) };
    case Tag.HASH_MAP:
    case Tag.COUNTED_HASH_MAP: {
      const entries = new Map<string, string>();
      for (const entry of cursor.asHashMap().entries()) entries.set(toHex(entry.key.readBytes()), describeValue(entry.value));
      return { kind: cursor.tag === Tag.HASH_MAP ? 'map' : 'countedMap', entries };
    }
    case Tag.HASH_SET:
    case Tag.COUNTED_HASH_SET: {
      const entries = new Map<string, string>();
      for (const key of cursor.asHashSet().keys()) entries.set(toHex(key.readBytes()), '');
      return { kind: cursor.tag === Tag.HASH_SET ? 'set' : 'countedSet', entries };
    }
    default:
      return describeValue(cursor);
  }
}

/** A comparable form of a model: sorted entries, so that iteration order does not matter. */
function comparable(content: Content | string): unknown {
  if (typeof content === 'string') return content;
  if (content.kind === 'list') return { kind: 'list', items: content.items };
  return { kind: content.kind, entries: [...content.entries].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)) };
}

/** Checks every structure under a root (a moment, or the running transaction's root) against the model. */
function checkRoot(root: ReadCursor, model: MomentModel, where: string): void {
  const map = root.asHashMap();
  expect([...map.keys()].map((key) => key.readString()).sort(), `${where}: names`).toEqual([...model.keys()].sort());
  for (const [name, content] of model) {
    const cursor = map.get(name);
    expect(cursor?.tag, `${where}: ${name} tag`).toBe(KIND_TAG[content.kind]);
    expect(comparable(readContent(cursor!)), `${where}: ${name}`).toEqual(comparable(content));
    const size = content.kind === 'list' ? content.items.length : content.entries.size;
    expect(cursor!.count(), `${where}: ${name} count`).toBe(size);
  }
}

// --- the scenario runner ----------------------------------------------------

class Scenario {
  readonly harness: Harness;
  readonly models: MomentModel[] = [];
  /** Freezes the runner made because a clone's source had changed in the running transaction. */
  freezesNeeded = 0;

  constructor(backend: Backend) {
    this.harness = new Harness(backend, sha1Hasher);
  }

  get engine(): Engine {
    return this.harness.engine;
  }

  /** Checks the file's structure, then every moment against its model. */
  checkAll(step: string): void {
    expectSoundTxState(this.engine, step);
    expectVerified(this.engine, step);
    expect(this.engine.momentCount, `${step}: moment count`).toBe(this.models.length);
    this.models.forEach((model, index) => checkRoot(this.engine.moment(index), model, `${step}, moment ${index}`));
  }

  run(commands: readonly Command[]): void {
    commands.forEach((command, i) => {
      const step = `command ${i} (${command.type})`;
      if (command.type === 'reopen') this.harness.reopen();
      else this.transact(command.steps, step, command.type === 'transactThenThrow');
      this.checkAll(step);
    });
  }

  transact(steps: readonly Step[], where: string, abort: boolean): void {
    const working = cloneModel(this.models[this.models.length - 1] ?? new Map());
    const engine = this.engine;
    const body = (root: WriteCursor): void => {
      // Names whose structure may hold blocks written since the transaction began or last froze.
      const changed = new Set<string>();
      const mutate = (name: string, kind: Kind, ops: readonly StructOp[], at: string): void => {
        if (ops.length === 0) return;
        let content = working.get(name);
        if (content === undefined) {
          content = emptyContent(kind);
          working.set(name, content);
        }
        const slot = openForWrite(root, name, content.kind);
        ops.forEach((op, i) => applyStructOp(slot, content, op, `${at}, op ${i} (${op.type})`));
        changed.add(name);
      };
      steps.forEach((step, i) => {
        const at = `${where}, step ${i} (${step.type})`;
        switch (step.type) {
          case 'mutate':
            mutate(NAMES[step.name]!, step.kind, step.ops, at);
            break;
          case 'freeze':
            engine.freeze();
            changed.clear();
            break;
          case 'clone': {
            const source = step.fromMoment === undefined ? working : this.models[step.fromMoment % Math.max(1, this.models.length)];
            const present = source === undefined ? [] : NAMES.filter((name) => source.has(name));
            if (source === undefined || present.length === 0) break;
            const from = present[step.from % present.length]!;
            const to = NAMES[step.to]!;
            const sourceRoot = step.fromMoment === undefined ? root.refresh() : engine.moment(step.fromMoment % this.models.length);
            root.hashMap().put(to).writeSlot(sourceRoot.asHashMap().get(from)!.slot);
            working.set(to, cloneContent(source.get(from)!));
            if (step.fromMoment === undefined && changed.has(from)) {
              // The clone shares blocks this transaction may still change in place: freeze before changing either.
              engine.freeze();
              changed.clear();
              this.freezesNeeded++;
            } else {
              // A clone of committed or frozen data: both copies change by copying, no freeze needed.
              changed.delete(to);
            }
            mutate(to, working.get(to)!.kind, step.mutateAfter, `${at}, clone ${to}`);
            if (from !== to) mutate(from, working.get(from)!.kind, step.mutateSourceAfter, `${at}, source ${from}`);
            break;
          }
        }
        checkRoot(root.refresh(), working, `${at}, inside the transaction`);
        expectSoundTxState(engine, `${at}, inside the transaction`);
      });
    };
    if (abort) {
      expectAbortedTransaction(engine, body);
      return;
    }
    engine.transact(body);
    this.models.push(working);
  }
}

function runProperty(backend: Backend, commands: fc.Arbitrary<Command[]>, check?: (scenario: Scenario) => void): void {
  fc.assert(
    fc.property(commands, (list) => {
      const scenario = new Scenario(backend);
      try {
        scenario.run(list);
        check?.(scenario);
      } finally {
        scenario.harness.close();
      }
    }),
    propertyParameters(RUNS_CLONE_DEFAULT, RUNS_CLONE_LONG),
  );
}

// --- generators -----------------------------------------------------------------

/**
 * Within one transaction: optionally commit a source first, then change it,
 * clone it, freeze, and change the clone (and maybe the source again).
 */
const cloneWithinTransaction: fc.Arbitrary<Command[]> = fc
  .record({
    committedFirst: fc.boolean(),
    kind: kindArbitrary,
    build: structOpsNonEmpty,
    changeSource: structOpsNonEmpty,
    changeClone: structOpsNonEmpty,
    changeSourceAfter: structOps,
    to: fc.constantFrom(1, 2),
  })
  .map(({ committedFirst, kind, build, changeSource, changeClone, changeSourceAfter, to }) => {
    const sourceSteps: Step[] = [{ type: 'mutate', name: 0, kind, ops: build }];
    const cloneSteps: Step[] = [
      { type: 'mutate', name: 0, kind, ops: changeSource },
      { type: 'clone', from: 0, to, fromMoment: undefined, mutateAfter: changeClone, mutateSourceAfter: changeSourceAfter },
    ];
    return committedFirst
      ? [{ type: 'transact', steps: sourceSteps }, { type: 'transact', steps: cloneSteps }]
      : [{ type: 'transact', steps: [...sourceSteps, ...cloneSteps] }];
  });

/** Across transactions: each transaction clones committed data first thing, then changes the clone (no freeze). */
const cloneAcrossTransactions: fc.Arbitrary<Command[]> = fc
  .record({
    kinds: fc.array(kindArbitrary, { minLength: 1, maxLength: 2 }),
    builds: fc.array(structOpsNonEmpty, { minLength: 2, maxLength: 2 }),
    rounds: fc.array(
      fc.record({
        from: nameIndex,
        to: nameIndex,
        fromMoment: fc.option(fc.nat(), { nil: undefined }),
        changeClone: structOpsNonEmpty,
        changeSource: structOps,
        reopen: fc.boolean(),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ kinds, builds, rounds }) => {
    const commands: Command[] = [
      {
        type: 'transact',
        steps: kinds.map((kind, i): Step => ({ type: 'mutate', name: i, kind, ops: builds[i]! })),
      },
    ];
    for (const round of rounds) {
      if (round.reopen) commands.push({ type: 'reopen' });
      commands.push({
        type: 'transact',
        steps: [{ type: 'clone', from: round.from, to: round.to, fromMoment: round.fromMoment, mutateAfter: round.changeClone, mutateSourceAfter: round.changeSource }],
      });
    }
    return commands;
  });

const mixedSteps: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ type: fc.constant('mutate' as const), name: nameIndex, kind: kindArbitrary, ops: structOps }) },
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant('clone' as const),
        from: nameIndex,
        to: nameIndex,
        fromMoment: fc.option(fc.nat(), { nil: undefined }),
        mutateAfter: structOps,
        mutateSourceAfter: structOps,
      }),
    },
    { weight: 1, arbitrary: fc.constant({ type: 'freeze' as const }) },
  ),
  { maxLength: 6 },
);

/** Any mix of changes, clones (from the transaction or an old moment), freezes, reopens and aborted transactions. */
const cloneMixed: fc.Arbitrary<Command[]> = fc.array(
  fc.oneof(
    { weight: 7, arbitrary: fc.record({ type: fc.constant('transact' as const), steps: mixedSteps }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('transactThenThrow' as const), steps: mixedSteps }) },
    { weight: 1, arbitrary: fc.constant({ type: 'reopen' as const }) },
  ),
  { minLength: 1, maxLength: 8, size: 'medium' },
);

// --- stale cursors after freeze -------------------------------------------------

/** Cursors and views a transaction can hold across a freeze. */
type HeldKind =
  | 'mapValue'
  | 'nestedValue'
  | 'structureSlot'
  | 'listAppended'
  | 'listItem'
  | 'mapView'
  | 'setView'
  | 'listView'
  | 'root'
  | 'rootMapView';

const HELD_KINDS: readonly HeldKind[] = ['mapValue', 'nestedValue', 'structureSlot', 'listAppended', 'listItem', 'mapView', 'setView', 'listView', 'root', 'rootMapView'];

/** How a test writes through a held cursor. */
type Attempt = 'uint' | 'int' | 'float' | 'shortString' | 'longString' | 'bytes' | 'none' | 'slot' | 'bytesWriter' | 'view';

const ATTEMPTS: readonly Attempt[] = ['uint', 'int', 'float', 'shortString', 'longString', 'bytes', 'none', 'slot', 'bytesWriter', 'view'];

function attemptWrite(cursor: WriteCursor, attempt: Attempt, structure: 'map' | 'list' | 'value'): void {
  switch (attempt) {
    case 'uint':
      return cursor.writeUint(7);
    case 'int':
      return cursor.writeInt(-7);
    case 'float':
      return cursor.writeFloat(-0);
    case 'shortString':
      return cursor.writeString('hi');
    case 'longString':
      return cursor.writeString('a value longer than a slot', 'tx');
    case 'bytes':
      return cursor.writeBytes(Uint8Array.of(0, 1, 2));
    case 'none':
      return cursor.writeNone();
    case 'slot':
      return cursor.writeSlot(cursor.slot);
    case 'bytesWriter':
      cursor.bytesWriter().write(Uint8Array.of(1, 2, 3));
      return;
    case 'view':
      if (structure === 'map') cursor.hashMap().put('via-view').writeUint(1);
      else if (structure === 'list') cursor.arrayList().append().writeUint(1);
      else cursor.writeUint(8);
      return;
  }
}

interface FreezeCase {
  readonly setupValues: readonly ValueSpec[];
  readonly held: readonly { readonly kind: HeldKind; readonly attempt: Attempt }[];
  readonly writeAfterFreeze: ValueSpec;
}

const freezeCaseArbitrary: fc.Arbitrary<FreezeCase> = fc.record({
  setupValues: fc.array(valueArbitrary, { minLength: 1, maxLength: 5 }),
  held: fc.array(fc.record({ kind: fc.constantFrom(...HELD_KINDS), attempt: fc.constantFrom(...ATTEMPTS) }), { minLength: 1, maxLength: 8 }),
  writeAfterFreeze: valueArbitrary,
});

function expectTransactionError(fn: () => void, where: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${where}: must throw`).toBeInstanceOf(StrataError);
  expect((thrown as StrataError).code, `${where}: ${String(thrown)}`).toBe('TRANSACTION');
}

/**
 * One transaction: builds a map 'a', a counted set 'b', a list 'c' and a map 'd'
 * holding a map 'n'; takes the cursors and views `held` names; freezes; then
 * every held cursor but the root (and views owned by the root) must refuse
 * writes, and nothing they tried may show.
 */
function runFreezeCase(backend: Backend, freezeCase: FreezeCase): void {
  const harness = new Harness(backend, sha1Hasher);
  try {
    const engine = harness.engine;
    const model: MomentModel = new Map();
    const held: { kind: HeldKind; attempt: Attempt; cursor: WriteCursor | undefined; use: () => void }[] = [];
    let rootCursor: WriteCursor | undefined;
    engine.transact((root) => {
      rootCursor = root;
      const a: Content = { kind: 'map', entries: new Map() };
      const b: Content = { kind: 'countedSet', entries: new Map() };
      const c: Content = { kind: 'list', items: [] };
      const d: Content = { kind: 'map', entries: new Map() };
      model.set('a', a).set('b', b).set('c', c);
      const aSlot = root.hashMap().put('a');
      freezeCase.setupValues.forEach((value, i) => applyStructOp(aSlot, a, { type: 'upsert', key: `k${i}`, value }, `setup a ${i}`));
      const bSlot = root.hashMap().put('b');
      applyStructOp(bSlot, b, { type: 'bulk', start: 0, count: 3 }, 'setup b');
      const cSlot = root.hashMap().put('c');
      applyStructOp(cSlot, c, { type: 'bulk', start: 0, count: 20 }, 'setup c');
      const nested = root.hashMap().put('d').hashMap().put('n').hashMap();
      nested.put('x').writeUint(1);
      model.set('d', d);

      let serial = 0;
      for (const { kind, attempt } of freezeCase.held) {
        const tag = `${kind}-${serial++}`;
        switch (kind) {
          case 'mapValue': {
            const cursor = root.hashMap().put('a').hashMap().put('k0');
            held.push({ kind, attempt, cursor, use: () => attemptWrite(cursor, attempt, 'value') });
            break;
          }
          case 'nestedValue': {
            const cursor = root.hashMap().put('d').hashMap().put('n').hashMap().put('x');
            held.push({ kind, attempt, cursor, use: () => attemptWrite(cursor, attempt, 'value') });
            break;
          }
          case 'structureSlot': {
            const cursor = root.hashMap().put('a');
            held.push({ kind, attempt, cursor, use: () => attemptWrite(cursor, attempt, 'map') });
            break;
          }
          case 'listAppended': {
            const cursor = root.hashMap().put('c').arrayList().append();
            c.items.push(NONE_TEXT);
            held.push({ kind, attempt, cursor, use: () => attemptWrite(cursor, attempt, 'value') });
            break;
          }
          case 'listItem': {
            const cursor = root.hashMap().put('c').arrayList().put(-1);
            held.push({ kind, attempt, cursor, use: () => attemptWrite(cursor, attempt, 'value') });
            break;
          }
          case 'mapView': {
            const view = root.hashMap().put('a').hashMap();
            held.push({ kind, attempt, cursor: undefined, use: () => (attempt === 'none' ? void view.remove('k0') : view.put(tag).writeUint(1)) });
            break;
          }
          case 'setView': {
            const view = root.hashMap().put('b').countedHashSet();
            held.push({ kind, attempt, cursor: undefined, use: () => (attempt === 'none' ? void view.remove('bulk-0') : void view.add(tag)) });
            break;
          }
          case 'listView': {
            const view = root.hashMap().put('c').arrayList();
            held.push({
              kind,
              attempt,
              cursor: undefined,
              use: () => (attempt === 'none' ? view.slice(0) : attempt === 'slot' ? view.put(0).writeUint(1) : view.append().writeUint(1)),
            });
            break;
          }
          case 'root':
          case 'rootMapView': {
            // Writes through the moment's root stay allowed after a freeze; they copy what they change.
            const view = root.hashMap();
            const name = `r${serial}`;
            held.push({
              kind,
              attempt,
              cursor: undefined,
              use: () => {
                const target = kind === 'root' ? root.hashMap() : view;
                target.put(name).writeUint(serial);
                model.set(name, { kind: 'map', entries: new Map() });
              },
            });
            break;
          }
        }
      }
      checkRootLoose(root.refresh(), model, 'before freeze');

      engine.freeze();

      held.forEach((entry, i) => {
        const where = `held ${i} (${entry.kind}, ${entry.attempt}) after freeze`;
        if (entry.kind === 'root' || entry.kind === 'rootMapView') {
          entry.use();
        } else {
          expectTransactionError(entry.use, where);
        }
        checkRootLoose(root.refresh(), model, where);
      });

      // New cursors taken after the freeze write normally.
      const fresh = root.hashMap().put('a').hashMap().put('after-freeze');
      const text = writeValue(fresh, freezeCase.writeAfterFreeze);
      a.entries.set(toHex(utf8.encode('after-freeze')), text ?? NONE_TEXT);
      root.hashMap().put('c').arrayList().append().writeUint(99);
      c.items.push('uint:99');
      checkRootLoose(root.refresh(), model, 'after fresh writes');
    });
    expectVerified(engine, 'committed');
    checkRootLoose(engine.moment(-1), model, 'committed');

    // Once the transaction has ended, every cursor it made refuses writes, the root too.
    held.forEach((entry, i) => expectTransactionError(entry.use, `held ${i} (${entry.kind}) after the transaction`));
    expectTransactionError(() => rootCursor!.writeUint(1), 'the root cursor after the transaction');
    expect(engine.momentCount).toBe(1);
    checkRootLoose(engine.moment(-1), model, 'committed, after refused writes');
  } finally {
    harness.close();
  }
}

/**
 * Like {@link checkRoot}, for the freeze case's layout: names starting with `r`
 * hold a uint written through the root, and `d` holds a map `n` whose `x` is 1.
 */
function checkRootLoose(root: ReadCursor, model: MomentModel, where: string): void {
  const map = root.asHashMap();
  expect([...map.keys()].map((key) => key.readString()).sort(), `${where}: names`).toEqual([...model.keys()].sort());
  for (const [name, content] of model) {
    const cursor = map.get(name)!;
    if (name.startsWith('r')) {
      expect(cursor.tag, `${where}: ${name}`).toBe(Tag.UINT);
      continue;
    }
    expect(cursor.tag, `${where}: ${name} tag`).toBe(KIND_TAG[content.kind]);
    const actual = readContent(cursor);
    if (name === 'd') {
      expect(describeValue(cursor.asHashMap().get('n')!.asHashMap().get('x')!), `${where}: d/n/x`).toBe('uint:1');
      continue;
    }
    expect(comparable(actual), `${where}: ${name}`).toEqual(comparable(content));
  }
}

// --- the history list itself ----------------------------------------------------

type HistoryStep =
  | { readonly type: 'grow'; readonly target: number }
  | { readonly type: 'sliceHistory'; readonly keep: number }
  | { readonly type: 'undo'; readonly steps: number }
  | { readonly type: 'revert'; readonly index: number; readonly fromEnd: boolean }
  | { readonly type: 'reopen' };

/** Moment counts on either side of the history list's radix boundaries. */
const HISTORY_GROW_TARGETS = [15, 16, 17, 18, 255, 256, 257, 258] as const;
const HISTORY_KEEP_COUNTS = [0, 1, 15, 16, 17, 255, 256, 257] as const;

const randomHistorySteps: fc.Arbitrary<HistoryStep[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ type: fc.constant('grow' as const), target: fc.constantFrom(...HISTORY_GROW_TARGETS) }) },
    { weight: 3, arbitrary: fc.record({ type: fc.constant('sliceHistory' as const), keep: fc.constantFrom(...HISTORY_KEEP_COUNTS) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('undo' as const), steps: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('revert' as const), index: fc.nat(), fromEnd: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ type: 'reopen' as const }) },
  ),
  { maxLength: 6, size: 'medium' },
);

/** Every run first grows past 257 moments, slices below a boundary and grows again; then anything. */
const historyStepsArbitrary: fc.Arbitrary<HistoryStep[]> = fc
  .tuple(fc.constantFrom(...HISTORY_KEEP_COUNTS), fc.constantFrom(...HISTORY_GROW_TARGETS), randomHistorySteps)
  .map(([keep, target, rest]): HistoryStep[] => [{ type: 'grow', target: 258 }, { type: 'sliceHistory', keep }, { type: 'grow', target }, ...rest]);

/**
 * Many one-change transactions: the history list's root grows past 16 and 256
 * moments, sliceHistory shrinks it below them, and it grows again. Every moment
 * is read back by positive and negative index after every step.
 */
function runHistorySteps(backend: Backend, steps: readonly HistoryStep[]): void {
  // Hundreds of commits: flush durability, so the run measures the history list and not the disk's fdatasync.
  const harness = new Harness(backend, sha1Hasher, 'flush');
  const models: Map<string, string>[] = [];
  let serial = 0;
  const checkAllMoments = (where: string): void => {
    const engine = harness.engine;
    expectVerified(engine, where);
    const count = engine.momentCount;
    expect(count, `${where}: moment count`).toBe(models.length);
    const read = (index: number): string[][] => [...engine.moment(index).asHashMap().entries()].map((entry) => [entry.key.readString(), describeValue(entry.value)]).sort();
    const actual = models.map((_, i) => [read(i), read(i - count)]);
    expect(actual, `${where}: every moment by index i and i - count`).toEqual(models.map((model) => [[...model].sort(), [...model].sort()]));
    expect(() => engine.moment(count), `${where}: moment ${count}`).toThrow(StrataError);
  };
  try {
    steps.forEach((step, i) => {
      const engine = harness.engine;
      const count = models.length;
      const where = `step ${i} (${step.type})`;
      switch (step.type) {
        case 'grow':
          while (models.length < step.target) {
            const model = new Map(models[models.length - 1] ?? []);
            const n = serial++;
            engine.transact((root) => {
              const map = root.hashMap();
              if (n % 3 === 2) {
                map.remove(`k${n % 5}`);
                model.delete(`k${n % 5}`);
              } else {
                map.put(`k${n % 7}`).writeUint(n);
                model.set(`k${n % 7}`, `uint:${n}`);
              }
            });
            models.push(model);
          }
          break;
        case 'sliceHistory': {
          const keep = Math.min(step.keep, count);
          engine.sliceHistory(keep);
          models.length = keep;
          break;
        }
        case 'undo':
          if (count >= 2) {
            const back = 1 + (step.steps % (count - 1));
            engine.undo(back);
            models.push(models[count - 1 - back]!);
          }
          break;
        case 'revert':
          if (count >= 1) {
            const index = step.index % count;
            engine.revert(step.fromEnd ? index - count : index);
            models.push(models[index]!);
          }
          break;
        case 'reopen':
          harness.reopen();
          break;
      }
      checkAllMoments(where);
      expectSoundTxState(harness.engine, where);
    });
    harness.reopen();
    checkAllMoments('end, reopened');
  } finally {
    harness.close();
  }
}

// --- the properties -------------------------------------------------------------

describe.each(backends.map((backend) => [backend.name, backend] as const))('WriteCursor.writeSlot clones and Engine.freeze on %s storage', (_name, backend) => {
  it('leaves the source unchanged when a clone made in the same transaction changes after freeze()', () => {
    runProperty(backend, cloneWithinTransaction, (scenario) => expect(scenario.freezesNeeded).toBe(1));
  });

  it('leaves the source unchanged, without freeze(), when the clone is of data a committed moment holds', () => {
    runProperty(backend, cloneAcrossTransactions, (scenario) => expect(scenario.freezesNeeded).toBe(0));
  });

  it('keeps every structure equal to its model under any mix of changes, clones, freezes, reopens and aborted transactions', () => {
    runProperty(backend, cloneMixed);
  });

  it('makes cursors taken before freeze() refuse writes with TransactionError, except the moment root', () => {
    fc.assert(
      fc.property(freezeCaseArbitrary, (freezeCase) => runFreezeCase(backend, freezeCase)),
      propertyParameters(RUNS_FREEZE_DEFAULT, RUNS_FREEZE_LONG),
    );
  });
});

describe.each(backends.map((backend) => [backend.name, backend] as const))('Engine history (transact, undo, revert, sliceHistory) on %s storage', (_name, backend) => {
  it('keeps every moment readable while the history crosses 16/17 and 256/257 moments, is sliced below them and grows again', () => {
    fc.assert(
      fc.property(historyStepsArbitrary, (steps) => runHistorySteps(backend, steps)),
      propertyParameters(RUNS_HISTORY_DEFAULT),
    );
  });
});

// Crash safety (FORMAT.md §Commit and recovery, §Durability): scripted
// transactions over every structure run on a FaultStorage that crashes, or tears
// a write, at every event; each surviving image must reopen read-write to the
// moments before or after the interrupted commit, cut back to its committed size.

import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dumpDatabase, type DumpJson } from '../../src/history/dump.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { FILE_HEADER_SIZE } from '../../src/format/constants.js';
import { Tag } from '../../src/format/tags.js';
import type { Hasher } from '../../src/hash/hasher.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { tinyHasher } from '../../src/hash/test-hashers.js';
import { ReadOnlyError, StrataError } from '../../src/errors.js';
import { Engine, type Durability } from '../../src/history/engine.js';
import { FaultStorage, SimulatedCrash, type FaultEvent, type SurvivalOptions } from '../../src/storage/fault-storage.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { encodeOrderedKey } from '../../src/format/ordered-key.js';

// ---------------------------------------------------------------------------
// Scripts

/** Every engine here reads this clock, so that two runs of a script write the same bytes (commit trailers hold times). */
const clock = (): number => 1_765_000_000_000;

/**
 * One step of a script: exactly one commit (a transaction, an undo, a history
 * slice), made durable before `run` returns. `deferred`, run first, may make
 * one commit more that is not durable yet when it returns (a batch, whose sync
 * is shared and runs later): a crash may then also leave the state after it.
 */
interface Step {
  readonly name: string;
  readonly deferred?: (engine: Engine) => void;
  readonly run: (engine: Engine) => void;
}

/** A scripted database: optional starting bytes, then steps. */
interface Scenario {
  readonly name: string;
  readonly hasher: Hasher;
  /** Durable bytes the database starts from; absent: the script creates the database. */
  readonly initial?: () => Uint8Array;
  readonly steps: readonly Step[];
}

function tx(name: string, fn: (root: WriteCursor, engine: Engine) => void): Step {
  return { name, run: (engine) => engine.transact((root) => fn(root, engine)) };
}

/** Deterministic bytes with zeros in them (so the dump shows them as hex). */
function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = i % 7 === 0 ? 0 : x >>> 24;
  }
  return out;
}

const maps: Scenario = {
  name: 'hash maps',
  hasher: sha1Hasher,
  steps: [
    tx('put values of every kind', (root) => {
      const map = root.hashMap();
      map.put('a').writeString('alpha');
      map.put('b').writeUint(2);
      map.put('c').writeInt(-3);
      map.put('d').writeFloat(1.5);
      map.put('nested').hashMap().put('x').writeString('a string longer than eight bytes');
      for (let i = 0; i < 20; i++) map.put(`k${i}`).writeUint(i);
    }),
    tx('overwrite and remove', (root) => {
      const map = root.hashMap();
      map.put('a').writeString('ALPHA, now long enough to be long bytes');
      map.remove('b');
      map.remove('absent');
      map.put('nested').hashMap().remove('x');
      map.put('c').writeNone();
      for (let i = 0; i < 20; i += 3) map.remove(`k${i}`);
    }),
    tx('clone a map from an older moment', (root, engine) => {
      const older = engine.moment(0).asHashMap().get('nested');
      if (older === undefined) throw new Error('moment 0 has no nested map');
      const map = root.hashMap();
      map.put('copy').writeSlot(older.slot);
      map.put('copy').hashMap().put('y').writeUint(7);
    }),
    tx('clone within the transaction, freeze, change both', (root, engine) => {
      const map = root.hashMap();
      map.put('src').hashMap().put('v').writeUint(1);
      const source = map.get('src');
      if (source === undefined) throw new Error('src vanished');
      map.put('dst').writeSlot(source.slot);
      engine.freeze();
      map.put('dst').hashMap().put('v').writeUint(2);
      map.put('src').hashMap().put('w').writeUint(3);
    }),
  ],
};

const tinyMaps: Scenario = {
  name: 'hash maps with a 2-byte hash (deep descents)',
  hasher: tinyHasher(2),
  steps: [
    tx('put 40 keys', (root) => {
      const map = root.hashMap();
      for (let i = 0; i < 40; i++) map.put(`key-${i}`).writeUint(i);
    }),
    tx('remove half, overwrite the rest', (root) => {
      const map = root.hashMap();
      for (let i = 0; i < 40; i++) {
        if (i % 2 === 0) map.remove(`key-${i}`);
        else map.put(`key-${i}`).writeInt(-i);
      }
    }),
  ],
};

const sets: Scenario = {
  name: 'hash sets',
  hasher: sha1Hasher,
  steps: [
    tx('add members', (root) => {
      const set = root.hashMap().put('set').hashSet();
      for (const key of 'abcdefghijkl') set.add(key);
    }),
    tx('remove, add again, remove an absent one', (root) => {
      const set = root.hashMap().put('set').hashSet();
      set.remove('a');
      set.remove('b');
      set.add('a');
      set.remove('zz');
      set.add('c');
    }),
    tx('a second set with byte keys', (root) => {
      const set = root.hashMap().put('bytes').hashSet();
      set.add(new Uint8Array([0, 1, 2]));
      set.add(new Uint8Array([255]));
    }),
  ],
};

const counted: Scenario = {
  name: 'counted hash map and set',
  hasher: sha1Hasher,
  steps: [
    tx('fill both', (root) => {
      const map = root.hashMap();
      const countedMap = map.put('cm').countedHashMap();
      for (let i = 0; i < 10; i++) countedMap.put(`m${i}`).writeUint(i * 10);
      const countedSet = map.put('cs').countedHashSet();
      for (let i = 0; i < 10; i++) countedSet.add(`s${i}`);
    }),
    tx('overwrite, remove, add an existing member', (root) => {
      const map = root.hashMap();
      const countedMap = map.put('cm').countedHashMap();
      countedMap.put('m1').writeString('overwritten');
      countedMap.remove('m2');
      countedMap.remove('missing');
      const countedSet = map.put('cs').countedHashSet();
      countedSet.add('s1');
      countedSet.remove('s3');
    }),
    tx('empty the set', (root) => {
      const countedSet = root.hashMap().put('cs').countedHashSet();
      for (let i = 0; i < 10; i++) countedSet.remove(`s${i}`);
    }),
  ],
};

const arrayLists: Scenario = {
  name: 'array lists',
  hasher: sha1Hasher,
  steps: [
    tx('append 16 items', (root) => {
      const list = root.hashMap().put('list').arrayList();
      for (let i = 0; i < 16; i++) list.append().writeUint(i);
    }),
    tx('append the 17th and 18th (a new level)', (root) => {
      const list = root.hashMap().put('list').arrayList();
      list.append().writeString('seventeenth item, long bytes');
      list.append().writeUint(17);
    }),
    tx('put items', (root) => {
      const list = root.hashMap().put('list').arrayList();
      list.put(3).writeString('three');
      list.put(-1).writeInt(-18);
      list.put(16).writeNone();
    }),
    tx('slice to 5', (root) => {
      root.hashMap().put('list').arrayList().slice(5);
    }),
    tx('append after the slice, a nested list', (root) => {
      const list = root.hashMap().put('list').arrayList();
      list.append().writeUint(99);
      list.append().arrayList().append().writeUint(1);
    }),
  ],
};

const linkedLists: Scenario = {
  name: 'linked (RRB) lists',
  hasher: sha1Hasher,
  steps: [
    tx('append 20 items', (root) => {
      const list = root.hashMap().put('ll').linkedArrayList();
      for (let i = 0; i < 20; i++) list.append().writeUint(i);
    }),
    tx('insert, remove, put', (root) => {
      const list = root.hashMap().put('ll').linkedArrayList();
      list.insert(0).writeString('first');
      list.insert(10).writeString('tenth, long enough for long bytes');
      list.remove(5);
      list.put(2).writeInt(-2);
      list.insert(list.count()).writeUint(1000);
    }),
    tx('slice', (root) => {
      root.hashMap().put('ll').linkedArrayList().slice(3, 14);
    }),
    tx('concat another list', (root) => {
      const map = root.hashMap();
      const other = map.put('other').linkedArrayList();
      for (let i = 0; i < 5; i++) other.append().writeUint(500 + i);
      const otherCursor = map.get('other');
      if (otherCursor === undefined) throw new Error('other vanished');
      map.put('ll').linkedArrayList().concat(otherCursor);
    }),
    tx('concat with itself, then remove', (root) => {
      const map = root.hashMap();
      const self = map.get('ll');
      if (self === undefined) throw new Error('ll vanished');
      const list = map.put('ll').linkedArrayList();
      list.concat(self);
      list.remove(0);
      list.remove(-1);
    }),
  ],
};

/** Sorted maps and sets (FORMAT.md §Sorted maps), with keys as the JS API writes them (FORMAT.md §Ordered keys). */
const sortedMaps: Scenario = {
  name: 'sorted maps and sets',
  hasher: sha1Hasher,
  steps: [
    tx('put 21 keys (a leaf split and a branch root), add set members', (root) => {
      const map = root.hashMap();
      const sorted = map.put('sorted').sortedMap();
      for (let i = 0; i < 20; i++) sorted.put(encodeOrderedKey((i * 7) % 20)).writeUint(i);
      sorted.put('a text key longer than eight bytes').writeString('long');
      const set = map.put('members').sortedSet();
      for (const member of ['b', 'a', 'c', '']) set.add(encodeOrderedKey(member));
      set.add(encodeOrderedKey([30, 'x']));
    }),
    tx('overwrite, remove, and a nested map under an entry', (root) => {
      const map = root.hashMap();
      const sorted = map.put('sorted').sortedMap();
      for (let i = 0; i < 20; i += 3) sorted.remove(encodeOrderedKey(i));
      sorted.put(encodeOrderedKey(5)).writeInt(-5);
      sorted.put(encodeOrderedKey(0.5)).hashMap().put('x').writeUint(1);
      map.put('members').sortedSet().remove(encodeOrderedKey('a'));
    }),
    tx('clone a sorted map from an older moment and change the clone', (root, engine) => {
      const older = engine.moment(0).asHashMap().get('sorted');
      if (older === undefined) throw new Error('moment 0 has no sorted map');
      const map = root.hashMap();
      map.put('copy').writeSlot(older.slot);
      map.put('copy').sortedMap().put(encodeOrderedKey(-1)).writeUint(99);
    }),
  ],
};

const longBytes: Scenario = {
  name: 'long bytes through the streaming writer',
  hasher: sha1Hasher,
  steps: [
    tx('write in three chunks', (root) => {
      const writer = root.hashMap().put('blob').bytesWriter();
      writer.write(pattern(100, 1));
      writer.write(pattern(50, 2));
      writer.write(pattern(7, 3));
      writer.finish();
    }),
    tx('a format tag, a seek and an overwrite', (root) => {
      const writer = root.hashMap().put('tagged').bytesWriter('dt');
      writer.write(pattern(40, 4));
      writer.write(pattern(40, 5));
      writer.seek(10);
      writer.write(pattern(5, 6));
      writer.finish();
    }),
    tx('replace the first blob, and an empty streamed value', (root) => {
      const map = root.hashMap();
      map.put('blob').writeBytes(pattern(300, 7));
      map.put('empty').bytesWriter().finish();
      const text = map.put('text').bytesWriter();
      text.write(new TextEncoder().encode('streamed '));
      text.write(new TextEncoder().encode('text'));
      text.finish();
    }),
  ],
};

/**
 * A batch (Engine.transactBatch) whose second function writes, then fails and
 * is rolled back inside the moment, then a synchronous commit, whose sync
 * covers the batch too (the batch's own sync runs off the script, later).
 */
function batchThenCommit(name: string, fns: Array<(root: WriteCursor) => void>, after: (root: WriteCursor) => void): Step {
  return {
    name,
    // Settled later, by the group commit (rejected once the storage crashed): the script does not wait for it.
    deferred: (engine) => void engine.transactBatch(fns).catch(() => undefined),
    run: (engine) => engine.transact(after),
  };
}

const batches: Scenario = {
  name: 'batched transactions, one failing in each batch',
  hasher: sha1Hasher,
  steps: [
    tx('a map and a list', (root) => {
      root.hashMap().put('seed').writeUint(0);
      root.hashMap().put('list').linkedArrayList().append().writeUint(1);
    }),
    batchThenCommit(
      'a batch of three, the second rolled back',
      [
        (root) => root.hashMap().put('a').writeBytes(pattern(300, 1)),
        (root) => {
          root.hashMap().put('a').writeUint(9);
          root.hashMap().put('junk').writeBytes(pattern(2000, 2));
          throw new Error('fails');
        },
        (root) => root.hashMap().put('c').writeUint(3),
      ],
      (root) => root.hashMap().put('after').writeUint(1),
    ),
    batchThenCommit(
      'a batch over the list, the first rolled back',
      [
        (root) => {
          root.hashMap().put('list').linkedArrayList().append().writeUint(2);
          throw new Error('fails');
        },
        (root) => root.hashMap().put('list').linkedArrayList().append().writeUint(3),
      ],
      (root) => root.hashMap().put('seed').writeUint(4),
    ),
  ],
};

const historySteps: Step[] = [];
for (let i = 0; i < 18; i++) historySteps.push(tx(`moment ${i}`, (root) => root.hashMap().put(`n${i}`).writeUint(i)));
historySteps.push({ name: 'undo 1', run: (engine) => engine.undo() });
historySteps.push({ name: 'undo 3', run: (engine) => engine.undo(3) });
historySteps.push({ name: 'revert to 0', run: (engine) => engine.revert(0) });
historySteps.push({ name: 'slice history to 17', run: (engine) => engine.sliceHistory(17) });
historySteps.push({ name: 'slice history to 10 (root moves down)', run: (engine) => engine.sliceHistory(10) });
historySteps.push(tx('a moment after the slice', (root) => root.hashMap().put('after-slice').writeUint(1)));

const history: Scenario = {
  name: 'history: the trie grows a level, undo, revert, slice',
  hasher: sha1Hasher,
  steps: historySteps,
};

/** A database with two commits and the leftovers of an interrupted third past its committed size. */
function interruptedImage(): Uint8Array {
  const storage = new MemoryStorage({ durable: true });
  const engine = Engine.open(storage, { hasher: sha1Hasher, clock });
  engine.transact((root) => root.hashMap().put('one').writeUint(1));
  engine.transact((root) => root.hashMap().put('two').writeString('two, as long bytes'));
  const committed = storage.toBytes().slice();
  const out = new Uint8Array(committed.length + 200);
  out.set(committed);
  out.set(pattern(200, 9), committed.length);
  return out;
}

const recovery: Scenario = {
  name: 'recovery of leftover bytes on open',
  hasher: sha1Hasher,
  initial: interruptedImage,
  steps: [tx('a moment after recovery', (root) => root.hashMap().put('three').writeUint(3))],
};

/** The first bytes of an interrupted creation: a header with root tag none, and some of the root records. */
function uninitialisedImage(): Uint8Array {
  const storage = new MemoryStorage();
  Engine.open(storage, { hasher: sha1Hasher });
  const out = storage.toBytes().slice(0, 100);
  out[3] = Tag.NONE;
  return out;
}

const uninitialised: Scenario = {
  name: 'initialisation of a file whose creation was interrupted',
  hasher: sha1Hasher,
  initial: uninitialisedImage,
  steps: [tx('the first moment', (root) => root.hashMap().put('first').writeUint(1))],
};

const scenarios: readonly Scenario[] = [maps, tinyMaps, sets, counted, arrayLists, linkedLists, sortedMaps, longBytes, batches, history, recovery, uninitialised];

// ---------------------------------------------------------------------------
// Clean runs and crash runs

/** What a script does without faults: the model after each commit, and the events on a FaultStorage. */
interface CleanRun {
  /** models[i]: the dump after i steps (models[0]: right after open). */
  readonly models: readonly DumpJson[];
  /** images[i]: the database bytes after i steps. */
  readonly images: readonly Uint8Array[];
  /** Per step i (0-based), the model and bytes after its deferred commit, when it has one. */
  readonly deferred: ReadonlyArray<{ model: DumpJson; image: Uint8Array } | undefined>;
  /** The events of a fault-free run on a FaultStorage. */
  readonly events: readonly FaultEvent[];
  /** stepOf[k]: the step that issued event k (-1 for Engine.open). */
  readonly stepOf: readonly number[];
}

function openStorage(scenario: Scenario): MemoryStorage {
  // Durable, as the fault storage is: commits checksum their data the same way on both.
  return scenario.initial === undefined ? new MemoryStorage({ durable: true }) : MemoryStorage.fromBytes(scenario.initial(), { readOnly: false, durable: true });
}

function faultStorage(scenario: Scenario): FaultStorage {
  return scenario.initial === undefined ? new FaultStorage() : new FaultStorage({ initial: scenario.initial() });
}

const cleanRuns = new Map<string, CleanRun>();

function cleanRun(scenario: Scenario, durability: Durability): CleanRun {
  const cacheKey = `${scenario.name}/${durability}`;
  const cached = cleanRuns.get(cacheKey);
  if (cached !== undefined) return cached;
  // The models come from a plain memory database.
  const storage = openStorage(scenario);
  const engine = Engine.open(storage, { hasher: scenario.hasher, durability, clock });
  const models: DumpJson[] = [dumpDatabase(engine)];
  const images: Uint8Array[] = [storage.toBytes().slice()];
  const deferred: CleanRun['deferred'][number][] = [];
  for (const step of scenario.steps) {
    step.deferred?.(engine);
    // Its header is not written yet: a crash that keeps the commit leaves it to recovery, which writes it (rolls forward).
    deferred.push(step.deferred === undefined ? undefined : { model: dumpDatabase(engine), image: recoveredBytes(scenario, storage.toBytes().slice()) });
    step.run(engine);
    models.push(dumpDatabase(engine));
    images.push(storage.toBytes().slice());
  }
  // The events come from the same script on a FaultStorage with no fault planned.
  const faulty = faultStorage(scenario);
  const stepOf: number[] = [];
  const mark = (step: number): void => {
    while (stepOf.length < faulty.eventCount) stepOf.push(step);
  };
  // Both runs must agree byte for byte, or the crash runs would not replay the
  // model; and a commit that returned must survive what its durability promises
  // (FORMAT.md §Durability): a power loss with sync, a process crash with flush.
  // A commit's header is not synced (the next commit's sync covers it): what
  // survives is its durable trailer, which a reopen rolls forward to exactly
  // the clean run's bytes.
  const promised: SurvivalOptions = { mode: durability === 'sync' ? 'power' : 'process' };
  const faultyEngine = Engine.open(faulty, { hasher: scenario.hasher, durability, clock });
  mark(-1);
  expect(recoveredBytes(scenario, faulty.survivingImage(promised)), 'the database Engine.open made is durable').toEqual(images[0]);
  scenario.steps.forEach((step, i) => {
    step.deferred?.(faultyEngine);
    step.run(faultyEngine);
    mark(i);
    expect(recoveredBytes(scenario, faulty.survivingImage(promised)), `the commit of '${step.name}' is durable once it returned`).toEqual(images[i + 1]);
  });
  expect(faulty.bytes.subarray(0, faulty.size())).toEqual(images[images.length - 1]);
  const run: CleanRun = { models, images, deferred, events: faulty.events.slice(), stepOf };
  cleanRuns.set(cacheKey, run);
  return run;
}

/** The bytes a read-write open leaves of `image` (recovery rolls forward, rewrites the header, cuts the tail). */
function recoveredBytes(scenario: Scenario, image: Uint8Array): Uint8Array {
  const storage = MemoryStorage.fromBytes(image.slice(), { readOnly: false });
  Engine.open(storage, { hasher: scenario.hasher, clock });
  return storage.toBytes().slice();
}

/** Which fault to inject at one event. */
type Fault = { kind: 'crash'; index: number } | { kind: 'tear'; index: number; keepBytes: number };

/**
 * Runs the script until the planned fault strikes.
 *
 * @returns how many steps completed (-1: Engine.open itself was interrupted)
 */
function runUntilCrash(scenario: Scenario, storage: FaultStorage, durability: Durability): number {
  let done = -1;
  try {
    const engine = Engine.open(storage, { hasher: scenario.hasher, durability, clock });
    done = 0;
    for (const step of scenario.steps) {
      step.deferred?.(engine);
      step.run(engine);
      done++;
    }
  } catch (error) {
    // Any error after the crash is the crash (the engine may wrap it); any other is a failure.
    if (storage.crashed) return done;
    throw error;
  }
  throw new Error(`the script finished without reaching its fault (${storage.eventCount} events)`);
}

/** Prefix lengths to keep of a torn write: 0, 1, half, all but one (deduplicated, below the length). */
function tornPrefixes(length: number): number[] {
  const all = [0, 1, Math.floor(length / 2), length - 1].filter((keep) => keep >= 0 && keep < length);
  return [...new Set(all)];
}

/**
 * The write FORMAT.md §Commit and recovery assumes the storage never tears: the
 * 12-byte file header at creation. Tearing it tests the assumption, not the
 * engine, so it is only crashed before or after. The 24-byte history header is
 * torn like any write: a commit's trailer repairs it (§Commit trailer).
 */
function assumedAtomic(event: FaultEvent): boolean {
  return event.position === 0 && event.length === FILE_HEADER_SIZE;
}

/**
 * Reopens a surviving image read-write and checks recovery. Returns a failure
 * description, or undefined when every check passed.
 */
function checkImage(scenario: Scenario, clean: CleanRun, image: Uint8Array, done: number): string | undefined {
  // Open interrupted: the state after open is the model; otherwise the old or the new commit.
  const candidates = done < 0 ? [0] : [done, done + 1];
  if (done < 0 && scenario.initial === undefined) {
    // Creation interrupted: nothing, a header whose root tag is none, or the whole new database.
    const uninitialised = image.length >= FILE_HEADER_SIZE && image[0] === 0x78 && image[1] === 0x69 && image[2] === 0x74 && image[3] === Tag.NONE;
    // A power loss keeps any subset of the unsynced writes: each byte is then zero or the one creation wrote.
    const created = clean.images[0] ?? new Uint8Array(0);
    const subset = image.length <= created.length && image.every((byte, i) => byte === 0 || byte === created[i] || (i === 3 && byte === Tag.NONE));
    if (image.length !== 0 && !uninitialised && !subset && !isDeepStrictEqual(image, clean.images[0])) {
      return `an interrupted creation left ${image.length} bytes that are neither empty, nor uninitialised, nor a part of the new database`;
    }
  }
  let engine: Engine;
  let storage: MemoryStorage;
  try {
    storage = MemoryStorage.fromBytes(image, { readOnly: false });
    engine = Engine.open(storage, { hasher: scenario.hasher, clock });
  } catch (error) {
    return `reopening a ${image.length}-byte image failed: ${String(error)}`;
  }
  // The old commit, the step's deferred commit (if it has one), the new commit.
  const states = candidates.flatMap((i) => {
    const state = { name: `step ${i}`, model: clean.models[i], image: clean.images[i] };
    const before = i === done + 1 ? clean.deferred[done] : undefined;
    return before === undefined ? [state] : [{ name: `step ${done}'s deferred commit`, ...before }, state];
  });
  try {
    const count = engine.momentCount;
    const counts = states.map((state) => state.model?.moments.length);
    if (!counts.includes(count)) return `moment count ${count}, expected one of ${counts.join(', ')}`;
    const dump = dumpDatabase(engine);
    const match = states.find((state) => isDeepStrictEqual(dump, state.model));
    if (match === undefined) {
      const expected = states.map((state) => JSON.stringify(state.model)).join('\n  or ');
      return `the moments differ from the model:\n  seen ${JSON.stringify(dump)}\n  expected ${expected}`;
    }
    if (engine.committedSize !== storage.size()) return `after recovery the storage holds ${storage.size()} bytes but ${engine.committedSize} are committed`;
    if (match.image === undefined || !isDeepStrictEqual(storage.toBytes(), match.image)) {
      return `after recovery the bytes differ from the clean run's bytes at ${match.name}`;
    }
    // A new transaction commits on the recovered database and keeps every moment.
    engine.transact((root) => root.hashMap().put('after-crash').writeUint(42));
    const after = dumpDatabase(engine);
    if (after.moments.length !== count + 1) return `the transaction after recovery left ${after.moments.length} moments, expected ${count + 1}`;
    if (!isDeepStrictEqual(after.moments.slice(0, count), dump.moments)) return 'the transaction after recovery changed an older moment';
    const reopened = Engine.open(MemoryStorage.fromBytes(storage.toBytes().slice()), { hasher: scenario.hasher, clock });
    if (reopened.moment(-1).asHashMap().get('after-crash')?.readUint() !== 42n) return 'the transaction after recovery did not survive a reopen';
    return undefined;
  } catch (error) {
    return `checking the reopened image threw: ${String(error)}`;
  }
}

/** One way the crash may have left the bytes (see SurvivalOptions). */
interface Survival {
  readonly name: string;
  readonly options: (storage: FaultStorage) => SurvivalOptions;
}

const processCrash: Survival = { name: 'process crash', options: () => ({ mode: 'process' }) };
const powerLoss: Survival = { name: 'power loss', options: () => ({ mode: 'power' }) };

/** Every write since the barrier reached the medium anyway (the storage or the OS wrote it back early). */
function allLanded(mode: SurvivalOptions['mode']): Survival {
  return { name: `${mode}, every uncovered write landed`, options: () => ({ mode, landed: () => true }) };
}

/**
 * Only the uncovered writes into bytes that had already survived landed, the
 * appended ones did not: after a commit's header write, the header without the
 * data. A missing barrier before the header shows up here.
 */
function overwritesLanded(mode: SurvivalOptions['mode']): Survival {
  return {
    name: `${mode}, only uncovered overwrites landed`,
    options: (storage) => {
      const base = storage.survivingImage({ mode }).length;
      return { mode, landed: (event) => event.kind === 'write' && event.position < base };
    },
  };
}

/**
 * A power loss after which a pseudo-random subset of the uncovered writes
 * landed (the OS writes dirty pages back in any order), chosen by `seed`.
 */
function subsetLanded(mode: SurvivalOptions['mode'], seed: number): Survival {
  return {
    name: `${mode}, uncovered writes landed by subset ${seed}`,
    options: () => ({ mode, landed: (event) => (Math.imul(event.index + 1, 0x9e3779b1) ^ Math.imul(seed, 0x85ebca6b)) >>> 31 === 1 }),
  };
}

/**
 * The verdicts of checkImage within one scenario and durability (one clean
 * run), by the step the fault struck in and the image's bytes: many faults
 * leave the same image (a crash between two flushes, a torn write that kept
 * nothing), and checkImage decides the same for the same bytes (a fixed clock
 * and hasher), so each distinct image is opened and checked once. Each entry
 * keeps its bytes, compared in full on a hit; the hash only picks the bucket.
 */
type ImageVerdicts = Map<string, Array<{ readonly image: Uint8Array; readonly failure: string | undefined }>>;

/** checkImage's verdict on `image`, from `verdicts` when these bytes were checked before in the same step. */
function checkImageOnce(verdicts: ImageVerdicts, scenario: Scenario, clean: CleanRun, image: Uint8Array, done: number): string | undefined {
  const key = `${done}:${createHash('sha1').update(image).digest('hex')}`;
  const bucket = verdicts.get(key) ?? [];
  const seen = bucket.find((entry) => Buffer.compare(entry.image, image) === 0);
  if (seen !== undefined) return seen.failure;
  // checkImage may write to the bytes it reopens (the transaction after recovery): keep a copy.
  const copy = image.slice();
  const failure = checkImage(scenario, clean, image, done);
  bucket.push({ image: copy, failure });
  verdicts.set(key, bucket);
  return failure;
}

/**
 * Injects one fault, then checks each distinct surviving image. Returns the
 * failures, each labelled with the scenario, event, fault and survival.
 */
function runCase(scenario: Scenario, clean: CleanRun, durability: Durability, fault: Fault, survivals: readonly Survival[], verdicts: ImageVerdicts): string[] {
  const storage = faultStorage(scenario);
  if (fault.kind === 'crash') storage.crashAt(fault.index);
  else storage.tearAt(fault.index, fault.keepBytes);
  const expectedEvent = clean.events[fault.index];
  const stepIndex = clean.stepOf[fault.index] ?? -2;
  const stepName = stepIndex < 0 ? 'Engine.open' : (scenario.steps[stepIndex]?.name ?? '?');
  const describeFault =
    fault.kind === 'crash' ? `crash at event ${fault.index}` : `tear of event ${fault.index} keeping ${fault.keepBytes} bytes`;
  const label = `[${scenario.name}] durability ${durability}, ${describeFault} (${expectedEvent?.kind} ${expectedEvent?.position}+${expectedEvent?.length} in '${stepName}')`;
  let done: number;
  try {
    done = runUntilCrash(scenario, storage, durability);
  } catch (error) {
    return [`${label}: the run failed before its fault: ${String(error)}`];
  }
  const seen = storage.events[fault.index];
  if (
    seen === undefined ||
    expectedEvent === undefined ||
    seen.kind !== expectedEvent.kind ||
    seen.position !== expectedEvent.position ||
    seen.length !== expectedEvent.length ||
    storage.eventCount !== fault.index + 1
  ) {
    return [`${label}: the crash run did not replay the clean run's events (saw ${JSON.stringify(seen)})`];
  }
  if (done !== stepIndex) return [`${label}: the fault struck in step ${done}, expected step ${stepIndex}`];
  const failures: string[] = [];
  const checked: Uint8Array[] = [];
  for (const survival of survivals) {
    const image = storage.survivingImage(survival.options(storage));
    if (checked.some((other) => isDeepStrictEqual(other, image))) continue;
    checked.push(image.slice());
    const failure = checkImageOnce(verdicts, scenario, clean, image, done);
    if (failure !== undefined) failures.push(`${label}, ${survival.name}: ${failure}`);
  }
  return failures;
}

/** Every crash and tear for one durability setting: the failures, and how many faults were injected. */
function runAllFaults(scenario: Scenario, durability: Durability, kinds: { crash: boolean; tear: boolean }): { failures: string[]; faults: number } {
  const clean = cleanRun(scenario, durability);
  // A power loss is survived only with durability sync (FORMAT.md §Durability).
  const crashSurvivals: readonly Survival[] =
    durability === 'sync'
      ? [processCrash, powerLoss, allLanded('power'), overwritesLanded('power'), subsetLanded('power', 1), subsetLanded('power', 2), subsetLanded('power', 3)]
      : [processCrash, allLanded('process'), overwritesLanded('process'), subsetLanded('process', 1), subsetLanded('process', 2)];
  // A torn write was never synced: a plain power loss drops it like any crash.
  // With sync, the torn write may also land among a subset of the others.
  const tearSurvivals: readonly Survival[] = durability === 'sync' ? [processCrash, allLanded('power'), subsetLanded('power', 1), subsetLanded('power', 2)] : [processCrash];
  const failures: string[] = [];
  const verdicts: ImageVerdicts = new Map();
  let faults = 0;
  clean.events.forEach((event, index) => {
    if (kinds.crash) {
      failures.push(...runCase(scenario, clean, durability, { kind: 'crash', index }, crashSurvivals, verdicts));
      faults++;
    }
    if (kinds.tear && event.kind === 'write' && !assumedAtomic(event)) {
      for (const keepBytes of tornPrefixes(event.length)) {
        failures.push(...runCase(scenario, clean, durability, { kind: 'tear', index, keepBytes }, tearSurvivals, verdicts));
        faults++;
      }
    }
  });
  return { failures, faults };
}

/** Items in the list under `key` in a model's latest moment, or -1. */
function latestListCount(model: DumpJson, key: string): number {
  const latest = model.moments[model.moments.length - 1];
  if (latest === undefined || latest === null || !('hash_map' in latest)) return -1;
  const value = latest.hash_map[key];
  if (value === undefined || value === null) return -1;
  if ('array_list' in value) return value.array_list.length;
  if ('linked_array_list' in value) return value.linked_array_list.length;
  return -1;
}

function report(failures: readonly string[]): string {
  const shown = failures.slice(0, 10).join('\n\n');
  return failures.length > 10 ? `${shown}\n\n... and ${failures.length - 10} more` : shown;
}

// ---------------------------------------------------------------------------
// The storage model itself

describe('FaultStorage', () => {
  it('keeps unflushed writes from a process crash and unsynced writes from a power loss', () => {
    const storage = new FaultStorage();
    storage.write(0, new Uint8Array([1, 2, 3]));
    storage.sync();
    storage.write(3, new Uint8Array([4, 5]));
    storage.flush();
    storage.write(5, new Uint8Array([6]));
    storage.crashAt(storage.eventCount);
    expect(() => storage.write(0, new Uint8Array([9]))).toThrow(SimulatedCrash);
    expect(storage.crashed).toBe(true);
    expect([...storage.survivingImage({ mode: 'power' })]).toEqual([1, 2, 3]);
    expect([...storage.survivingImage({ mode: 'process' })]).toEqual([1, 2, 3, 4, 5]);
    expect(storage.events.map((event) => event.kind)).toEqual(['write', 'sync', 'write', 'flush', 'write', 'write']);
    expect(storage.events[5]?.fault).toBe('crash');
  });

  it('refuses every call after the crash, reads included', () => {
    const storage = new FaultStorage().crashAt(0);
    expect(() => storage.sync()).toThrow(SimulatedCrash);
    expect(() => storage.size()).toThrow(SimulatedCrash);
    expect(() => storage.read(0, new Uint8Array(0))).toThrow(SimulatedCrash);
    expect(() => storage.write(0, new Uint8Array(1))).toThrow(SimulatedCrash);
    expect(storage.eventCount).toBe(1);
    // Not one of the engine's own errors, so a test can tell them apart.
    expect(new SimulatedCrash(0, 'crash')).not.toBeInstanceOf(StrataError);
  });

  it('tears a write: the prefix lands after the writes buffered before it, then the process is dead', () => {
    const storage = new FaultStorage({ initial: new Uint8Array([1, 1, 1, 1]) });
    storage.write(4, new Uint8Array([7, 7]));
    storage.tearAt(1, 2);
    expect(() => storage.write(1, new Uint8Array([2, 2, 2]))).toThrow(SimulatedCrash);
    expect(storage.events[1]).toMatchObject({ kind: 'write', fault: 'tear', keptBytes: 2 });
    expect([...storage.survivingImage({ mode: 'process' })]).toEqual([1, 2, 2, 1, 7, 7]);
    // Never synced: a power loss drops the torn write with the rest.
    expect([...storage.survivingImage({ mode: 'power' })]).toEqual([1, 1, 1, 1]);
  });

  it('cuts the OS layer at a truncate and the disk only at the next sync', () => {
    const storage = new FaultStorage({ initial: new Uint8Array([1, 2, 3, 4, 5]) });
    storage.write(5, new Uint8Array([6, 7]));
    storage.truncate(3);
    storage.write(3, new Uint8Array([8]));
    expect(storage.size()).toBe(4);
    storage.crashAt(storage.eventCount);
    expect(() => storage.flush()).toThrow(SimulatedCrash);
    expect([...storage.survivingImage({ mode: 'process' })]).toEqual([1, 2, 3]);
    expect([...storage.survivingImage({ mode: 'power' })]).toEqual([1, 2, 3, 4, 5]);
  });

  it('lands a chosen subset of the uncovered writes, in order, when asked', () => {
    const storage = new FaultStorage({ initial: new Uint8Array([1, 1, 1, 1]) });
    storage.write(4, new Uint8Array([5, 5])); // event 0: appended
    storage.write(0, new Uint8Array([9])); // event 1: overwrites durable bytes
    storage.flush(); // event 2
    storage.write(1, new Uint8Array([8])); // event 3: still buffered
    storage.crashAt(4);
    expect(() => storage.sync()).toThrow(SimulatedCrash);
    expect(storage.syncedSize).toBe(4);
    expect([...storage.survivingImage({ mode: 'power', landed: (event) => event.position < 4 })]).toEqual([9, 8, 1, 1]);
    expect([...storage.survivingImage({ mode: 'power', landed: () => true })]).toEqual([9, 8, 1, 1, 5, 5]);
    expect([...storage.survivingImage({ mode: 'process' })]).toEqual([9, 1, 1, 1, 5, 5]);
    expect([...storage.survivingImage({ mode: 'process', landed: () => true })]).toEqual([9, 8, 1, 1, 5, 5]);
  });

  it('refuses writes, truncation and sync when read-only, recording nothing', () => {
    const storage = new FaultStorage({ initial: new Uint8Array([1, 2]), readOnly: true });
    expect(() => storage.write(0, new Uint8Array([3]))).toThrow(ReadOnlyError);
    expect(() => storage.truncate(0)).toThrow(ReadOnlyError);
    expect(() => storage.sync()).toThrow(ReadOnlyError);
    expect(storage.eventCount).toBe(0);
    expect(storage.size()).toBe(2);
  });

  it('reads back what the process wrote, flushed or not', () => {
    const storage = new FaultStorage();
    storage.write(0, new Uint8Array([5, 6, 7]));
    const target = new Uint8Array(2);
    storage.read(1, target);
    expect([...target]).toEqual([6, 7]);
    const offset = storage.locate(0, 3);
    expect(storage.view.getUint8(offset + 2)).toBe(7);
    expect(storage.bytes[offset]).toBe(5);
  });
});

// ---------------------------------------------------------------------------
// Crash safety of every scenario

describe('crash scenarios', () => {
  it('grow the history trie a level and cut it back below one', () => {
    const counts = cleanRun(history, 'sync').models.map((model) => model.moments.length);
    expect(Math.max(...counts)).toBeGreaterThan(16);
    expect(counts[counts.length - 1]).toBe(11);
  });

  it('grow a sorted map past one leaf (a branch root) before the crashes', () => {
    const latest = cleanRun(sortedMaps, 'sync').models[1]?.moments.at(-1) as { hash_map: Record<string, { sorted_map?: unknown[] }> } | undefined;
    expect(latest?.hash_map['sorted']?.sorted_map?.length).toBe(21);
  });

  it('cross 16 items in an array list and a linked list', () => {
    expect(Math.max(...cleanRun(arrayLists, 'sync').models.map((model) => latestListCount(model, 'list')))).toBeGreaterThan(16);
    expect(Math.max(...cleanRun(linkedLists, 'sync').models.map((model) => latestListCount(model, 'll')))).toBeGreaterThan(16);
  });
});

for (const scenario of scenarios) {
  describe(`crash safety: ${scenario.name}`, () => {
    it('reopens to the old or the new commit after a crash at every event, by process crash or power loss (durability sync)', () => {
      const { failures, faults } = runAllFaults(scenario, 'sync', { crash: true, tear: false });
      expect(failures, report(failures)).toEqual([]);
      expect(faults).toBe(cleanRun(scenario, 'sync').events.length);
    });

    it('reopens to the old or the new commit after a torn write at every write (durability sync)', () => {
      const { failures, faults } = runAllFaults(scenario, 'sync', { crash: false, tear: true });
      expect(failures, report(failures)).toEqual([]);
      expect(faults).toBeGreaterThan(0);
    });

    it('reopens to the old or the new commit after a process crash or a torn write at every event (durability flush)', () => {
      const { failures, faults } = runAllFaults(scenario, 'flush', { crash: true, tear: true });
      expect(failures, report(failures)).toEqual([]);
      expect(faults).toBeGreaterThan(cleanRun(scenario, 'flush').events.length);
    });
  });
}

// Hostile and adversarially valid shapes, each at the entry points that
// misbehaved on it: valid data nested very deep (every reader must work
// without recursion and in time linear in the data), valid data shared as a
// DAG (2^n paths over n levels: walkers bound their work or refuse with a
// typed error), and hostile fields that decode to values the readers' callers
// cannot handle. Each block says what happened before its fix. The reader
// fuzz (reader.fuzz.test.ts) covers damage in general; this file holds the
// shapes it does not generate.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { Database } from '../../src/api/database.js';
import { readAt } from '../../src/api/paths.js';
import { ListView, toJS, type Value } from '../../src/api/views.js';
import { gen2ListsDatabase, openBytes, readSlotAt, readU64, selfConcatenatedList, writeU64 } from '../support/sample-databases.js';
import { diffCursors } from '../../src/diff/walk.js';
import { INDENT_DEPTH_MAX, dumpDatabase, dumpText, jsonText } from '../../src/history/dump.js';
import { CorruptDatabaseError, OutOfRangeError } from '../../src/errors.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { crc32c } from '../../src/hash/crc32c.js';
import { folder, run } from '../cli/support.js';
import { seededRandom } from '../support/processes.js';

/** A database whose latest moment holds, under `a`, `depth` structures of one kind, each inside the last, then uint 7. */
function nested(depth: number, step: (cursor: WriteCursor) => WriteCursor): Engine {
  const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
  engine.transact((root) => {
    let cursor = root.hashMap().put('a');
    for (let i = 0; i < depth; i++) cursor = step(cursor);
    cursor.writeUint(7);
  });
  return engine;
}

/** An array that counts how many of its elements are read: a walk that copies a prefix of the path at each step reads O(n²). */
function countingPath(steps: unknown[]): { path: unknown[]; reads: () => number } {
  let reads = 0;
  const path = new Proxy(steps, {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads++;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { path, reads: () => reads };
}

describe('hostile shapes: long paths', () => {
  // paths.ts resolveStep() passed path.slice(0, i + 1) to the key encoder of every
  // sorted map and Map step (only for its error message), so a path of n steps
  // copied O(n²) elements: db.get through 100,000 nested sorted maps took 266 s
  // (20,000: 3.5 s). The encoders now get the whole path and the prefix is cut
  // only when one refuses the step.
  const DEPTH = 3000;
  for (const [name, step, key] of [
    ['sorted maps', (c: WriteCursor) => c.sortedMap().put('a'), 'a'],
    ['Maps (counted hash maps) with number keys', (c: WriteCursor) => c.countedHashMap().put({ bytes: new TextEncoder().encode('1'), formatTag: new TextEncoder().encode('nu') }), 1],
    ['objects with number steps', (c: WriteCursor) => c.hashMap().put('1'), 1],
  ] as const) {
    it(`reads a path through ${DEPTH} nested ${name} reading each step O(1) times`, () => {
      const engine = nested(DEPTH, step);
      const { path, reads } = countingPath(['a', ...new Array<unknown>(DEPTH).fill(key)]);
      expect(readAt(engine.moment(-1), path as never)?.readUint()).toBe(7n);
      expect(reads()).toBeLessThan(4 * (DEPTH + 1));
      // And through the API, on a deeper chain (before: minutes).
      expect(new Database(engine).get(['a', ...new Array<unknown>(DEPTH).fill(key)] as never)).toBe(7);
    });
  }

  it('still names the path up to a step it refuses', () => {
    const engine = nested(3, (c) => c.sortedMap().put('a'));
    const db = new Database(engine);
    expect(() => db.get(['a', 'a', Symbol('x'), 'a'] as never)).toThrow(/\["a","a",Symbol\(x\)\]|a\.a/);
  });
});

/** Wraps the value at a cursor in structures of every kind in turn, `depth` levels, the last holding uint `leaf`; each level's step. */
const KINDS: Array<{ step: unknown; into: (cursor: WriteCursor) => WriteCursor }> = [
  { step: 'a', into: (c) => c.hashMap().put('a') },
  { step: 0, into: (c) => (c.slot.isEmpty ? c.arrayList().append() : c.arrayList().put(0)) },
  { step: 0, into: (c) => (c.slot.isEmpty ? c.linkedArrayList().append() : c.linkedArrayList().put(0)) },
  { step: 'a', into: (c) => c.sortedMap().put('a') },
];

/** Writes (or rewrites) a chain of `depth` structures of every kind in turn under `a`, the last holding uint `leaf`. */
function writeChain(root: WriteCursor, depth: number, leaf: number): void {
  let cursor = root.hashMap().put('a');
  for (let i = 0; i < depth; i++) cursor = (KINDS[i % KINDS.length] as (typeof KINDS)[number]).into(cursor);
  cursor.writeUint(leaf);
}

function chainPath(depth: number): unknown[] {
  return ['a', ...Array.from({ length: depth }, (_, i) => (KINDS[i % KINDS.length] as (typeof KINDS)[number]).step)];
}

describe('hostile shapes: the diff on deep and shared data', () => {
  // The diff recursed through nested generators (yield* per level, three to four
  // frames each): two moments of a valid file whose values nest ~1,000 deep and
  // differ at the bottom overflowed the stack (RangeError) in db.diff,
  // revertChanges, subscribe and `stratadb diff`; a path copy per level made it
  // O(n²) beyond. The walk now drives the differs from its own stack and builds
  // paths as shared chains.
  const DEPTH = 5000;

  it(`diffs, reverts and feeds two moments whose values nest ${DEPTH} deep and differ at the bottom`, () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact((root) => writeChain(root, DEPTH, 1));
    engine.transact((root) => writeChain(root, DEPTH, 2));
    const db = new Database(engine);
    const changes = [...db.diff(0, 1)];
    expect(changes.length).toBe(1);
    expect(changes[0]?.path).toEqual(chainPath(DEPTH));
    expect(changes[0]?.before).toBe(1);
    expect(changes[0]?.after).toBe(2);
    expect([...db.diff(1, 0)].map((change) => change.after)).toEqual([1]);
    const events: unknown[] = [];
    db.subscribe((event) => events.push(...event.changes.map((change) => change.after)));
    expect(db.revertChanges(1)).toBeGreaterThan(0);
    expect(db.get(chainPath(DEPTH) as never)).toBe(1);
    expect(events).toEqual([1]);
  });

  /** Two moments holding, under `top`, a DAG of `levels` maps, each holding the one below `fanOut` times; the leaves differ. */
  function dagMoments(levels: number, fanOut = 2): Database {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    for (const leaf of ['first leaf, long enough for long bytes', 'second leaf, long enough for long bytes']) {
      engine.transact((root) => {
        const map = root.hashMap();
        map.put('l0').writeString(leaf);
        for (let i = 1; i <= levels; i++) {
          const below = map.get(`l${i - 1}`)!;
          const level = map.put(`l${i}`).hashMap();
          for (let k = 0; k < fanOut; k++) level.put(`k${k}`).writeSlot(below);
        }
        map.put('top').writeSlot(map.get(`l${levels}`)!);
        for (let i = 0; i <= levels; i++) map.remove(`l${i}`);
      });
    }
    return new Database(engine);
  }

  /** Takes changes until `limit`, so that a diff without a bound fails the test instead of running for hours. */
  function takeChanges(changes: Iterable<unknown>, limit: number): number {
    let taken = 0;
    for (const _ of changes) if (++taken >= limit) break;
    return taken;
  }

  // A DAG of 60 levels has 2^60 paths to its leaf; two versions of it differ at
  // each, so the diff of two such moments of a 60 KB file ran for ever (`stratadb
  // diff` printed until killed). The diff now counts the values it compares and
  // reports against a budget of 2 per slot of the data (at least 1,000,000),
  // which data without sharing never reaches, and refuses beyond it.
  it('refuses a diff of two 60-level DAGs with OutOfRangeError instead of 2^60 changes', () => {
    const db = dagMoments(60);
    expect(() => takeChanges(db.diff(0, 1, { maxValues: 1000 }), 10_000)).toThrow(/more than 1000 values/);
    // The default budget, at the cursor level (the JS API decodes every key of every path it
    // reports), on a DAG of short paths (16^8), so that reaching it is cheap.
    const wide = dagMoments(8, 16);
    expect(() => takeChanges(diffCursors(wide.engine.moment(0), wide.engine.moment(1)), 3_000_000)).toThrow(OutOfRangeError);
    // A diff that stays below the budget is whole.
    expect([...dagMoments(4).diff(0, 1, { maxValues: 1000 })].length).toBe(16);
  });

  it('refuses a cycle between structures met on a changed path with CorruptDatabaseError (was a RangeError: the stack overflowed before the old 1,000-level limit)', () => {
    // Two moments whose root map holds itself under `self`, and differ under `x`: the
    // diff finds the change again one level deeper at every level.
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    for (const x of [1, 2]) {
      engine.transact((root) => {
        const map = root.hashMap();
        map.put('x').writeUint(x);
        map.put('self').writeSlot(root.refresh().slot);
      });
    }
    expect(() => [...new Database(engine).diff(0, 1)]).toThrow(CorruptDatabaseError);
  });
});

describe('hostile shapes: printing deep data', () => {
  // jsonText (dumpText, `stratadb dump`, `get`, `export`) indented every line by
  // its depth: the text of data nested n deep was O(n²). A valid 18 MB file of
  // 100,000 nested maps asked for 10^10 characters and failed after seconds with
  // RangeError: Invalid string length. Indentation now stops growing at
  // INDENT_DEPTH_MAX levels, and a text too long for a string is OutOfRangeError.
  it('prints data nested 40,000 deep in text linear in its depth, that parses back', () => {
    const depth = 40_000;
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
    const text = jsonText(value);
    // Two lines per level (open and close), each indented at most INDENT_DEPTH_MAX times two spaces.
    expect(text.length).toBeLessThan(depth * (4 * INDENT_DEPTH_MAX + 20));
    // (Compared as compact text: vitest's deep equality recurses.)
    expect(jsonText(JSON.parse(text), false)).toBe(jsonText(value, false));
  });

  it('prints as JSON.stringify(value, null, 2) does up to INDENT_DEPTH_MAX levels', () => {
    let value: unknown = { leaf: [1, 'two', null, true] };
    for (let i = 0; i < INDENT_DEPTH_MAX - 2; i++) value = { [`k${i}`]: value, n: i };
    expect(jsonText(value)).toBe(JSON.stringify(value, null, 2));
  });

  it('dumps a database whose moment nests 20,000 maps and lists deep', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact((root) => writeChain(root, 20_000, 1));
    const text = dumpText(engine);
    // A few lines per level (a structure's object and its entries), each indented at most INDENT_DEPTH_MAX times two spaces.
    expect(text.length).toBeLessThan(20_000 * (12 * INDENT_DEPTH_MAX + 100));
    expect(jsonText(JSON.parse(text), false)).toBe(jsonText(dumpDatabase(engine), false));
  });
});

describe('hostile shapes: commit trailers', () => {
  /** Three commits; the last trailer's time set to 2^53 - 1 ms (past a Date's ±8.64e15), its checksum made right again. */
  function farFutureTrailer(): Uint8Array {
    const storage = new MemoryStorage({ durable: true });
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    for (let i = 0; i < 3; i++) engine.transact((root) => root.hashMap().put(`k${i}`).writeUint(i));
    const bytes = storage.toBytes().slice();
    const view = new DataView(bytes.buffer);
    const end = bytes.length;
    const start = end - view.getUint32(end - 4);
    const previousSize = Number(view.getBigUint64(start + 16));
    view.setBigUint64(start + 64, 2n ** 53n - 1n);
    // FORMAT.md §Commit trailer: a data-checked trailer's CRC-32C covers the commit's bytes and its own up to the checksum.
    view.setUint32(end - 8, crc32c(crc32c(0, bytes, previousSize, start), bytes, start, end - 8));
    return bytes;
  }

  // log.ts and recovery.ts printed a trailer's time with new Date(time).toISOString(),
  // which throws RangeError for a time past ±8.64e15 ms: `stratadb log` ended in an
  // internal error, and a damaged header's CorruptDatabaseError became a RangeError
  // while its message was being built. commitTimeText prints such a time as milliseconds.
  it('stratadb log prints a time past the range of a Date as milliseconds', async () => {
    const file = join(folder(), 'far.db');
    writeFileSync(file, farFutureTrailer());
    for (const args of [['log', file], ['log', file, '--json']]) {
      const result = await run(args);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out).toContain('9007199254740991 ms since 1970 (past the range of a date)');
    }
  });

  it("reports the last whole commit of a file with a damaged header when that commit's time is past the range of a Date", () => {
    const bytes = farFutureTrailer();
    bytes.fill(0xff, 28, 36); // the committed size, past 2^53
    expect(() => Engine.open(MemoryStorage.fromBytes(bytes, { readOnly: false }), { hasher: sha1Hasher })).toThrow(
      expect.objectContaining({ name: 'CorruptDatabaseError', message: expect.stringMatching(/last whole commit .* 9007199254740991 ms since 1970/) }),
    );
  });
});

describe('hostile shapes: JSON.stringify of views', () => {
  // A view's toJSON handed toJS's result to JSON.stringify, which recurses once per
  // level: a valid file of 6,000 nested maps made JSON.stringify(view) (and every
  // web framework's res.json(view)) a RangeError: Maximum call stack size exceeded.
  // toJSON now refuses data nested more than 1,000 levels with OutOfRangeError,
  // counting a shared structure's height at each place it is met.
  it('refuses a view nested 6,000 deep with OutOfRangeError', () => {
    const db = new Database(nested(6000, (c) => c.hashMap().put('a')));
    expect(() => JSON.stringify(db.get(['a']))).toThrow(OutOfRangeError);
    // 900 levels still serialize.
    const shallow = new Database(nested(900, (c) => c.hashMap().put('a')));
    expect(JSON.stringify(shallow.get(['a']))).toBe(`${'{"a":'.repeat(900)}7${'}'.repeat(900)}`);
  });

  it('counts the height of a structure shared at a shallow and a deep place', () => {
    // `a`: a chain of 600 maps; `b`: a chain of 600 maps whose last holds the chain of `a` again.
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact((root) => {
      const map = root.hashMap();
      let cursor = map.put('a');
      for (let i = 0; i < 600; i++) cursor = cursor.hashMap().put('a');
      cursor.writeUint(7);
      cursor = map.put('b');
      for (let i = 0; i < 600; i++) cursor = cursor.hashMap().put('b');
      cursor.writeSlot(map.get('a')!);
    });
    const db = new Database(engine);
    expect(JSON.stringify(db.get(['a'])).length).toBeGreaterThan(600);
    expect(() => JSON.stringify(db.get([]))).toThrow(OutOfRangeError);
  });
});

describe('hostile shapes: compaction', () => {
  // api/compact.ts dropKeys() read the latest moment along each prefix of a dropped
  // path (readAt(root, path.slice(0, i)) for every i): O(steps²) before the copier
  // refused paths of more than DROP_PATH_STEPS_MAX steps, so db.compact({ drop })
  // with a 100,000-step path ran for hours. The length is now refused first.
  it('refuses a dropped path longer than DROP_PATH_STEPS_MAX before walking it', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('a').writeUint(1));
    const steps = 3000;
    const { path, reads } = countingPath(new Array<unknown>(steps).fill('a'));
    expect(() => new Database(engine).compact({ drop: [path as never] })).toThrow(/at most 64 steps/);
    expect(reads()).toBeLessThan(4 * steps);
  });
});

describe('hostile shapes: a list whose blocks are shared within it', () => {
  // A linked list concatenated with itself n times is a valid file of a few KB
  // holding 2^(n+1) items (its blocks shared). The value walk (toJS, toImmutable,
  // copies into another database, the dump) memoizes shared structures, not
  // shared blocks inside one, so toJS built an array of every item: at n = 45
  // (158 KB) the process died out of memory. The walk now reads at most 2 entries
  // per slot of the data (at least 1,000,000) and refuses beyond with OutOfRangeError.
  it('refuses toJS, copies and dumps of a list of 2^22 items in 40 KB, and still reads it by index', () => {
    const engine = selfConcatenatedList(21);
    expect(engine.storage.size()).toBeLessThan(50_000);
    const db = new Database(engine);
    const list = db.get(['list']) as ListView;
    expect(list.size).toBe(2 ** 22);
    expect(list.at(2 ** 22 - 1)).toBe(2);
    // (Each refusal reads a million entries first: toJS, a copy and the dump stand for the walk's visitors.)
    expect(() => toJS(list)).toThrow(/more than 1000000 entries/);
    expect(() => new Database(Engine.open(new MemoryStorage(), { hasher: sha1Hasher })).set(['copy'], list)).toThrow(OutOfRangeError);
    expect(() => dumpText(engine, { maxValues: 2 ** 30 })).toThrow(/more than 1000000 entries/);
  });
});

describe('hostile shapes: stratadb ls', () => {
  // ls --json collected every row of the listed structure before printing: for a
  // list whose blocks are shared within it (2^46 items in 158 KB) it filled memory
  // until the process died. Rows now stream, at most 2 per slot of the file (at
  // least 1,000,000), and a longer listing is OutOfRangeError.
  it('refuses to list more entries than the file has slots, and streams --json as JSON.stringify prints it', async () => {
    const storage = new MemoryStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => {
      const map = root.hashMap();
      const list = map.put('list').linkedArrayList();
      list.append().writeUint(1);
      list.append().writeString('two');
      for (let i = 0; i < 20; i++) map.put('list').linkedArrayList().concat(map.get('list')!);
      const small = map.put('small').hashMap();
      small.put('a').writeUint(1);
      small.put('b').hashMap();
    });
    const file = join(folder(), 'shared-blocks.db');
    writeFileSync(file, storage.toBytes());
    const refused = await run(['ls', file, 'list', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/more than 1000000 entries/);
    const small = await run(['ls', file, 'small', '--json']);
    expect(small.code).toBe(0);
    expect(small.out).toBe(`${JSON.stringify(JSON.parse(small.out), null, 2)}\n`);
    expect(JSON.parse(small.out)).toHaveLength(2);
  });
});

describe('hostile shapes: the diff of gen-2 linked lists', () => {
  /** Applies `changes` (in order, as CursorChange says) to a plain copy of the older moment. */
  function applyChanges(root: unknown, changes: Iterable<{ path: readonly unknown[]; type: string; after: unknown }>): unknown {
    for (const change of changes) {
      let parent = root as Record<string, unknown> | unknown[];
      for (const step of change.path.slice(0, -1)) parent = (parent as Record<string, unknown>)[step as string] as Record<string, unknown>;
      const last = change.path[change.path.length - 1] as string | number;
      const value = change.after === undefined ? undefined : toJS(change.after as Value);
      if (Array.isArray(parent)) {
        if (change.type === 'add') parent.splice(last as number, 0, value);
        else if (change.type === 'remove') parent.splice(last as number, 1);
        else parent[last as number] = value;
      } else if (change.type === 'remove') delete parent[last];
      else parent[last] = value;
    }
    return root;
  }

  /** Plain data with every object's keys sorted (the changes add keys last), as compact JSON text. */
  function canonical(value: unknown): string {
    const sort = (x: unknown): unknown => {
      if (Array.isArray(x)) return x.map(sort);
      if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
        return Object.fromEntries(Object.keys(x).sort().map((key) => [key, sort((x as Record<string, unknown>)[key])]));
      }
      return x;
    };
    return jsonText(sort(value), false);
  }

  // The linked list differ (rrb-diff.ts) read every tag-3 list as a gen-1 RRB tree:
  // on the gen-2 (B-tree) lists xitdb-java 0.30+ writes, and this build edits, a
  // diff of two valid moments was CorruptDatabaseError ("a linked list branch holds
  // a array_list", "unknown slot tag 95") in db.diff, revertChanges, subscribe and
  // `stratadb diff`. Gen-2 lists are now compared by index.
  it('diffs every pair of moments of gen-2 list files into changes that turn one into the other', () => {
    for (const bytes of [gen2ListsDatabase(), new Uint8Array(readFileSync('test/interop/data/java-gen2-lists.db'))]) {
      const db = new Database(openBytes(bytes));
      for (let a = 0; a < db.momentCount; a++) {
        for (let b = 0; b < db.momentCount; b++) {
          const changes = [...db.diff(a, b)];
          if (a !== b) expect(changes.length, `${a} -> ${b}`).toBeGreaterThan(0);
          expect(canonical(applyChanges(db.snapshot(a).toJS(), changes)), `${a} -> ${b}`).toBe(canonical(db.snapshot(b).toJS()));
        }
      }
    }
  });

  it('diffs an edit of a long gen-2 list at the cost of the path to it, and still right', () => {
    // A gen-2 list of 3,000 items, then one moment per kind of edit.
    const engine = openBytes(gen2ListsDatabase(), false);
    const list = () => engine.moment(-1).readPath(['g'])!;
    engine.transact((root) => {
      const g = root.hashMap().put('g').linkedArrayList();
      for (let i = 0; i < 3000; i++) g.append().writeUint(i);
    });
    const edits: Array<[string, (g: ReturnType<WriteCursor['linkedArrayList']>) => void]> = [
      ['put in the middle', (g) => g.put(1500).writeString('changed')],
      ['append', (g) => g.append().writeUint(99)],
      ['put near the start and the end', (g) => {
        g.put(5).writeUint(5000);
        g.put(g.count() - 2).writeUint(6000);
      }],
      ['insert (splits a node: the rest of its range item by item)', (g) => g.insert(2000).writeUint(7)],
      ['remove', (g) => g.remove(100)],
    ];
    const db = new Database(engine);
    for (const [name, edit] of edits) {
      const before = list();
      engine.transact((root) => edit(root.hashMap().put('g').linkedArrayList()));
      const after = list();
      expect(engine.io.storage.size()).toBeGreaterThan(0);
      // Right: the changes turn the older list into the newer one.
      const changes = [...db.diff(-2, -1)];
      expect(canonical(applyChanges(db.snapshot(-2).toJS(), changes)), name).toBe(canonical(db.snapshot(-1).toJS()));
      // Cheap: an edit that moves no index compares a few nodes' items, not
      // 3,000; by index alone, every item was a comparison (maxValues counts them).
      if (!name.startsWith('insert') && !name.startsWith('remove')) {
        const stats = { blocks: 0 };
        expect([...diffCursors(before, after, { maxValues: 200, stats })].length, name).toBeGreaterThan(0);
        expect(stats.blocks, name).toBeLessThan(60);
      }
    }
    // The budget still bounds the work: the same diff with room for 3 values refuses.
    expect(() => [...diffCursors(engine.moment(0).readPath(['g']), list(), { maxValues: 3 })]).toThrow(OutOfRangeError);
  });

  it('diffs random edits of a gen-2 list, between any two moments, into changes that turn one into the other', () => {
    const engine = openBytes(gen2ListsDatabase(), false);
    const random = seededRandom(20261207);
    const pick = (n: number) => Math.floor(random() * n);
    engine.transact((root) => {
      const g = root.hashMap().put('g').linkedArrayList();
      for (let i = 0; i < 700; i++) g.append().writeUint(i);
    });
    for (let step = 0; step < 30; step++) {
      engine.transact((root) => {
        const g = root.hashMap().put('g').linkedArrayList();
        for (let k = 0; k < 1 + pick(3); k++) {
          const count = g.count();
          const op = pick(6);
          if (op === 0 || count < 2) g.append().writeUint(10_000 + step);
          else if (op === 1) g.put(pick(count)).writeUint(20_000 + step);
          else if (op === 2) g.insert(pick(count)).writeUint(30_000 + step);
          else if (op === 3) g.remove(pick(count));
          else if (op === 4) g.slice(pick(3), count - pick(3) - 3 > 0 ? count - pick(3) - 3 : 1);
          else g.put(pick(count)).writeString(`text ${step}`);
        }
      });
    }
    const db = new Database(engine);
    for (let k = 0; k < 40; k++) {
      const a = pick(db.momentCount);
      const b = pick(db.momentCount);
      const changes = [...db.diff(a, b)];
      expect(canonical(applyChanges(db.snapshot(a).toJS(), changes)), `${a} -> ${b}`).toBe(canonical(db.snapshot(b).toJS()));
    }
  });

  it('refuses, with CorruptDatabaseError, two gen-2 lists whose first children lead back to their roots', () => {
    const engine = openBytes(gen2ListsDatabase(), false);
    engine.transact((root) => {
      const g = root.hashMap().put('g').linkedArrayList();
      for (let i = 0; i < 3000; i++) g.append().writeUint(i);
    });
    engine.transact((root) => root.hashMap().put('g').linkedArrayList().put(5).writeUint(1));
    const bytes = (engine.io.storage as MemoryStorage).toBytes().slice();
    // In both moments, the root branch's first child slot points at the root itself (counts kept).
    for (const moment of [-2, -1]) {
      const header = readSlotAt(bytes, engine.moment(moment).readPath(['g'])!.slotPosition).value;
      const rootNode = readU64(bytes, header + 8);
      writeU64(bytes, rootNode + 2 + 1, rootNode);
    }
    const damaged = openBytes(bytes);
    const before = damaged.moment(-2).readPath(['g']);
    const after = damaged.moment(-1).readPath(['g']);
    expect(() => [...diffCursors(before, after)]).toThrow(CorruptDatabaseError);
  });

  it('reverts a moment that changed a gen-2 list', () => {
    const engine = openBytes(gen2ListsDatabase(), false);
    const db = new Database(engine);
    const before = db.snapshot(1).toJS();
    db.revertChanges(2);
    expect(canonical(db.snapshot(-1).toJS())).toBe(canonical(before));
  });
});

// The Database API: paths at any depth, transactions, snapshots, history,
// clones, read-only bytes, and bad input, on every backend.

import { describe, expect, it } from 'vitest';
import { open, linkedList, ClosedError, MapView, ListView, OutOfRangeError, ReadOnlyError, TransactionError, WrongTypeError, type Database } from '../../src/index.js';
import { MemoryStorage } from '../../src/engine.js';
import { dataDir } from '../../src/node.js';
import { backends } from '../support/backends.js';

describe.each(backends)('Database on $name', (backend) => {
  const fresh = async (): Promise<Database> => open(backend.slot().open(), { durability: 'flush' });

  it('sets, gets, updates, merges and deletes at any depth, creating maps on the way', async () => {
    const db = await fresh();
    db.set(['users', 'alice', 'name'], 'Alice');
    db.set(['users', 'alice', 'tags'], ['admin']);
    db.update(['users', 'alice', 'visits'], (old) => ((old as number | undefined) ?? 0) + 1);
    db.update(['users', 'alice', 'visits'], (old) => (old as number) + 1);
    db.merge(['users', 'alice'], { email: 'a@example.com', name: 'Alice B.' });
    db.push(['users', 'alice', 'tags'], 'ops', 'dev');
    db.set(['users', 'alice', 'tags', 0], 'owner');
    db.set(['users', 'alice', 'tags', 3], 'appended');
    expect((db.get(['users', 'alice']) as MapView).toJS()).toEqual({
      name: 'Alice B.',
      tags: ['owner', 'ops', 'dev', 'appended'],
      visits: 2,
      email: 'a@example.com',
    });
    expect(db.get(['users', 'alice', 'tags', -1])).toBe('appended');
    expect(db.delete(['users', 'alice', 'email'])).toBe(true);
    expect(db.delete(['users', 'alice', 'email'])).toBe(false);
    expect(db.delete(['users', 'alice', 'tags', -1])).toBe(true);
    expect(() => db.get(['users', 'alice', 'tags', 'x'])).toThrow(WrongTypeError);
    expect(db.has(['users', 'alice', 'email'])).toBe(false);
    expect((db.get(['users', 'alice', 'tags']) as ListView).toJS()).toEqual(['owner', 'ops', 'dev']);
    db.close();
  });

  it('returns the reply of a transaction, and leaves the database exactly as before when it throws', async () => {
    const db = await fresh();
    db.set(['n'], 1);
    expect(db.transact((tx) => (tx.get(['n']) as number) + 41)).toBe(42);
    const before = db.snapshot().toJS();
    const size = db.engine.storage.size();
    expect(() =>
      db.transact((tx) => {
        tx.set(['n'], 2);
        tx.set(['m'], { deep: [1, 2, 3] });
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(db.snapshot().toJS()).toEqual(before);
    expect(db.engine.storage.size()).toBe(size);
    expect(() => db.transact(() => db.transact(() => 1))).toThrow(TransactionError);
    expect(() => db.transact(() => db.set(['x'], 1))).toThrow(TransactionError);
    db.close();
  });

  it('keeps snapshots unchanged while later transactions commit, and refuses views from ended transactions', async () => {
    const db = await fresh();
    db.set(['list'], [1, 2, 3]);
    const snapshot = db.snapshot();
    const view = snapshot.get(['list']) as ListView;
    let escaped: ListView | undefined;
    db.transact((tx) => {
      tx.set(['list', 0], 100);
      tx.push(['list'], 4);
      escaped = tx.get(['list']) as ListView;
      expect(escaped.toJS()).toEqual([100, 2, 3, 4]);
    });
    expect(view.toJS()).toEqual([1, 2, 3]);
    expect(snapshot.toJS()).toEqual({ list: [1, 2, 3] });
    expect(db.get(['list', 0])).toBe(100);
    expect(() => escaped!.toJS()).toThrow(TransactionError);
    db.close();
  });

  it('counts, lists, undoes, reverts and slices the history', async () => {
    const db = await fresh();
    for (let i = 0; i < 5; i++) db.set(['n'], i);
    expect(db.momentCount).toBe(5);
    // The Database and its Engine say it the same way: a number property, no call.
    expect(db.engine.momentCount).toBe(5);
    expect(typeof Object.getOwnPropertyDescriptor(Object.getPrototypeOf(db.engine), 'momentCount')?.get).toBe('function');
    expect(typeof Object.getOwnPropertyDescriptor(Object.getPrototypeOf(db), 'momentCount')?.get).toBe('function');
    expect([...db.moments()].map((m) => m.get(['n']))).toEqual([0, 1, 2, 3, 4]);
    db.undo();
    expect(db.get(['n'])).toBe(3);
    // Two steps back from the undo's moment: the moment where n was 3 again.
    db.undo(2);
    expect(db.get(['n'])).toBe(3);
    db.revert(1);
    expect(db.get(['n'])).toBe(1);
    expect(db.snapshot(-1).index).toBe(7);
    db.sliceHistory(3);
    expect(db.momentCount).toBe(3);
    expect(db.get(['n'])).toBe(2);
    db.close();
  });

  it('clones a structure in O(1) and keeps both copies independent within and across transactions', async () => {
    const db = await fresh();
    db.set(['a'], { items: Array.from({ length: 500 }, (_, i) => i) });
    const size = db.engine.storage.size();
    db.transact((tx) => {
      tx.clone(['a'], ['b']);
      tx.push(['b', 'items'], 'only in b');
      tx.set(['a', 'items', 0], 'only in a');
      // A view stored as a value is also an O(1) clone.
      tx.set(['c'], tx.get(['a']) as MapView);
      tx.push(['c', 'items'], 'only in c');
    });
    expect(db.engine.storage.size() - size).toBeLessThan(20_000);
    expect(db.get(['a', 'items', 0])).toBe('only in a');
    expect(db.get(['b', 'items', 0])).toBe(0);
    expect((db.get(['a', 'items']) as ListView).length).toBe(500);
    expect((db.get(['b', 'items']) as ListView).get(-1)).toBe('only in b');
    expect((db.get(['c', 'items']) as ListView).get(-1)).toBe('only in c');
    expect((db.get(['c', 'items']) as ListView).get(0)).toBe('only in a');
    db.close();
  });

  it('refuses bad paths with typed errors that name the path, and writes nothing', async () => {
    const db = await fresh();
    db.set(['name'], 'text');
    db.set(['list'], [1, 2]);
    const size = db.engine.storage.size();
    expect(() => db.set(['name', 'inner'], 1)).toThrow(WrongTypeError);
    expect(() => db.set(['name', 'inner'], 1)).toThrow(/name holds a string or bytes, so nothing can be stored inside it/);
    expect(() => db.set(['list', 5], 1)).toThrow(OutOfRangeError);
    expect(() => db.set(['list', 5], 1)).toThrow(/index 5 is outside the list of 2 items at list/);
    expect(() => db.set(['list', 'x'], 1)).toThrow(/list is a list, so the next step must be an index/);
    expect(() => db.set(['missing', 0, 'x'], 1)).toThrow(/there is no list at missing/);
    expect(() => db.delete(['list', 0])).toThrow(/only drop its last item/);
    db.transact((tx) => {
      expect(() => tx.set(['new', 'deeper', 3], 1)).toThrow(OutOfRangeError);
      expect(tx.has(['new'])).toBe(false);
    });
    expect(db.momentCount).toBe(3);
    expect(db.engine.storage.size()).toBeGreaterThan(size);
    expect(db.has(['new'])).toBe(false);
    db.close();
  });

  it('commits nothing for a delete that finds nothing, and a moment for one that does', async () => {
    const db = await fresh();
    db.set(['sessions', 's1'], { user: 'alice' });
    const moments = db.momentCount;
    const size = db.engine.committedSize;
    expect(db.delete(['sessions', 's2'])).toBe(false);
    expect(db.delete(['nothing', 'here'])).toBe(false);
    expect(db.momentCount).toBe(moments);
    expect(db.engine.committedSize).toBe(size);
    // Path errors still throw, as in a transaction.
    expect(() => db.delete(['sessions', 's1', 'user', 'x'])).toThrow(WrongTypeError);
    expect(db.delete(['sessions', 's1'])).toBe(true);
    expect(db.momentCount).toBe(moments + 1);
    expect(db.has(['sessions', 's1'])).toBe(false);
  });

  it('refuses every read and write after close with ClosedError, snapshots and views taken before included', async () => {
    const db = await fresh();
    db.set(['users', 'alice'], { visits: 1 });
    const snapshot = db.snapshot();
    const view = db.get(['users']) as MapView;
    db.close();
    const refused: [string, () => unknown][] = [
      ['get', () => db.get(['users', 'alice'])],
      ['has', () => db.has(['users'])],
      ['set', () => db.set(['users', 'bob'], 2)],
      ['transact', () => db.transact((tx) => tx.set(['x'], 1))],
      ['snapshot get', () => snapshot.get(['users'])],
      ['view toJS', () => view.toJS()],
      // A memory database's buffer too: handing it on after close would look like a live database.
      ...(backend.name === 'memory' ? [['bytes', () => db.bytes()] as [string, () => unknown]] : []),
    ];
    for (const [name, call] of refused) expect(call, name).toThrow(ClosedError);
    await expect(db.transactAsync((tx) => tx.set(['x'], 1))).rejects.toThrow(ClosedError);
    await expect(db.transactBatched((tx) => tx.set(['x'], 1))).rejects.toThrow(ClosedError);
    expect(() => db.get(['users'])).toThrow(/database is closed/);
    expect(() => db.close()).not.toThrow();
  });

  it('removes from the middle of a linked list', async () => {
    const db = await fresh();
    db.set(['queue'], linkedList(['a', 'b', 'c']));
    expect(db.delete(['queue', 1])).toBe(true);
    db.push(['queue'], 'd');
    expect((db.get(['queue']) as ListView).toJS()).toEqual(['a', 'c', 'd']);
    db.close();
  });
});

describe('a memory database whose buffer was transferred away', () => {
  it('throws ClosedError that names the transfer, on the sender and on a reader of the bytes, never a bare TypeError', async () => {
    const writer = await open();
    writer.set(['users', 'alice'], { visits: 1 });
    const copy = writer.bytes().slice();
    const reader = await open(copy.buffer);
    const view = reader.get(['users']) as MapView;
    // Transfer detaches: what a postMessage to a worker with [buffer] does.
    structuredClone(copy.buffer, { transfer: [copy.buffer] });
    const live = writer.bytes();
    structuredClone(live.buffer, { transfer: [live.buffer as ArrayBuffer] });
    const calls: [string, () => unknown][] = [
      ['reader get', () => reader.get(['users', 'alice'])],
      ['reader view', () => view.toJS()],
      ['reader moments', () => [...reader.moments()]],
      ['writer get', () => writer.get(['users'])],
      ['writer set', () => writer.set(['users', 'bob'], { visits: 2 })],
      ['writer bytes', () => writer.bytes()],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(/buffer was transferred to another thread/);
    for (const [name, call] of calls) expect(call, name).toThrow(ClosedError);
  });
});

describe('open on bytes', () => {
  it('opens a memory database\'s bytes in place, read-only, without copying them', async () => {
    const db = await open();
    db.set(['greeting'], 'hello');
    const bytes = db.bytes().slice();
    const view = await open(bytes);
    expect(view.get(['greeting'])).toBe('hello');
    expect(view.readOnly).toBe(true);
    expect(() => view.set(['greeting'], 'changed')).toThrow(ReadOnlyError);
    expect((view.engine.storage as MemoryStorage).toBytes().buffer).toBe(bytes.buffer);
    const writable = await open(bytes.slice(), { readOnly: false });
    writable.set(['greeting'], 'changed');
    expect(writable.get(['greeting'])).toBe('changed');
  });
});

describe('dataDir', () => {
  it('follows each operating system\'s convention', () => {
    expect(dataDir('app', { HOME: '/home/u' }, 'linux')).toBe('/home/u/.local/share/app');
    expect(dataDir('app', { HOME: '/home/u', XDG_DATA_HOME: '/data' }, 'linux')).toBe('/data/app');
    // A relative XDG_DATA_HOME is invalid (XDG Base Directory spec) and ignored, as is an empty one.
    expect(dataDir('app', { HOME: '/home/u', XDG_DATA_HOME: 'data' }, 'linux')).toBe('/home/u/.local/share/app');
    expect(dataDir('app', { HOME: '/home/u', XDG_DATA_HOME: '' }, 'linux')).toBe('/home/u/.local/share/app');
    expect(dataDir('app', { HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/app');
    expect(dataDir('app', { HOME: '/home/u', LOCALAPPDATA: '/local' }, 'win32')).toMatch(/local.app$/);
    expect(() => dataDir('../etc')).toThrow(/not a folder name/);
  });
});

// stratadb get, ls, export, dump --moment, info and stats: what they print for
// each kind of value, at any moment, against what was written.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { open, sortedMap, sortedSet, type OrderedKey } from '../../src/node.js';
import { folder, run } from './support.js';

/** A file with three moments: users, then todos and kinds of values, then alice's age changed. */
async function sample(): Promise<string> {
  const path = join(folder(), 'sample.xit');
  const db = await open(path);
  db.set(['users'], { alice: { age: 30, name: 'Alice' }, 'a.b': 'dotted', '7': 'seven' });
  db.transact((tx) => {
    tx.set(['todos'], ['wash', 'pay', 'sleep']);
    tx.set(['map'], new Map<unknown, unknown>([[1, 'one'], [2n ** 70n, 'big'], [new Uint8Array([255]), 'bytes'], ['text', 'é']]));
    tx.set(['set'], new Set<unknown>(['a', 2]));
    tx.set(['bytes'], new Uint8Array([1, 2, 255]));
    tx.set(['floats'], [Number.NaN, Number.POSITIVE_INFINITY, -0, 1.5]);
    tx.set(['big'], 2n ** 64n);
    tx.set(['small'], 12n);
    tx.set(['when'], new Date('2024-01-02T03:04:05.000Z'));
    tx.set(['flag'], true);
    tx.set(['nothing'], null);
  });
  db.set(['users', 'alice', 'age'], 31);
  db.close();
  return path;
}

describe('stratadb get', () => {
  it('prints a scalar, a subtree and a list item as JSON, at the latest moment or any other', async () => {
    const path = await sample();
    expect(await run(['get', path, 'users.alice.age'])).toMatchObject({ code: 0, out: '31\n', err: '' });
    expect((await run(['get', path, 'users.alice.age', '--moment', '0'])).out).toBe('30\n');
    expect((await run(['get', path, 'users.alice.age', '--moment', '-2'])).out).toBe('30\n');
    expect(JSON.parse((await run(['get', path, 'users'])).out)).toEqual({ alice: { age: 31, name: 'Alice' }, 'a.b': 'dotted', '7': 'seven' });
    expect((await run(['get', path, 'todos.1'])).out).toBe('"pay"\n');
    expect((await run(['get', path, 'todos.-1'])).out).toBe('"sleep"\n');
    // Keys with dots, and digits meant as an object's key, work in the JSON form and (for objects) as digits.
    expect((await run(['get', path, '["users","a.b"]'])).out).toBe('"dotted"\n');
    expect((await run(['get', path, 'users.7'])).out).toBe('"seven"\n');
    expect((await run(['get', path, '["users","7"]'])).out).toBe('"seven"\n');
    expect(JSON.parse((await run(['get', path, '.', '--moment', '0'])).out)).toEqual({ users: { alice: { age: 30, name: 'Alice' }, 'a.b': 'dotted', '7': 'seven' } });
  });

  it('writes the values JSON has no form for as the documented one-key objects', async () => {
    const path = await sample();
    const get = async (p: string): Promise<unknown> => JSON.parse((await run(['get', path, p])).out);
    expect(await get('bytes')).toEqual({ $bytes: '0102ff' });
    expect(await get('floats')).toEqual([{ $float: 'NaN' }, { $float: 'Infinity' }, 0, 1.5]);
    expect(await get('big')).toEqual({ $bigint: '18446744073709551616' });
    expect(await get('small')).toBe(12);
    expect(await get('when')).toBe('2024-01-02T03:04:05.000Z');
    expect(await get('set')).toEqual(expect.arrayContaining(['a', 2]));
    expect(await get('map')).toEqual({ '1': 'one', '{"$bigint":"1180591620717411303424"}': 'big', '{"$bytes":"ff"}': 'bytes', text: 'é' });
    expect(await get('nothing')).toBe(null);
    expect(await get('flag')).toBe(true);
  });

  it('answers a path that holds nothing, or goes through a scalar, with one line and exit 1', async () => {
    const path = await sample();
    const missing = await run(['get', path, 'users.bob']);
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toBe('stratadb: nothing is stored at users.bob in moment 2 [OUT_OF_RANGE]\n');
    const through = await run(['get', path, 'users.alice.age.x']);
    expect(through.code).toBe(1);
    expect(through.err).toMatch(/^stratadb: .*\[WRONG_TYPE\]\n$/);
    const absentThen = await run(['get', path, 'todos', '--moment', '0']);
    expect(absentThen.err).toMatch(/nothing is stored at todos in moment 0/);
  });
});

describe('stratadb ls', () => {
  it('lists keys with kinds and sizes, tab-separated, at the root by default', async () => {
    const path = await sample();
    const result = await run(['ls', path]);
    expect(result.code).toBe(0);
    const rows = new Map(result.out.trim().split('\n').map((line) => [line.split('\t')[0], line.split('\t').slice(1)]));
    expect(rows.get('users')).toEqual(['object', '3']);
    expect(rows.get('todos')).toEqual(['list', '3']);
    expect(rows.get('map')).toEqual(['map', '4']);
    expect(rows.get('set')).toEqual(['set', '2']);
    expect(rows.get('bytes')).toEqual(['bytes', '3']);
    expect(rows.get('when')).toEqual(['date', '-']);
    expect(rows.get('nothing')).toEqual(['null', '-']);
    expect(rows.size).toBe(11);
    expect((await run(['ls', path, '--moment', '0'])).out).toBe('users\tobject\t3\n');
  });

  it('lists a list by index, a set by member and a map by key, with --json', async () => {
    const path = await sample();
    expect(JSON.parse((await run(['ls', path, 'todos', '--json'])).out)).toEqual([
      { key: 0, kind: 'string', size: 4 },
      { key: 1, kind: 'string', size: 3 },
      { key: 2, kind: 'string', size: 5 },
    ]);
    const map = JSON.parse((await run(['ls', path, 'map', '--json'])).out) as Array<{ key: unknown }>;
    expect(map).toEqual(
      expect.arrayContaining([
        { key: 1, kind: 'string', size: 3 },
        { key: { $bigint: '1180591620717411303424' }, kind: 'string', size: 3 },
        { key: { $bytes: 'ff' }, kind: 'string', size: 5 },
        { key: 'text', kind: 'string', size: 2 },
      ]),
    );
    expect(JSON.parse((await run(['ls', path, 'set', '--json'])).out)).toEqual(expect.arrayContaining([{ key: 'a', kind: 'string', size: 1 }, { key: 2, kind: 'number', size: null }]));
  });

  it('refuses a scalar with exit 1 and names it', async () => {
    const path = await sample();
    const result = await run(['ls', path, 'users.alice.name']);
    expect(result.code).toBe(1);
    expect(result.err).toBe('stratadb: users.alice.name holds a string, which has no keys to list; print it with get [WRONG_TYPE]\n');
  });
});

describe('stratadb export', () => {
  it('prints the latest moment, or any moment, as plain JSON', async () => {
    const path = await sample();
    const first = JSON.parse((await run(['export', path, '--moment', '0'])).out);
    expect(first).toEqual({ users: { alice: { age: 30, name: 'Alice' }, 'a.b': 'dotted', '7': 'seven' } });
    const latest = JSON.parse((await run(['export', path])).out) as Record<string, unknown>;
    expect(latest.users).toEqual({ alice: { age: 31, name: 'Alice' }, 'a.b': 'dotted', '7': 'seven' });
    expect(latest.todos).toEqual(['wash', 'pay', 'sleep']);
    expect(Object.keys(latest).sort()).toEqual(['big', 'bytes', 'flag', 'floats', 'map', 'nothing', 'set', 'small', 'todos', 'users', 'when']);
  });

  it('refuses a Map whose keys print as one text, naming both, and points to dump', async () => {
    const path = join(folder(), 'clash.xit');
    const db = await open(path);
    db.set(['m'], new Map<unknown, unknown>([['1', 'text'], [1, 'number']]));
    db.close();
    const result = await run(['export', path]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^stratadb: a Map has two keys that both print as "1" \((the string "1" and the number 1|the number 1 and the string "1")\).*use dump \[WRONG_TYPE\]\n$/);
  });

  it('refuses output past --max-values: a structure stored in many places prints at each', async () => {
    const path = join(folder(), 'shared.xit');
    const db = await open(path);
    db.set(['a'], Array.from({ length: 100 }, (_, i) => i));
    db.transact((tx) => {
      for (let i = 0; i < 20; i++) tx.clone(['a'], [`copy${i}`]);
    });
    db.close();
    expect((await run(['export', path, '--max-values', '5000'])).code).toBe(0);
    const refused = await run(['export', path, '--max-values', '1000']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/more than 1000 values.*\[OUT_OF_RANGE\]/);
  });
});

describe('stratadb dump --moment, info and stats', () => {
  it('dumps one moment in the shape of the whole dump', async () => {
    const path = await sample();
    const all = JSON.parse((await run(['dump', path])).out) as { moments: unknown[] };
    expect(all.moments).toHaveLength(3);
    for (const [flag, index] of [['0', 0], ['1', 1], ['-1', 2], ['-3', 0]] as const) {
      const one = JSON.parse((await run(['dump', path, '--moment', flag])).out) as { hash_id: string; moments: unknown[] };
      expect(one.hash_id).toBe('xx16');
      expect(one.moments).toEqual([all.moments[index]]);
    }
  });

  it('prints info and stats as aligned text, and as JSON with --json', async () => {
    const path = await sample();
    const info = await run(['info', path]);
    expect(info.out).toMatch(/^hash_id {9}xx16\nhash_size {7}16\nversion {9}0\nhistory {9}true\nmoments {9}3\ncommitted_size {2}\d+\nfile_size {7}\d+\n$/);
    expect(JSON.parse((await run(['info', path, '--json'])).out)).toMatchObject({ hash_id: 'xx16', moments: 3 });
    const stats = await run(['stats', path]);
    expect(stats.out).toMatch(/^file_size {8}\d+\ncommitted_size {3}\d+\nmoments {10}3\nreachable_bytes {2}\d+\n$/);
    expect(Object.keys(JSON.parse((await run(['stats', path, '--json'])).out))).toEqual(['file_size', 'committed_size', 'moments', 'reachable_bytes']);
  });
});

describe('stratadb on a moment that holds nothing', () => {
  it('lists no keys and exports an empty object', async () => {
    const path = join(folder(), 'empty.xit');
    const db = await open(path);
    db.transact(() => undefined);
    db.close();
    expect(await run(['ls', path])).toMatchObject({ code: 0, out: '', err: '' });
    expect((await run(['ls', path, '--json'])).out).toBe('[]\n');
    expect(JSON.parse((await run(['export', path])).out)).toEqual({});
  });
});

describe('stratadb on a database without history', () => {
  it('reads its root map as the one moment there is', async () => {
    const { openFile } = await import('../../src/node.js');
    const path = join(folder(), 'flat.xit');
    const engine = await openFile(path, { history: false });
    const root = engine.writableRootMap().hashMap();
    root.put('a').writeUint(1);
    root.put('b').writeString('text');
    engine.close();
    expect((await run(['get', path, 'b'])).out).toBe('"text"\n');
    expect((await run(['get', path, 'a', '--moment', '0'])).out).toBe('1\n');
    expect((await run(['ls', path])).out.split('\n').sort()).toEqual(['', 'a\tnumber\t-', 'b\tstring\t4']);
    expect(JSON.parse((await run(['export', path])).out)).toEqual({ a: 1, b: 'text' });
    const beyond = await run(['get', path, 'a', '--moment', '1']);
    expect(beyond.err).toMatch(/there is no moment 1: the history has 1/);
  });
});

describe('stratadb ls and get on sorted maps and sets, and keys that are not text', () => {
  async function sorted(): Promise<string> {
    const path = join(folder(), 'sorted.xit');
    const db = await open(path);
    db.set(['scores'], sortedMap<OrderedKey, string>([[310, 'carol'], [[41, 'ann'], 'tuple'], [new Date(0), 'epoch']]));
    db.set(['ages'], sortedSet<OrderedKey>([[41, 'bob'], [29, 'al'], 'x']));
    db.set(['members'], new Set<unknown>([new Uint8Array([255]), Number.NaN, 'plain']));
    db.close();
    return path;
  }

  it('lists a sorted map and a sorted set by kind, key order kept, tuples as JSON arrays', async () => {
    const path = await sorted();
    const top = await run(['ls', path]);
    expect(top.err).toBe('');
    expect(top.out.split('\n').sort()).toEqual(['', 'ages\tsorted-set\t3', 'members\tset\t3', 'scores\tsorted-map\t3']);
    expect(await run(['ls', path, 'scores'])).toMatchObject({ code: 0, err: '', out: '310\tstring\t5\n1970-01-01T00:00:00.000Z\tstring\t5\n[41,"ann"]\tstring\t5\n' });
    expect(await run(['ls', path, 'ages'])).toMatchObject({ code: 0, err: '', out: 'x\tstring\t1\n[29,"al"]\ttuple\t-\n[41,"bob"]\ttuple\t-\n' });
    expect(JSON.parse((await run(['ls', path, 'scores', '--json'])).out)).toEqual([
      { key: 310, kind: 'string', size: 5 },
      { key: '1970-01-01T00:00:00.000Z', kind: 'string', size: 5 },
      { key: [41, 'ann'], kind: 'string', size: 5 },
    ]);
  });

  it('prints a member or key that is bytes or a float as its JSON on a text line, instead of failing half way', async () => {
    const path = await sorted();
    const result = await run(['ls', path, 'members']);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out.split('\n').sort()).toEqual(['', 'plain\tstring\t5', '{"$bytes":"ff"}\tbytes\t1', '{"$float":"NaN"}\tnumber\t-']);
  });

  it('prints a sorted map with tuple keys as an object keyed by their JSON text', async () => {
    const path = await sorted();
    const result = await run(['get', path, 'scores']);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(result.out)).toEqual({ '310': 'carol', '1970-01-01T00:00:00.000Z': 'epoch', '[41,"ann"]': 'tuple' });
    expect(JSON.parse((await run(['export', path])).out).ages).toEqual(['x', [29, 'al'], [41, 'bob']]);
  });
});

// The command line's path syntax, moment numbers and the plain JSON mapping,
// as functions; and the onProgress hooks of verify, dump and backup that its
// progress bars read.

import { describe, expect, it } from 'vitest';
import { parsePath, pathLabel, resolveMoment } from '../../src/cli/arguments.js';
import { UsageError } from '../../src/cli/context.js';
import { parsePlainJson, toPlainJson } from '../../src/cli/plain-json.js';
import { OutOfRangeError, open } from '../../src/index.js';
import { MemoryStorage, backupTo, dumpDatabase, verifyDatabase } from '../../src/engine.js';

describe('parsePath', () => {
  it('reads dotted paths with digits as indexes, and JSON arrays as they are', () => {
    expect(parsePath('users.alice.age')).toEqual(['users', 'alice', 'age']);
    expect(parsePath('todos.0')).toEqual(['todos', 0]);
    expect(parsePath('todos.-1')).toEqual(['todos', -1]);
    expect(parsePath('a.01.1e3.-0x')).toEqual(['a', '01', '1e3', '-0x']);
    expect(parsePath('.')).toEqual([]);
    expect(parsePath('')).toEqual([]);
    expect(parsePath('["users","a.b",1,""]')).toEqual(['users', 'a.b', 1, '']);
    expect(parsePath('99999999999999999999')).toEqual(['99999999999999999999']);
  });

  it('refuses empty steps and JSON that is not an array of keys and whole numbers', () => {
    for (const text of ['a..b', '.a', 'a.', '[1', '[1.5]', '[null]', '[[1]]']) expect(() => parsePath(text), text).toThrow(UsageError);
    expect(() => parsePath('{"a":1}')).not.toThrow(); // not starting with [: a key with braces
  });

  it('labels paths back in the form that reads them', () => {
    for (const text of ['users.alice.age', 'todos.-1', '["a.b"]', '["7"]', '[""]']) expect(pathLabel(parsePath(text))).toBe(text);
    expect(pathLabel([])).toBe('the root');
  });
});

describe('resolveMoment', () => {
  it('counts from the start or from the end, and names the range when out of it', () => {
    expect(resolveMoment(0, 3)).toBe(0);
    expect(resolveMoment(-1, 3)).toBe(2);
    expect(resolveMoment(-3, 3)).toBe(0);
    expect(() => resolveMoment(3, 3)).toThrow(/there is no moment 3: the history has 3 \(0 to 2, or -1 to -3 from the end\)/);
    expect(() => resolveMoment(-4, 3)).toThrow(OutOfRangeError);
    expect(() => resolveMoment(0, 0)).toThrow(/no moments yet/);
  });
});

describe('toPlainJson and parsePlainJson', () => {
  it('map the values JSON lacks to one-key objects and back', () => {
    const value = { b: new Uint8Array([0, 255]), n: 2n ** 60n, s: 5n, f: [Number.NaN, Number.NEGATIVE_INFINITY, -0], d: new Date(0), set: new Set([1, 'a']), m: new Map<unknown, unknown>([[1, 'x'], [true, 'y'], [null, 'z']]) };
    const plain = toPlainJson(value, 1000);
    expect(plain).toEqual({ b: { $bytes: '00ff' }, n: { $bigint: '1152921504606846976' }, s: 5, f: [{ $float: 'NaN' }, { $float: '-Infinity' }, 0], d: '1970-01-01T00:00:00.000Z', set: [1, 'a'], m: { '1': 'x', true: 'y', null: 'z' } });
    expect(Object.is((plain as { f: unknown[] }).f[2], 0)).toBe(true);
    expect(parsePlainJson(JSON.stringify(plain), 10)).toEqual({ ...value, s: 5, f: [Number.NaN, Number.NEGATIVE_INFINITY, 0], d: '1970-01-01T00:00:00.000Z', set: [1, 'a'], m: { '1': 'x', true: 'y', null: 'z' } });
    // Only the exact one-key forms are read back; anything else stays an object.
    expect(parsePlainJson('{"a":{"$bytes":"0g"},"b":{"$bigint":"1","x":1},"c":{"$float":"1"}}', 10)).toEqual({ a: { $bytes: '0g' }, b: { $bigint: '1', x: 1 }, c: { $float: '1' } });
  });

  it('keeps a "__proto__" key as a key, converts a shared object once, and counts it at each place', () => {
    const shared = { list: [1, 2, 3] };
    const plain = toPlainJson(JSON.parse('{"__proto__": 1}'), 10) as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(['__proto__']);
    const twice = toPlainJson({ a: shared, b: shared }, 100) as Record<string, unknown>;
    expect(twice.a).toBe(twice.b);
    expect(() => toPlainJson({ a: shared, b: shared }, 10)).toThrow(/more than 10 values/);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(() => toPlainJson(deep, 1e6)).not.toThrow();
  });
});

describe('onProgress of verify, dump and backup', () => {
  it('counts up to a last call where done equals total', async () => {
    const db = await open();
    for (let part = 0; part < 3; part++) db.transact((tx) => Array.from({ length: 3000 }, (_, i) => tx.set([`k${part}.${i}`], i)));
    const calls = (run: (onProgress: (done: number, total: number) => void) => void): Array<[number, number]> => {
      const seen: Array<[number, number]> = [];
      run((done, total) => seen.push([done, total]));
      for (const [done, total] of seen) expect(done).toBeLessThanOrEqual(total);
      for (let i = 1; i < seen.length; i++) expect((seen[i] as number[])[0]).toBeGreaterThanOrEqual((seen[i - 1] as number[])[0] as number);
      const last = seen.at(-1) as [number, number];
      expect(last[0]).toBe(last[1]);
      return seen;
    };
    expect(calls((onProgress) => verifyDatabase(db.engine, { onProgress })).length).toBeGreaterThan(2);
    expect(calls((onProgress) => dumpDatabase(db.engine, { onProgress }))).toEqual([[1, 3], [2, 3], [3, 3]]);
    expect(calls((onProgress) => dumpDatabase(db.engine, { onProgress, moment: -2 }))).toEqual([[1, 1]]);
    const size = db.engine.committedSize;
    expect(calls((onProgress) => backupTo(db.engine, new MemoryStorage(), 4096, onProgress)).at(-1)).toEqual([size, size]);
    expect(dumpDatabase(db.engine, { moment: 1 }).moments).toEqual([dumpDatabase(db.engine).moments[1]]);
    expect(() => dumpDatabase(db.engine, { moment: 3 })).toThrow(OutOfRangeError);
  });
});

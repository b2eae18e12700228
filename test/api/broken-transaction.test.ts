// A write that fails part-way must never commit its half, even when the
// transaction function catches the error: the transaction is then broken
// (api/transaction.ts, #write). Refusals of a bad path or value are raised
// before anything is written, and leave the transaction usable.

import { describe, expect, it } from 'vitest';
import { open, ClosedError, HashCollisionError, InvalidArgumentError, OutOfRangeError, TransactionError, WrongTypeError } from '../../src/index.js';
import { fixedHasher } from '../../src/hash/test-hashers.js';
import { sha1 } from '../../src/hash/sha1.js';
import { Database } from '../../src/api/database.js';
import type { ListView } from '../../src/api/views.js';
import { selfConcatenatedList } from '../support/sample-databases.js';

/** A hasher under which "a" and "b" have one hash (a collision), every other key its own. */
function collidingHasher() {
  const hash = (n: number) => Uint8Array.of(0x10, 0x20, 0x30, n);
  const keys = ['m', 'n', 'a', 'b', 'c', 'list', 'tags', 'x', 'y'];
  const table = new Map(keys.map((key, i) => [key, hash(i)]));
  table.set('b', table.get('a')!);
  return fixedHasher(4, table);
}

function caught(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('a write that fails part-way', () => {
  it('breaks the transaction: a caught collision inside a new map cannot commit the keys written before it', async () => {
    const db = await open(undefined, { hasher: collidingHasher() });
    db.transact((tx) => tx.set(['n'], 1));
    const error = caught(() =>
      db.transact((tx) => {
        const inner = caught(() => tx.set(['m'], { a: 1, b: 2 }));
        expect(inner).toBeInstanceOf(HashCollisionError);
        // Every later call of this transaction refuses, naming the failure.
        const later = caught(() => tx.get(['n']));
        expect(later).toBeInstanceOf(TransactionError);
        expect((later as Error).message).toMatch(/failed part-way \(HashCollisionError/);
        expect(() => tx.set(['x'], 1)).toThrow(TransactionError);
      }),
    );
    // The transaction itself ends in the refusal, with the collision as its cause.
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as Error).cause).toBeInstanceOf(HashCollisionError);
    expect(db.momentCount).toBe(1);
    expect(db.get(['m'])).toBeUndefined();
    expect(db.snapshot().toJS()).toEqual({ n: 1 });
    // The database goes on.
    db.transact((tx) => tx.set(['m'], { a: 1, c: 2 }));
    expect(db.snapshot().toJS()).toEqual({ n: 1, m: { a: 1, c: 2 } });
  });

  it('breaks a merge that overwrote a key in place before a later key collided', async () => {
    const db = await open(undefined, { hasher: collidingHasher() });
    db.transact((tx) => tx.set(['m'], { a: 'old', c: 'kept' }));
    expect(() =>
      db.transact((tx) => {
        // Written in this transaction, so the merge below changes it in place.
        tx.set(['m', 'c'], 'changed');
        caught(() => tx.merge(['m'], { c: 'merged', b: 'collides with a' }));
      }),
    ).toThrow(TransactionError);
    expect(db.snapshot().toJS()).toEqual({ m: { a: 'old', c: 'kept' } });
    expect(db.momentCount).toBe(1);
  });

  it('breaks an add of several set members when a later member collides', async () => {
    const db = await open(undefined, { hasher: collidingHasher() });
    db.transact((tx) => tx.set(['tags'], new Set(['a'])));
    expect(() =>
      db.transact((tx) => {
        caught(() => tx.add(['tags'], 'c', 'b'));
      }),
    ).toThrow(TransactionError);
    expect([...(db.snapshot().toJS() as { tags: Set<string> }).tags]).toEqual(['a']);
  });

  it('rejects only the batched transaction that caught the failure; the others of its batch commit', async () => {
    const db = await open(undefined, { hasher: collidingHasher() });
    const results = await Promise.allSettled([
      db.transactBatched((tx) => tx.set(['x'], 1)),
      db.transactBatched((tx) => {
        caught(() => tx.set(['m'], { a: 1, b: 2 }));
      }),
      db.transactBatched((tx) => tx.set(['y'], 2)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(TransactionError);
    expect(db.snapshot().toJS()).toEqual({ x: 1, y: 2 });
  });

  it('leaves the transaction usable after a refusal, which comes before anything is written', async () => {
    const db = await open(undefined, { hasher: collidingHasher() });
    db.transact((tx) => tx.set(['m'], { a: 1 }));
    db.transact((tx) => {
      // A path through a number: refused after the walk copied the map on the way, before any change.
      expect(() => tx.set(['m', 'a', 'x'], 2)).toThrow(WrongTypeError);
      tx.set(['n'], 3);
    });
    expect(db.snapshot().toJS()).toEqual({ m: { a: 1 }, n: 3 });
    expect(db.momentCount).toBe(2);
  });

  it('breaks a copy from another database that fails with a refusal class after writing part of the value', async () => {
    // A linked list concatenated with itself: 2^21 items in a few KB. Copying it into another
    // database refuses with OutOfRangeError after a million items, which were already written:
    // a caught refusal then committed those million items as the value.
    const engine = selfConcatenatedList(20);
    const shared = new Database(engine).get(['list']) as ListView;
    const db = await open();
    db.transact((tx) => tx.set(['n'], 1));
    const error = caught(() =>
      db.transact((tx) => {
        expect(caught(() => tx.set(['copy'], shared))).toBeInstanceOf(OutOfRangeError);
      }),
    );
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as Error).cause).toBeInstanceOf(OutOfRangeError);
    expect(db.momentCount).toBe(1);
    expect(db.snapshot().toJS()).toEqual({ n: 1 });
  });

  it('leaves the transaction usable when a getter of a merged value throws, as set does: nothing was written yet', async () => {
    // A getter that reads a closed database throws ClosedError, one of our errors but no refusal:
    // merge read its partial inside the write and broke the transaction, where set refuses the same value.
    const other = await open();
    other.set(['k'], 1);
    await other.close();
    const partial = {
      get x(): unknown {
        return other.get(['k']);
      },
    };
    const db = await open();
    db.transact((tx) => {
      expect(() => tx.set(['a'], partial)).toThrow(ClosedError);
      expect(() => tx.merge(['a'], partial)).toThrow(ClosedError);
      tx.set(['b'], 1);
    });
    expect(db.snapshot().toJS()).toEqual({ b: 1 });
  });

  it('breaks a write whose later key a faulty hasher hashes to the wrong size (an InvalidArgumentError met mid-write)', async () => {
    // The hasher passes its probes at open, then gives 19 of its 20 bytes for the key "b":
    // "a" was stored when "b" was refused, and a caught refusal committed { m: { a: 1 } }.
    const b = 'b'.charCodeAt(0);
    const hasher = { id: 0x12345678, size: 20, hash: (key: Uint8Array) => (key.length === 1 && key[0] === b ? sha1(key).subarray(0, 19) : sha1(key)) };
    const db = await open(undefined, { hasher });
    db.transact((tx) => tx.set(['n'], 1));
    const error = caught(() =>
      db.transact((tx) => {
        expect(caught(() => tx.set(['m'], { a: 1, b: 2 }))).toBeInstanceOf(InvalidArgumentError);
      }),
    );
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as Error).cause).toBeInstanceOf(InvalidArgumentError);
    expect(db.momentCount).toBe(1);
    expect(db.snapshot().toJS()).toEqual({ n: 1 });
  });

  it('breaks transactAsync and push the same way, and never for an error of the caller\'s own update function', async () => {
    const db = await open(undefined, { hasher: collidingHasher() });
    // transactAsync: the caught collision rejects the transaction, nothing commits.
    await expect(
      db.transactAsync((tx) => {
        caught(() => tx.set(['m'], { a: 1, b: 2 }));
        return 5;
      }),
    ).rejects.toBeInstanceOf(TransactionError);
    expect(db.momentCount).toBe(0);
    // The caller's own errors, even ones of our classes, come before any write: the transaction goes on.
    db.transact((tx) => {
      expect(() => tx.update(['x'], () => { throw new HashCollisionError('the caller\'s own'); })).toThrow("the caller's own");
      expect(() => tx.update(['x'], () => { throw new Error('plain'); })).toThrow('plain');
      tx.set(['list'], [1]);
    });
    // push of several values whose second collides inside: the first is not committed.
    expect(() =>
      db.transact((tx) => {
        caught(() => tx.push(['list'], 2, { a: 1, b: 2 }));
      }),
    ).toThrow(TransactionError);
    expect(db.snapshot().toJS()).toEqual({ list: [1] });
  });
});

// The transaction state (core/tx-state.ts) on its own: each rule of its top
// comment as a behaviour, and its checker, which must find a state that breaks
// them. Then the same state driven by an engine, checked after every step.

import { describe, expect, it } from 'vitest';
import { NO_TRANSACTION, TxState, type ItemStamp } from '../../src/core/tx-state.js';
import { TransactionError } from '../../src/errors.js';
import { InvariantError } from '../../src/base/assert.js';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { uintSlot } from '../../src/format/slot.js';

/** A data end the test moves by hand. */
class End {
  value = 100;
  size(): number {
    return this.value;
  }
}

/** A TxState over a data end at 100, committed up to there. */
function fresh(): { tx: TxState; end: End } {
  const end = new End();
  const tx = new TxState(end);
  tx.noteCommitted(100);
  return { tx, end };
}

const stamp = (): ItemStamp => ({ listRecord: -1, listStamp: 0, listEpoch: 0, outerItem: undefined });

describe('TxState lifecycle', () => {
  it('lets nothing change outside a transaction, and blocks from tx start on inside one', () => {
    const { tx, end } = fresh();
    expect(tx.start).toBe(NO_TRANSACTION);
    expect(tx.isMutable(1e15)).toBe(false);
    tx.begin();
    expect(tx.running).toBe(true);
    expect(tx.start).toBe(100);
    expect(tx.isMutable(99)).toBe(false);
    expect(tx.isMutable(100)).toBe(true);
    end.value = 150;
    expect(tx.check()).toEqual([]);
    tx.end();
    expect(tx.running).toBe(false);
    expect(tx.isMutable(120)).toBe(false);
    expect(tx.check()).toEqual([]);
  });

  it('refuses a nested begin and a freeze outside a transaction', () => {
    const { tx } = fresh();
    expect(() => tx.freeze()).toThrow(TransactionError);
    tx.begin();
    expect(() => tx.begin()).toThrow(TransactionError);
  });

  it('raises tx start to the end of the data on freeze, after writing pending counts while their blocks are still mutable', () => {
    const { tx, end } = fresh();
    tx.begin();
    end.value = 180;
    let startDuringFlush = -1;
    tx.deferCounts(() => {
      startDuringFlush = tx.start;
    });
    tx.freeze();
    expect(startDuringFlush).toBe(100);
    expect(tx.start).toBe(180);
    expect(tx.isMutable(170)).toBe(false);
    expect(tx.check()).toEqual([]);
  });

  it('makes every block mutable and never defers counts for a database without history', () => {
    const { tx } = fresh();
    tx.inPlace();
    expect(tx.isMutable(0)).toBe(true);
    expect(tx.defersCounts).toBe(false);
    expect(tx.running).toBe(false);
    expect(tx.check()).toEqual([]);
  });
});

describe('TxState sharing boundaries', () => {
  it('copies every block written before a concat, and linked list blocks before any linked list reshape', () => {
    const { tx, end } = fresh();
    tx.begin();
    end.value = 200;
    tx.markLinkedShared(150);
    expect(tx.linkedMutableFrom()).toBe(200);
    // Other blocks stay mutable after a linked list slice...
    expect(tx.isMutable(120)).toBe(true);
    end.value = 260;
    tx.markItemsShared();
    // ...but not after a concat put item slots in two places.
    expect(tx.isMutable(220)).toBe(false);
    expect(tx.isMutable(260)).toBe(true);
    expect(tx.linkedMutableFrom()).toBe(260);
    expect(tx.check()).toEqual([]);
  });

  it('keeps cursors after a sharing operation, but not those on items of a reshaped list or of a list around it', () => {
    const { tx, end } = fresh();
    tx.begin();
    end.value = 300;
    const outer = stamp();
    tx.stampItem(outer, 120, undefined);
    const inner = stamp();
    tx.stampItem(inner, 200, outer);
    const other = stamp();
    tx.stampItem(other, 250, undefined);
    expect(tx.isStale(inner)).toBe(false);
    tx.markListReshaped(120);
    expect(tx.isStale(inner)).toBe(true);
    expect(tx.isStale(outer)).toBe(true);
    expect(tx.isStale(other)).toBe(false);
    // A cursor taken after the reshape is fine.
    const again = stamp();
    tx.stampItem(again, 120, undefined);
    expect(tx.isStale(again)).toBe(false);
    expect(tx.check()).toEqual([]);
  });

  it('retires an item cursor when its list copied blocks after a boundary moved past it, not before', () => {
    const { tx, end } = fresh();
    tx.begin();
    end.value = 300;
    const item = stamp();
    tx.stampItem(item, 150, undefined);
    // A copy at the cursor's own epoch cannot have left its (then mutable) block behind.
    tx.noteListCopy(150);
    expect(tx.isStale(item)).toBe(false);
    tx.markItemsShared();
    tx.noteListCopy(150);
    expect(tx.isStale(item)).toBe(true);
  });

  it('forgets every stamp at the next begin', () => {
    const { tx, end } = fresh();
    tx.begin();
    end.value = 300;
    tx.markListReshaped(150);
    tx.end();
    end.value = 100;
    tx.begin();
    const item = stamp();
    tx.stampItem(item, 150, undefined);
    expect(item.listStamp).toBe(0);
    expect(tx.check()).toEqual([]);
  });
});

describe('TxState.checkWritable', () => {
  it('refuses cursors of an ended transaction, and slots a freeze left below tx start except the root slot', () => {
    const { tx, end } = fresh();
    tx.begin();
    const generation = tx.generation;
    end.value = 200;
    tx.openRoot(110);
    tx.checkWritable(150, generation);
    tx.freeze();
    expect(() => tx.checkWritable(150, generation)).toThrow(/frozen/);
    tx.checkWritable(110, generation);
    tx.end();
    expect(() => tx.checkWritable(250, generation)).toThrow(/has ended/);
    end.value = 100;
    tx.noteCommitted(100);
    tx.begin();
    expect(() => tx.checkWritable(250, generation)).toThrow(/has ended/);
  });
});

describe('TxState deferred counts', () => {
  it('holds one list\'s counts at a time, writing the previous list\'s before it defers another\'s', () => {
    const { tx } = fresh();
    tx.begin();
    const written: string[] = [];
    const a = (): void => void written.push('a');
    const b = (): void => void written.push('b');
    tx.deferCounts(a);
    tx.deferCounts(a);
    expect(written).toEqual([]);
    tx.deferCounts(b);
    expect(written).toEqual(['a']);
    expect(tx.isPending(b)).toBe(true);
    tx.flushPending();
    tx.flushPending();
    expect(written).toEqual(['a', 'b']);
  });

  it('drops pending counts at the end of the transaction (an abort cuts their bytes)', () => {
    const { tx } = fresh();
    tx.begin();
    const written: string[] = [];
    tx.deferCounts(() => void written.push('a'));
    tx.end();
    tx.flushPending();
    expect(written).toEqual([]);
  });
});

describe('TxState.check', () => {
  it('finds tx start past the end of the data (the data was cut under a running transaction)', () => {
    const { tx, end } = fresh();
    tx.begin();
    end.value = 50;
    expect(tx.check().join('\n')).toMatch(/tx start 100 lies outside/);
  });

  it('finds a root slot outside the transaction\'s data, and one left set after the end', () => {
    const { tx, end } = fresh();
    tx.begin();
    end.value = 200;
    tx.openRoot(40);
    expect(tx.check().join('\n')).toMatch(/root slot 40/);
    tx.openRoot(150);
    expect(tx.check()).toEqual([]);
    tx.end();
    tx.openRoot(150);
    expect(tx.check().join('\n')).toMatch(/no transaction runs but the root slot/);
  });

  it('finds a sharing boundary below the transaction\'s data', () => {
    const { tx, end } = fresh();
    tx.begin();
    end.value = 50;
    tx.markItemsShared();
    end.value = 200;
    expect(tx.check().join('\n')).toMatch(/items shared before 50/);
  });

  it('finds a stamped list whose record lies past the end of the data', () => {
    const { tx } = fresh();
    tx.begin();
    tx.markListReshaped(500);
    tx.noteListCopy(600);
    const problems = tx.check().join('\n');
    expect(problems).toMatch(/stamped list's record 500/);
    expect(problems).toMatch(/copied list's record 600/);
  });

  it('finds a committed size past the end of the data', () => {
    const { tx } = fresh();
    tx.noteCommitted(400);
    expect(tx.check().join('\n')).toMatch(/committed size 400/);
  });
});

describe('TxState driven by an engine', () => {
  it('stays sound through appends, reshapes, concats, freezes, commits, aborts and a history slice', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, durability: 'flush' });
    const tx = engine.io.tx;
    expect(tx.check()).toEqual([]);
    engine.transact((root) => {
      const map = root.hashMap();
      const array = map.put('array').arrayList();
      for (let i = 0; i < 40; i++) array.append().writeUint(i);
      const linked = map.put('linked').linkedArrayList();
      for (let i = 0; i < 40; i++) linked.appendSlot(uintSlot(i));
      expect(tx.check()).toEqual([]);
      array.slice(10);
      linked.slice(5, 20); // 20 items from index 5
      const other = map.put('other').linkedArrayList();
      other.appendSlot(uintSlot(7));
      linked.concat(map.read().get('other')!);
      expect(tx.check()).toEqual([]);
      map.put('clone').writeSlot(map.read().get('array')!.slot);
      engine.freeze();
      expect(tx.check()).toEqual([]);
      // The freeze retired the cursors taken before it, except the root's.
      expect(() => linked.appendSlot(uintSlot(1))).toThrow(TransactionError);
      root.hashMap().put('linked').linkedArrayList().appendSlot(uintSlot(1));
      expect(tx.check()).toEqual([]);
    });
    expect(tx.check()).toEqual([]);
    expect(() =>
      engine.transact((root) => {
        root.hashMap().put('linked').linkedArrayList().appendSlot(uintSlot(2));
        expect(tx.check()).toEqual([]);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(tx.check()).toEqual([]);
    engine.sliceHistory(1);
    expect(tx.check()).toEqual([]);
    expect(engine.moment(-1).asHashMap().get('linked')!.asLinkedArrayList().count()).toBe(22);
  });

  it('is in place for a database without history', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, history: false });
    const list = engine.writableRootMap().hashMap().put('l').linkedArrayList();
    for (let i = 0; i < 20; i++) list.appendSlot(uintSlot(i));
    expect(engine.io.tx.defersCounts).toBe(false);
    expect(engine.io.tx.check()).toEqual([]);
  });
});

describe('TxState invariants', () => {
  it('stops at an end without a begin with InvariantError, before the generation flips', () => {
    const { tx } = fresh();
    const generation = tx.generation;
    expect(() => tx.end()).toThrow(InvariantError);
    expect(tx.generation).toBe(generation);
    expect(() => tx.end()).toThrow(/stratadb bug, an invariant does not hold: end\(\) follows begin\(\)/);
    tx.begin();
    tx.openRoot(100);
    tx.end();
    expect(tx.check()).toEqual([]);
  });
});

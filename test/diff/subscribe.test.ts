// db.subscribe and db.watch within one process: listeners hear of every
// commit (and undo, revert, slice, refresh) with the changes under their path.

import { describe, expect, it } from 'vitest';
import { open, type CommitEvent } from '../../src/index.js';
import { plainChange } from './support.js';

function recorder(): { events: Array<{ moment: number; changes: unknown[] }>; listener: (event: CommitEvent) => void } {
  const events: Array<{ moment: number; changes: unknown[] }> = [];
  return { events, listener: (event) => events.push({ moment: event.moment, changes: event.changes.map(plainChange) }) };
}

describe('Database.subscribe', () => {
  it('calls the listener after each commit with its moment and changes, until unsubscribed', async () => {
    const db = await open();
    const { events, listener } = recorder();
    const unsubscribe = db.subscribe(listener);
    db.set(['a'], 1);
    db.transact((tx) => {
      tx.set(['a'], 2);
      tx.set(['b'], 'x');
    });
    unsubscribe();
    db.set(['a'], 3);
    expect(events).toEqual([
      { moment: 0, changes: [{ path: ['a'], type: 'add', before: undefined, after: 1 }] },
      {
        moment: 1,
        changes: expect.arrayContaining([
          { path: ['a'], type: 'change', before: 1, after: 2 },
          { path: ['b'], type: 'add', before: undefined, after: 'x' },
        ]),
      },
    ]);
  });

  it('tells a listener only of changes under its path, and not of commits that change nothing there', async () => {
    const db = await open();
    const { events, listener } = recorder();
    db.subscribe(listener, { path: ['users'] });
    db.set(['other'], 1);
    db.set(['users', 'alice'], { visits: 1 });
    db.set(['other'], 2);
    db.set(['users', 'alice', 'visits'], 2);
    expect(events).toEqual([
      { moment: 1, changes: [{ path: ['users'], type: 'add', before: undefined, after: { alice: { visits: 1 } } }] },
      { moment: 3, changes: [{ path: ['users', 'alice', 'visits'], type: 'change', before: 1, after: 2 }] },
    ]);
  });

  it('reports undo, revert and a sliced history', async () => {
    const db = await open();
    db.set(['n'], 1);
    db.set(['n'], 2);
    const { events, listener } = recorder();
    db.subscribe(listener);
    db.undo();
    db.revert(1);
    db.sliceHistory(2);
    expect(events).toEqual([
      { moment: 2, changes: [{ path: ['n'], type: 'change', before: 2, after: 1 }] },
      { moment: 3, changes: [{ path: ['n'], type: 'change', before: 1, after: 2 }] },
    ]);
    // The slice left moment 1 (n = 2) as the latest, which the listener last saw as n = 2: nothing changed.
    db.set(['n'], 5);
    expect(events[2]).toEqual({ moment: 2, changes: [{ path: ['n'], type: 'change', before: 2, after: 5 }] });
  });

  it('delivers a moment a listener commits after the current one, in order', async () => {
    const db = await open();
    const seen: number[] = [];
    db.subscribe(({ moment }) => {
      seen.push(moment);
      if (moment === 0) db.set(['echo'], true);
    });
    db.set(['a'], 1);
    expect(seen).toEqual([0, 1]);
  });

  it('hands a listener error to onError, and the commit stands', async () => {
    const db = await open();
    const errors: unknown[] = [];
    db.subscribe(
      () => {
        throw new Error('listener failed');
      },
      { onError: (error) => errors.push(error) },
    );
    db.set(['a'], 1);
    expect(db.get(['a'])).toBe(1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('listener failed');
  });
});

describe('Database.watch', () => {
  it('yields each change with its moment, and unsubscribes when the loop ends', async () => {
    const db = await open();
    const iterator = db.watch(['list']);
    db.set(['list'], [1]);
    db.push(['list'], 2);
    const taken: unknown[] = [];
    for await (const change of iterator) {
      taken.push({ moment: change.moment, ...plainChange(change) });
      if (taken.length === 2) break;
    }
    expect(taken).toEqual([
      { moment: 0, path: ['list'], type: 'add', before: undefined, after: [1] },
      { moment: 1, path: ['list', 1], type: 'add', before: undefined, after: 2 },
    ]);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('waits for the next commit when no change is queued', async () => {
    const db = await open();
    const iterator = db.watch();
    const next = iterator.next();
    db.set(['late'], 'yes');
    const result = await next;
    expect(result.done).toBe(false);
    expect(plainChange(result.value)).toEqual({ path: ['late'], type: 'add', before: undefined, after: 'yes' });
    await iterator.return?.();
  });

  it('ends the loop when the database closes', async () => {
    const db = await open();
    const iterator = db.watch();
    const next = iterator.next();
    db.close();
    expect(await next).toEqual({ value: undefined, done: true });
  });
});

// A memory database written and read in the page's main thread, with history,
// then its bytes reopened read-only in place.

import * as stratadb from '/stratadb.js';
import { report, xx16Engine, xx16OfFoo } from './report.js';

report(async () => {
  const db = await stratadb.open();
  db.transact((tx) => {
    tx.set(['title'], 'browser');
    tx.set(['todos'], ['one', 'two']);
    tx.set(['users', 'alice'], { name: 'Alice', visits: 0 });
  });
  for (let i = 0; i < 500; i++) db.set(['numbers', `n${i}`], i * 3);
  db.update(['users', 'alice', 'visits'], (n) => (n ?? 0) + 1);
  db.push(['todos'], 'three');
  db.set(['blob'], new Uint8Array([1, 2, 3, 250]));
  db.set(['big'], 2n ** 100n);

  const reopened = await stratadb.open(db.bytes());
  return {
    engine: await xx16Engine(stratadb),
    foo: await xx16OfFoo(stratadb),
    title: db.get(['title']),
    todos: db.get(['todos']).toJS(),
    alice: db.get(['users', 'alice']).toJS(),
    n499: db.get(['numbers', 'n499']),
    blob: Array.from(db.get(['blob'])),
    big: String(db.get(['big'])),
    firstMomentTitle: db.snapshot(0).get(['title']),
    firstMomentNumbers: db.snapshot(0).get(['numbers']) === undefined,
    momentCount: db.momentCount,
    reopenedN250: reopened.get(['numbers', 'n250']),
    reopenedTodos: reopened.get(['todos']).toJS(),
  };
});

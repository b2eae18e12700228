// Quick start: create a database file, commit a few moments, read an old one,
// undo the last change. Run with `npm run demo`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type Database, type ListView } from '../src/node.js';

interface Todo {
  title: string;
  todos: string[];
  done: Set<string>;
}

const folder = mkdtempSync(join(tmpdir(), 'stratadb-demo-'));
const path = join(folder, 'todo.xit');

function show(db: Database<Todo>, label: string, moment: number): void {
  const snapshot = db.snapshot(moment);
  const todos = (snapshot.get(['todos']) as ListView<string> | undefined)?.toJS() ?? [];
  const done = snapshot.get(['done'])?.size ?? 0;
  console.log(`${label.padEnd(24)} title=${JSON.stringify(snapshot.get(['title']))} todos=${JSON.stringify(todos)} done=${done}`);
}

try {
  const db = await open<Todo>(path);

  // Each transaction appends one moment to the history, atomically.
  db.transact((tx) => {
    tx.set(['title'], 'My todo list');
    tx.set(['todos'], ['Pay the bills', 'Wash the car']);
    tx.set(['done'], new Set<string>());
  });
  db.transact((tx) => {
    tx.push(['todos'], 'Get an oil change');
    tx.update(['done'], () => new Set(['Pay the bills']));
  });
  db.set(['title'], 'Oops, renamed by mistake'); // a one-shot transaction

  console.log(`database: ${path}`);
  console.log(`moments after three transactions: ${db.momentCount}`);
  show(db, 'moment 0 (the first):', 0);
  show(db, 'moment -1 (the latest):', -1);

  // Undo appends a copy of the moment before the last one: history is never rewritten.
  db.undo();
  console.log(`after undo, moments: ${db.momentCount}`);
  show(db, 'latest after undo:', -1);
  db.close();

  // Reopen the file: every moment is still there.
  const reopened = await open<Todo>(path, { readOnly: true });
  console.log(`reopened read-only: ${reopened.momentCount} moments, ${reopened.engine.committedSize} bytes committed`);
  show(reopened, 'moment 2 (before undo):', 2);
  reopened.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}

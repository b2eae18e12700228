// Quick start: create a database file, commit a few moments, read an old one,
// undo the last change. Run with `npm run demo`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFile, type Engine } from '../src/node.js';

const folder = mkdtempSync(join(tmpdir(), 'stratadb-demo-'));
const path = join(folder, 'todo.xit');

try {
  const db = await openFile(path);

  // Each transact() appends one moment to the history and commits it atomically.
  db.transact((root) => {
    const app = root.hashMap();
    app.put('title').writeString('My todo list');
    const todos = app.put('todos').arrayList();
    todos.append().writeString('Pay the bills');
    todos.append().writeString('Wash the car');
  });

  db.transact((root) => {
    const todos = root.hashMap().put('todos').arrayList();
    todos.append().writeString('Get an oil change');
    root.hashMap().put('done').countedHashSet().add('Pay the bills');
  });

  db.transact((root) => {
    root.hashMap().put('title').writeString('Oops, renamed by mistake');
  });

  const show = (engine: Engine, label: string, moment: number): void => {
    const app = engine.moment(moment).asHashMap();
    const todos = [...(app.get('todos')?.asArrayList() ?? [])].map((item) => item.readString());
    const done = app.get('done')?.count() ?? 0;
    console.log(`${label.padEnd(22)} title=${JSON.stringify(app.get('title')?.readString())} todos=${JSON.stringify(todos)} done=${done}`);
  };

  console.log(`database: ${path}`);
  console.log(`moments after three transactions: ${db.momentCount()}`);
  show(db, 'moment 0 (the first):', 0);
  show(db, 'moment -1 (the latest):', -1);

  // Undo appends a copy of the moment before the last one: history is never rewritten.
  db.undo();
  console.log(`after undo, moments: ${db.momentCount()}`);
  show(db, 'latest after undo:', -1);
  db.close();

  // Reopen the file: every moment is still there.
  const reopened = await openFile(path, { readOnly: true });
  console.log(`reopened read-only: ${reopened.momentCount()} moments, ${reopened.committedSize} bytes committed`);
  show(reopened, 'moment 2 (before undo):', 2);
  reopened.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}

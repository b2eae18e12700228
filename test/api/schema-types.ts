// Compile-time checks of open<Schema>(): `npm test` type-checks this file with
// the other tests (tsc -p tsconfig.test.json), and test/api/schema-types.test.ts
// checks that it still does. Each line under an expect-error directive must fail
// to compile (an unused one is error TS2578); every other line must compile.

import { open, type ListView, type MapView } from '../../src/index.js';

interface Schema {
  users: Record<string, { name: string; age: number; tags: string[] }>;
  settings: { theme: 'light' | 'dark'; fontSize: number };
  log: string[];
}

export async function schemaChecks(): Promise<void> {
  const db = await open<Schema>();
  db.set(['settings', 'theme'], 'dark');
  db.set(['settings', 'fontSize'], 14);
  db.set(['users', 'alice'], { name: 'Alice', age: 30, tags: [] });
  db.set(['users', 'alice', 'tags', 0], 'admin');
  db.push(['log'], 'started');

  const theme: 'light' | 'dark' | undefined = db.get(['settings', 'theme']);
  const size: number | undefined = db.get(['settings', 'fontSize']);
  const tags: ListView<string> | undefined = db.get(['users', 'alice', 'tags']);
  const user: MapView | undefined = db.get(['users', 'alice']);
  void [theme, size, tags, user];

  // @ts-expect-error: 'blue' is not a theme
  db.set(['settings', 'theme'], 'blue');
  // @ts-expect-error: fontSize is a number
  db.set(['settings', 'fontSize'], 'large');
  // @ts-expect-error: there is no such setting
  db.set(['settings', 'colour'], 'red');
  // @ts-expect-error: a list is indexed by numbers
  db.get(['log', 'first']);
  // @ts-expect-error: the name is a string, not a number
  const wrong: number | undefined = db.get(['users', 'alice', 'name']);
  void wrong;

  // An untyped database takes any path.
  const any = await open();
  any.set(['anything', 0, 'goes'], 1);
}

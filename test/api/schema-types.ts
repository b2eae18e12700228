// Compile-time checks of open<Schema>(): `npm test` type-checks this file with
// the other tests (tsc -p tsconfig.test.json), and test/api/schema-types.test.ts
// checks that it still does. Each line under an expect-error directive must fail
// to compile (an unused one is error TS2578); every other line must compile.

import { open, linkedList, sortedMap, sortedSet, type ListView, type MapView, type SetView, type LinkedListValue, type SortedMap, type SortedSet, type SortedMapView, type SortedSetView } from '../../src/index.js';

/** True when A and B are the same type (not merely assignable): `true satisfies Equal<A, B>` compiles only then. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

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
  any.push(['anything'], 1, 'two', { three: 3 });
  any.delete(['anything', 0]);
  const anyValue = any.get(['x']);
  const anyJS: unknown = any.snapshot().toJS();
  void [anyValue, anyJS];
}

interface User {
  name: string;
  age: number;
  email?: string;
  tags: Set<string>;
  scores: Map<number, { points: number; at: Date }>;
  friends: string[];
  history: LinkedListValue<{ event: string }>;
}

interface App {
  users: Record<string, User>;
  byId: Map<number, User>;
  flags: Set<'beta' | 'admin'>;
  log: string[];
  title: string;
}

/** Reads follow the schema: typed views, per-field types, and toJS in the schema's form. */
export async function readChecks(id: string): Promise<void> {
  const db = await open<App>();

  // A stored object keeps each field's own type.
  const user = db.get(['users', id]);
  if (user !== undefined) {
    const name: string | undefined = user.get('name');
    const age: number | undefined = user.get('age');
    const email: string | undefined = user.get('email');
    const tags: SetView<string> | undefined = user.get('tags');
    const friends: ListView<string> | undefined = user.get('friends');
    true satisfies Equal<typeof name, string | undefined>;
    true satisfies Equal<ReturnType<typeof user.get<'age'>>, number | undefined>;
    // @ts-expect-error: the age is a number, not a union of every field's type
    const notAString: string | undefined = user.get('age');
    // @ts-expect-error: users have no such field
    user.get('nickname');
    void [name, age, email, tags, friends, notAString];

    // toJS gives the schema's type: a Set stays a Set, a Map a Map, a linked list an array.
    const plain = user.toJS();
    const plainName: string = plain.name;
    const plainTags: Set<string> = plain.tags;
    const plainScores: Map<number, { points: number; at: Date }> = plain.scores;
    const plainHistory: Array<{ event: string }> = plain.history;
    const plainEmail: string | undefined = plain.email;
    // @ts-expect-error: toJS is not unknown any more: the age is a number
    const wrongAge: string = plain.age;
    void [plainName, plainTags, plainScores, plainHistory, plainEmail, wrongAge];

    // A view is still a MapView: it goes where one is expected.
    const asMap: MapView = user;
    void asMap;
  }

  // Deeper paths, through a Map with number keys and a list.
  const points: number | undefined = db.get(['users', id, 'scores', 7, 'points']);
  const when: Date | undefined = db.get(['users', id, 'scores', 7, 'at']);
  const firstFriend: string | undefined = db.get(['users', id, 'friends', 0]);
  const event: string | undefined = db.get(['users', id, 'history', -1, 'event']);
  const byId = db.get(['byId', 42, 'name']);
  true satisfies Equal<typeof byId, string | undefined>;
  void [points, when, firstFriend, event];

  // A Map of number keys reads as a MapView with number keys; its toJS is a Map.
  const scores = db.get(['users', id, 'scores']);
  const scoreMap: Map<number, { points: number; at: Date }> | undefined = scores?.toJS();
  const score7 = scores?.get(7);
  const score7Points: number | undefined = score7?.get('points');
  void [scoreMap, score7Points];
  // @ts-expect-error: the scores Map has number keys
  db.get(['users', id, 'scores', 'seven']);
  // @ts-expect-error: and its values have no such field
  db.get(['users', id, 'scores', 7, 'rank']);

  // Lists read as typed list views whose toJS is an array of the schema's type.
  const log = db.get(['log']);
  const logItems: string[] | undefined = log?.toJS();
  const logFirst: string | undefined = log?.get(0);
  void [logItems, logFirst];

  // The whole moment in the schema's form.
  const whole = db.snapshot().toJS();
  const title: string = whole.title;
  const flags: Set<'beta' | 'admin'> = whole.flags;
  const everyone: Record<string, { name: string }> = whole.users;
  void [title, flags, everyone];
}

/** Sets and Maps are addressed by their members and keys; push checks its path and items. */
export async function structureChecks(id: string): Promise<void> {
  const db = await open<App>();

  // A Set member is the last step of a delete.
  db.delete(['flags', 'beta']);
  db.delete(['users', id, 'tags', 'home']);
  // @ts-expect-error: 'root' is not a flag
  db.delete(['flags', 'root']);
  // @ts-expect-error: a Set's members are not paths to read through ('size' is not a stored key)
  db.get(['users', id, 'tags', 'size']);
  // @ts-expect-error: nor to write through
  db.set(['flags', 'beta'], true);
  // The Set itself is read, written and deleted as a whole.
  const flagView: SetView<'beta' | 'admin'> | undefined = db.get(['flags']);
  db.set(['flags'], new Set(['admin'] as const));
  db.delete(['flags']);
  void flagView;

  // Map keys of their own type: numbers here, for reads, writes and deletes.
  db.set(['byId', 1], { name: 'A', age: 1, tags: new Set(), scores: new Map(), friends: [], history: linkedList([]) });
  db.set(['byId', 1, 'age'], 2);
  db.delete(['byId', 1]);
  db.delete(['users', id, 'scores', 3]);
  // @ts-expect-error: byId has number keys
  db.set(['byId', 'one', 'age'], 2);
  // @ts-expect-error: a score's points are a number
  db.set(['users', id, 'scores', 3, 'points'], 'many');

  // push: to a list only, with items of its type.
  db.push(['log'], 'a', 'b');
  db.push(['users', id, 'friends'], 'bob');
  db.push(['users', id, 'history'], { event: 'joined' });
  db.transact((tx) => tx.push(['log'], 'in a transaction'));
  // @ts-expect-error: the log holds strings
  db.push(['log'], 42);
  // @ts-expect-error: a history item has an event
  db.push(['users', id, 'history'], { what: 'joined' });
  // @ts-expect-error: the title is not a list
  db.push(['title'], 'x');
  // @ts-expect-error: nor are the users
  db.push(['users'], 'x');
  // @ts-expect-error: there is no such list
  db.push(['logs'], 'x');
  // @ts-expect-error: nor in a transaction
  db.transact((tx) => tx.push(['title'], 'x'));
}

/** Sorted maps and sets in a schema: keys of their own type in paths, bounds and reads; views and range items typed. */
export async function sortedChecks(): Promise<void> {
  interface Sorted {
    scores: SortedMap<number, { player: string; points: number }>;
    index: SortedSet<[number, string]>;
    names: SortedMap<string, string>;
  }
  const db = await open<Sorted>();
  db.set(['scores'], sortedMap([[10, { player: 'a', points: 1 }]]));
  db.set(['scores', 20], { player: 'b', points: 2 });
  db.set(['scores', 20, 'points'], 3);
  db.set(['index'], sortedSet<[number, string]>([[30, 'x']]));
  db.delete(['index', [30, 'x']]);
  db.delete(['scores', 20]);
  db.add(['index'], [31, 'y']);

  const view: SortedMapView<number, MapView, Map<number, { player: string; points: number }>> | undefined = db.get(['scores']) as never;
  const scores = db.get(['scores']);
  const first: [number, unknown] | undefined = scores?.first();
  const points: number | undefined = db.get(['scores', 10, 'points']);
  const js: Map<number, { player: string; points: number }> | undefined = scores?.toJS();
  const members: SortedSetView<[number, string]> | undefined = db.get(['index']);
  for (const [score, entry] of db.range(['scores'], { gte: 5, lt: 50, reverse: true, limit: 2 })) {
    true satisfies Equal<typeof score, number>;
    const player: string | undefined = entry.get('player');
    void player;
  }
  for (const member of db.range(['index'], { prefix: [30] })) true satisfies Equal<typeof member, [number, string]>;
  // A tuple key is bounded by a shorter tuple too.
  void [...db.range(['index'], { gte: [30], lt: [40] })];
  void [view, first, points, js, members];

  // @ts-expect-error: the scores map has number keys
  db.set(['scores', 'ten'], { player: 'c', points: 4 });
  // @ts-expect-error: a score's points are a number
  db.set(['scores', 10, 'points'], 'many');
  // @ts-expect-error: a range bound has the map's key type
  db.range(['scores'], { gte: 'a' });
  // @ts-expect-error: a sorted set's members are not paths to read through
  db.get(['index', [30, 'x']]);
  // @ts-expect-error: a sortedMap's keys have an ordered form; an object has none
  sortedMap([[{}, 1]]);
  // @ts-expect-error: nor does undefined, in a set
  sortedSet([undefined]);
  // @ts-expect-error: the names map holds strings
  db.set(['names', 'a'], 1);
}

/** A schema that refers to itself: checked by StorableSchema without running away. */
interface TreeNode {
  label: string;
  children: TreeNode[];
  meta?: { created: Date; by: string | null };
}

class Account {
  constructor(readonly id: string) {}
  display(): string {
    return this.id;
  }
}

// open<Schema>() refuses, at compile time, a schema the runtime would refuse to store.
export async function storableSchemaChecks(): Promise<void> {
  const tree = await open<{ root: TreeNode; byId: Map<string, TreeNode>; seen: Set<bigint>; raw: Uint8Array; loose: unknown; free: any }>();
  tree.set(['root'], { label: 'top', children: [] });
  // An optional property that says | undefined (as exactOptionalPropertyTypes asks), at any depth:
  // an object's undefined properties are left out when stored.
  const optional = await open<{ a?: string | undefined; b?: { c?: number | undefined }; m: Map<string, { d?: Date | undefined }>; l: Array<{ e?: string | undefined }> }>();
  optional.set(['a'], 'x');
  const keyed = await open<{ byDate: Map<Date, string>; byBytes: Map<Uint8Array, number>; flags: Set<boolean | null>; pair: [number, string] }>();
  void keyed;

  // @ts-expect-error: a function cannot be stored
  await open<{ settings: { theme: string; onChange: (theme: string) => void } }>();
  // @ts-expect-error: nor a class (a function), even one whose type has no static members
  await open<{ make: new () => { a: number } }>();
  // @ts-expect-error: nor a symbol
  await open<{ id: symbol }>();
  // @ts-expect-error: nor undefined where a value is required (optional properties are fine)
  await open<{ nickname: string | undefined }>();
  // @ts-expect-error: a Map's keys are stored as keys: objects have no key form
  await open<{ owners: Map<{ id: number }, string> }>();
  // @ts-expect-error: nor do a Set's members
  await open<{ points: Set<{ x: number; y: number }> }>();
  // @ts-expect-error: a RegExp has no mapping
  await open<{ pattern: RegExp }>();
  // @ts-expect-error: nor has a class instance with methods
  await open<{ account: Account }>();
  // @ts-expect-error: however deep it sits
  await open<{ a: { b: Array<{ c: Map<string, { run: () => void }> }> } }>();
}

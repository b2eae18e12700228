// Recognizes immutable.js collections without importing immutable.js, so that
// the value API accepts them as input while immutable.js stays an optional
// peer dependency (FORMAT.md §Values maps them as Map, array and Set).
//
// immutable.js marks its collections with string-keyed properties, and its own
// isMap, isList, ... read exactly these. Strings, not Symbols, so that two
// copies of the library recognize each other's values: the markers have been the
// same since immutable 3 and are how immutable itself tells its kinds apart.
// Reading them here works whichever copy or version made the value, needs no
// registration (which a bundler with `sideEffects: false` could drop), and
// costs a property read only for objects that are no array, Map, Set or view.

const ITERABLE = '@@__IMMUTABLE_ITERABLE__@@';
const RECORD = '@@__IMMUTABLE_RECORD__@@';
const MAP = '@@__IMMUTABLE_MAP__@@';
const SET = '@@__IMMUTABLE_SET__@@';
const LIST = '@@__IMMUTABLE_LIST__@@';
const STACK = '@@__IMMUTABLE_STACK__@@';

function marked(object: object, marker: string): boolean {
  return Boolean((object as Record<string, unknown>)[marker]);
}

/** What an immutable.js value is stored as: `'map'` (Map, OrderedMap), `'set'` (Set, OrderedSet), `'list'` (List, Stack), `'other'` (Seq, Record, ...), or undefined for a value that is not immutable.js's. */
export function immutableKind(object: object): 'map' | 'set' | 'list' | 'other' | undefined {
  if (!marked(object, ITERABLE) && !marked(object, RECORD)) return undefined;
  if (marked(object, MAP)) return 'map';
  if (marked(object, SET)) return 'set';
  if (marked(object, LIST) || marked(object, STACK)) return 'list';
  return 'other';
}

// The immutable.js entry point, 'stratadb/immutable': deep immutable.js copies
// of what a database stores. The only module that imports immutable.js, an
// optional peer dependency; the value API accepts immutable.js collections as
// input without it (api/immutable-markers.ts).

import { List, Map, OrderedMap, OrderedSet, Set } from 'immutable';
import { Tag } from './format/tags.js';
import { isMapTag, isStructureView, materialize, type Builder, type ListView, type MapView, type SetView, type Value } from './api/views.js';
import type { SortedMapView, SortedSetView } from './api/sorted-views.js';

/** toImmutable: immutable.js Map, List and Set (OrderedMap and OrderedSet for sorted ones, in key order), built through their mutable forms. */
const IMMUTABLE_BUILDER: Builder = {
  // Here and in `set`, statements, not one conditional expression: the type of
  // `a ? b : c` is the subtype-reduced union of its branches, and relating
  // immutable.js's collections to each other took 3.4 of the 11 s that
  // `tsc -p tsconfig.test.json` spent checking (its --generateTrace).
  open: (tag): unknown => {
    if (tag === Tag.SORTED_MAP) return OrderedMap<unknown, unknown>().asMutable();
    if (isMapTag(tag)) return Map<unknown, unknown>().asMutable();
    return List<unknown>().asMutable();
  },
  put: (container, tag, key, value) => {
    if (isMapTag(tag)) (container as Map<unknown, unknown>).set(key, value);
    else (container as List<unknown>).set(key as number, value);
  },
  close: (container) => (container as Map<unknown, unknown> | List<unknown>).asImmutable(),
  set: (members, tag): unknown => {
    if (tag === Tag.SORTED_SET) return OrderedSet(members);
    return Set(members);
  },
};

/**
 * A deep immutable.js copy of a value read from a database: a map view gives
 * an immutable.js Map (all the way down), a list view a List, a set view a Set,
 * and a sorted map or set view an OrderedMap or OrderedSet in key order;
 * scalars come back as they are. O(distinct structures + entries): a structure
 * stored in several places comes back as one immutable.js value, as for
 * `toJS`. No depth limit (the walk uses no recursion).
 *
 * @param value - a value from `get`, `snapshot().get` or a view (undefined comes back as it is)
 * @throws CorruptDatabaseError when a structure contains itself (only damaged or hostile data can)
 * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
 *
 * @example
 * ```ts
 * import { open } from 'stratadb';
 * import { toImmutable } from 'stratadb/immutable';
 * const db = await open();
 * db.set(['users'], { alice: { visits: 1 } });
 * toImmutable(db.get(['users'])).getIn(['alice', 'visits']); // 1
 * ```
 */
export function toImmutable<K, V, J>(value: SortedMapView<K, V, J>): OrderedMap<K, unknown>;
export function toImmutable<T>(value: SortedSetView<T>): OrderedSet<T>;
export function toImmutable<K, V>(value: MapView<K, V>): Map<K, unknown>;
export function toImmutable<T>(value: SetView<T>): Set<T>;
export function toImmutable<T>(value: ListView<T>): List<unknown>;
export function toImmutable(value: Value | undefined): unknown;
export function toImmutable(value: Value | undefined): unknown {
  return isStructureView(value) ? materialize(value, IMMUTABLE_BUILDER) : value;
}

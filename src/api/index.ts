// The JS-value API (browser-safe): re-exports only.

export { open, Database, Transaction, Snapshot, type OpenOptions } from './database.js';
export { MapView, SetView, ListView, SortedMapView, SortedSetView, toJS, type Value, type ViewGuard } from './views.js';
export { linkedList, LinkedListValue } from './values.js';
export { sortedMap, sortedSet, SortedMapValue, SortedSetValue, type OrderedKey } from './sorted-values.js';
export type { RangeOptions, RangeBound } from './sorted-range.js';
export { UnsupportedValueError, formatPath } from './errors.js';
export { diff, type Change, type ChangeType, type DiffOptions, type DiffStats, type Diffable, type HasCursor } from './diff.js';
export type { CommitEvent, ChangeListener, SubscribeOptions } from './feed.js';
export type { WatchedChange } from './watch.js';
export type { CompactOptions, CompactResult, KeepPolicy, KeepLast, KeepSince, KeepThin, MomentFacts, ThinningRule } from './compact.js';
export type { PathOf, DeletePathOf, TypeAt, Stored, JSOf, ObjectView, ItemOf, ListTarget, NotAList, PathStep, AnyPath, Scalar, Depth, SortedMap, SortedSet, RangeItem, RangeKey, Storable, StorableSchema, StorableProperty, NotStorable, KeyScalar } from './types.js';

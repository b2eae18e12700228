// Compile-time typing of paths and values for `open<Schema>()`: a path is a
// tuple of keys and indexes into the schema, and reading it gives the stored
// form of the type found there (scalars as themselves, structures as views
// whose `get` and `toJS` keep the schema's types). Types only: nothing here
// exists at run time.

import type { LinkedListValue } from './values.js';
import type { OrderedKey, SortedMapValue, SortedSetValue } from './sorted-values.js';
import type { ListView, MapView, SetView, SortedMapView, SortedSetView, Value } from './views.js';

/**
 * The schema type of a sorted map (what `sortedMap(entries)` makes): keys of
 * type `K` in their natural order, values of type `V`. In `open<Schema>()`,
 * paths through it take a `K`, and reading it gives a `SortedMapView`.
 *
 * @example
 * ```ts
 * const db = await open<{ scores: SortedMap<number, string> }>();
 * ```
 */
export type SortedMap<K extends OrderedKey, V> = SortedMapValue<K, V>;

/** The schema type of a sorted set (what `sortedSet(items)` makes): members of type `K` in order. */
export type SortedSet<K extends OrderedKey> = SortedSetValue<K>;

/**
 * What `range` yields at a value of schema type `T`: `[key, value]` pairs for
 * a sorted map, members for a sorted set; anything for an untyped database.
 */
export type RangeItem<T> = 0 extends 1 & T
  ? unknown
  : T extends SortedMapValue<infer K, infer V>
    ? [K, Stored<V>]
    : T extends SortedSetValue<infer K>
      ? K
      : unknown;

/** The keys a `range` over a value of schema type `T` takes in its bounds. */
export type RangeKey<T> = 0 extends 1 & T ? unknown : T extends SortedMapValue<infer K, unknown> ? K : T extends SortedSetValue<infer K> ? K : unknown;

/** One step of a path: a map key, or a list index (negative from the end). */
export type PathStep = string | number;

/** A path into a database of unknown shape. */
export type AnyPath = readonly PathStep[];

/** The JS values stored as a single slot rather than a structure. */
export type Scalar = string | number | bigint | boolean | null | Uint8Array | Date;
/** Counts path depth down for {@link PathOf}: `Depth[8]` is 7, ..., `Depth[1]` is never. */
export type Depth = [never, 0, 1, 2, 3, 4, 5, 6, 7];

/**
 * Every path into a value of type `S`, up to 8 steps deep (beyond that, any
 * path is accepted). For `any`, any path. A list takes an index, a Map its
 * keys (of any key type), an object its property names; a Set is a path's end
 * (its members are named only by {@link DeletePathOf}).
 */
export type PathOf<S, D extends number = 8> = 0 extends 1 & S
  ? AnyPath
  : [D] extends [never]
    ? AnyPath
    : S extends Scalar
      ? readonly []
      : S extends readonly (infer E)[]
        ? readonly [] | readonly [number, ...PathOf<E, Depth[D]>]
        : S extends LinkedListValue<infer E>
          ? readonly [] | readonly [number, ...PathOf<E, Depth[D]>]
          : S extends SortedMapValue<infer K, infer V>
            ? readonly [] | readonly [K, ...PathOf<V, Depth[D]>]
          : S extends SortedSetValue<OrderedKey>
            ? readonly []
          : S extends ReadonlyMap<infer K, infer V>
            ? readonly [] | readonly [K, ...PathOf<V, Depth[D]>]
            : S extends ReadonlySet<unknown>
              ? readonly []
              : S extends object
                ? readonly [] | { [K in keyof S & string]-?: readonly [K, ...PathOf<NonNullable<S[K]>, Depth[D]>] }[keyof S & string]
                : AnyPath;

/**
 * The paths `delete` takes: every {@link PathOf} path, and the paths that end
 * with a member of a Set (`['tags', 'home']` removes `'home'` from the set at
 * `['tags']`).
 */
export type DeletePathOf<S, D extends number = 8> = 0 extends 1 & S
  ? AnyPath
  : [D] extends [never]
    ? AnyPath
    : S extends Scalar
      ? readonly []
      : S extends readonly (infer E)[]
        ? readonly [] | readonly [number, ...DeletePathOf<E, Depth[D]>]
        : S extends LinkedListValue<infer E>
          ? readonly [] | readonly [number, ...DeletePathOf<E, Depth[D]>]
          : S extends SortedMapValue<infer K, infer V>
            ? readonly [] | readonly [K, ...DeletePathOf<V, Depth[D]>]
          : S extends SortedSetValue<infer E>
            ? readonly [] | readonly [E]
          : S extends ReadonlyMap<infer K, infer V>
            ? readonly [] | readonly [K, ...DeletePathOf<V, Depth[D]>]
            : S extends ReadonlySet<infer E>
              ? readonly [] | readonly [E]
              : S extends object
                ? readonly [] | { [K in keyof S & string]-?: readonly [K, ...DeletePathOf<NonNullable<S[K]>, Depth[D]>] }[keyof S & string]
                : AnyPath;

/** The type at path `P` in a value of type `S` (unknown when the path leaves the schema). */
export type TypeAt<S, P> = 0 extends 1 & S
  ? unknown
  : P extends readonly []
    ? S
    : P extends readonly [infer K, ...infer R]
      ? S extends readonly (infer E)[]
        ? TypeAt<E, R>
        : S extends LinkedListValue<infer E>
          ? TypeAt<E, R>
          : S extends SortedMapValue<OrderedKey, infer V>
            ? TypeAt<V, R>
          : S extends SortedSetValue<OrderedKey>
            ? unknown
          : S extends ReadonlyMap<unknown, infer V>
            ? TypeAt<V, R>
            : S extends ReadonlySet<unknown>
              ? unknown
              : K extends keyof S
                ? TypeAt<NonNullable<S[K]>, R>
                : unknown
      : unknown;

/**
 * What `toJS()` gives for a value stored as `T`: objects, arrays (a linked
 * list's too), Maps and Sets, down to the scalars; `unknown` for `any`.
 */
export type JSOf<T> = 0 extends 1 & T
  ? unknown
  : T extends Scalar | undefined
    ? T
    : T extends readonly (infer E)[]
      ? JSOf<E>[]
      : T extends LinkedListValue<infer E>
        ? JSOf<E>[]
        : T extends SortedMapValue<infer K, infer V>
          ? Map<K, JSOf<V>>
        : T extends SortedSetValue<infer K>
          ? Set<K>
        : T extends ReadonlyMap<infer K, infer V>
          ? Map<K, JSOf<V>>
          : T extends ReadonlySet<infer E>
            ? Set<E>
            : T extends object
              ? { [K in keyof T]: JSOf<T[K]> }
              : unknown;

/**
 * A stored object of schema type `T`, read lazily: a {@link MapView} whose
 * `get` gives each property its own type (`view.get('age')` is a number when
 * `T['age']` is) and whose `toJS()` gives `T`'s plain-JS form.
 */
export type ObjectView<T> = {
  /**
   * The value of property `key`: a scalar, or a view of a structure. O(log n).
   *
   * @returns undefined when the property is absent
   */
  get<K extends keyof T & string>(key: K): Stored<T[K]> | undefined;
  /** A deep plain-JS copy: `T`'s plain-JS form. O(distinct structures + entries). */
  toJS(): JSOf<T>;
} & MapView<keyof T & string, Stored<Exclude<T[keyof T], undefined>>, JSOf<T>>;

/** What reading a value of type `T` gives: scalars as themselves, structures as views (an optional property's undefined stays undefined). */
export type Stored<T> = 0 extends 1 & T
  ? Value
  : unknown extends T
    ? Value
    : T extends Scalar | undefined
      ? T
      : T extends readonly (infer E)[]
        ? ListView<Stored<E>, JSOf<E>[]>
        : T extends LinkedListValue<infer E>
          ? ListView<Stored<E>, JSOf<E>[]>
          : T extends SortedMapValue<infer K, infer V>
            ? SortedMapView<K, Stored<V>, Map<K, JSOf<V>>>
          : T extends SortedSetValue<infer K>
            ? SortedSetView<K>
          : T extends ReadonlyMap<infer K, infer V>
            ? MapView<K, Stored<V>, Map<K, JSOf<V>>>
            : T extends ReadonlySet<infer E>
              ? SetView<E>
              : T extends object
                ? ObjectView<T>
                : Value;

/** What `push` appends to a list of type `T`: its items (as values or as views read elsewhere); anything for an untyped database, nothing for a non-list. */
export type ItemOf<T> = 0 extends 1 & T
  ? unknown
  : unknown extends T
    ? unknown
    : T extends readonly (infer E)[]
      ? E | Stored<E>
      : T extends LinkedListValue<infer E>
        ? E | Stored<E>
        : never;

/**
 * What keeps `push` to the paths of lists: `unknown` when `T` is a list (or
 * not known), otherwise a type no path has, whose name is the compiler's
 * message.
 */
export type ListTarget<T> = 0 extends 1 & T ? unknown : unknown extends T ? unknown : [T] extends [readonly unknown[] | LinkedListValue<unknown>] ? unknown : NotAList;

/** The type no path has: what `push` asks for on the path of something that is not a list (its one property names the mistake). */
export interface NotAList {
  /** Never present: a path that must have it cannot be given. */
  readonly 'push takes the path of a list': never;
}

/**
 * The constraint on the schema of `open<Schema>()`: each property of the schema
 * {@link Storable}. A schema with a part the runtime would refuse (a function,
 * a symbol, a class instance with methods, a Map keyed by objects, `undefined`
 * where a value is required) fails to compile, and the compiler's message names
 * the property and why.
 *
 * @example
 * ```ts
 * interface Settings { theme: string; onChange: (theme: string) => void }
 * // error TS2344: ... The types of 'settings.onChange' are incompatible ...
 * // '(theme: string) => void' is not assignable to type 'NotStorable<"a function">'.
 * const db = await open<{ settings: Settings }>();
 * ```
 */
export type StorableSchema<S> = { [K in keyof S]: StorableProperty<S, K> };

/**
 * Property `K` of `T` as {@link Storable} keeps it. An optional property may
 * say `| undefined` (as exactOptionalPropertyTypes asks): an object's undefined
 * properties are left out when stored, as JSON leaves them out.
 */
export type StorableProperty<T, K extends keyof T> = {} extends Pick<T, K> ? Storable<Exclude<T[K], undefined>> | undefined : Storable<T[K]>;

/** The keys of a stored Map and the members of a stored Set (what the value API encodes as keys). */
export type KeyScalar = string | number | bigint | boolean | null | Date | Uint8Array;

/**
 * What {@link Storable} puts where a part of a schema cannot be stored: the
 * compiler's error at `open<Schema>()` then names the reason.
 */
export interface NotStorable<Why extends string> {
  /** Why the part cannot be stored: the text the compiler shows. */
  readonly 'cannot be stored': Why;
}

/**
 * The constraint `open<Schema>()` puts on its schema: `T` with every part that
 * can be stored kept and every part that cannot (a function, a symbol,
 * `undefined` where a value is required, a class instance with methods, a Map
 * whose keys are objects, ...) replaced by {@link NotStorable}, so that a schema
 * the runtime would refuse fails to compile instead. `any` and `unknown` parts
 * are left unchecked.
 */
export type Storable<T> = 0 extends 1 & T
  ? T
  : unknown extends T
    ? T
    : T extends Scalar
      ? T
      : T extends ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown)
        ? NotStorable<'a function'>
        : T extends symbol
          ? NotStorable<'a symbol'>
          : T extends undefined
            ? NotStorable<'undefined (use null, or make the property optional)'>
            : T extends LinkedListValue<infer I>
              ? LinkedListValue<Storable<I>>
              : T extends SortedMapValue<infer K, infer V>
                ? SortedMapValue<K, Storable<V>>
                : T extends SortedSetValue<OrderedKey>
                  ? T
                  : T extends ReadonlyMap<infer K, infer V>
                    ? [K] extends [KeyScalar]
                      ? ReadonlyMap<K, Storable<V>>
                      : NotStorable<'a Map whose keys are not strings, numbers, bigints, booleans, null, Dates or Uint8Arrays'>
                    : T extends ReadonlySet<infer M>
                      ? [M] extends [KeyScalar]
                        ? T
                        : NotStorable<'a Set whose members are not strings, numbers, bigints, booleans, null, Dates or Uint8Arrays'>
                      : T extends readonly unknown[]
                        ? { [I in keyof T]: Storable<T[I]> }
                        : T extends RegExp | Promise<unknown> | Error | WeakMap<object, unknown> | WeakSet<object>
                          ? NotStorable<'a RegExp, Promise, Error or weak collection'>
                          : T extends object
                            ? StorableSchema<T>
                            : NotStorable<'this type'>;

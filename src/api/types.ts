// Compile-time typing of paths and values for `open<Schema>()`: a path is a
// tuple of keys and indexes into the schema, and reading it gives the stored
// form of the type found there (scalars as themselves, structures as views).

import type { LinkedListValue } from './values.js';
import type { ListView, MapView, SetView, Value } from './views.js';

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
 * path is accepted). For `any`, any path.
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
          : S extends ReadonlyMap<string, infer V>
            ? readonly [] | readonly [string, ...PathOf<V, Depth[D]>]
            : S extends object
              ? readonly [] | { [K in keyof S & string]-?: readonly [K, ...PathOf<NonNullable<S[K]>, Depth[D]>] }[keyof S & string]
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
          : S extends ReadonlyMap<string, infer V>
            ? TypeAt<V, R>
            : K extends keyof S
              ? TypeAt<NonNullable<S[K]>, R>
              : unknown
      : unknown;

/** What reading a value of type `T` gives: scalars as themselves, structures as views. */
export type Stored<T> = 0 extends 1 & T
  ? Value
  : unknown extends T
    ? Value
    : T extends Scalar
      ? T
      : T extends readonly (infer E)[]
        ? ListView<Stored<E>>
        : T extends LinkedListValue<infer E>
          ? ListView<Stored<E>>
          : T extends ReadonlyMap<infer K, infer V>
            ? MapView<K, Stored<V>>
            : T extends ReadonlySet<infer E>
              ? SetView<E>
              : T extends object
                ? MapView<keyof T & string, Stored<T[keyof T]>>
                : Value;

// Byte arrays handed out by reads, cut from shared slabs.
//
// V8 keeps a typed array of up to 64 bytes inside the JS heap, but gives any
// larger one a backing store of its own, allocated and later freed outside the
// heap: on Node 20 a new 100-byte Uint8Array and its copy cost about 0.8 µs,
// a view into an ArrayBuffer that already exists and the copy 0.07 to 0.18 µs.
// A scan that hands out a 100-byte value per entry spent most of its time
// there (bench/README, session 12). Node's Buffer pool (`Buffer.from`,
// `allocUnsafe`) answers the same cost the same way.
//
// What a caller gets is still a copy of its own: no other array returned here
// covers the same bytes, and the database never writes to a slab. Only its
// `buffer` is shared with other results, which matters to a caller who
// transfers `bytes.buffer` to a worker (that would detach the neighbours too) or
// who reads `bytes.buffer` without `byteOffset` and `byteLength`, and one
// array kept long keeps its whole slab alive (at most 8 KiB for a 65-byte
// value). The README says so; `slice()` gives an array with a buffer of its own.

/** The longest array V8 allocates inside the heap (its `typed_array_max_size_in_heap`): those are cheap already. */
const IN_HEAP_LENGTH_MAX = 64;

/** The longest array cut from a slab; longer ones get a buffer of their own. */
export const POOLED_LENGTH_MAX = 1024;

/** A slab's size: at most an eighth of it goes unused when the next array does not fit. */
const SLAB_SIZE = 8192;

/** Arrays start at multiples of this, so a caller may lay a Float64Array over a result's bytes. */
const ALIGNMENT = 8;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/**
 * `Uint8Array.prototype.slice`, taken once: called on a plain Uint8Array it
 * returns a plain Uint8Array over a new buffer of its own (never a view), even
 * when the array carries an own `slice`.
 */
const sliceBytes = Uint8Array.prototype.slice as (this: Uint8Array, start: number, end: number) => Uint8Array;

/**
 * A copy of `length` bytes of `source` from `offset`, in a new Uint8Array that
 * no other result overlaps. Arrays of 65 to {@link POOLED_LENGTH_MAX} bytes
 * share their ArrayBuffer with other results (see the top of this file).
 *
 * @param source - any Uint8Array (a Buffer included); it is only read
 * @param offset - where the bytes start in `source`
 * @param length - how many bytes; `offset + length` must lie within `source`
 */
export function copyOut(source: Uint8Array, offset: number, length: number): Uint8Array {
  if (length <= IN_HEAP_LENGTH_MAX || length > POOLED_LENGTH_MAX) return copyOwn(source, offset, length);
  // A transferred slab is detached, and its byteLength reads 0: start a new one.
  if (used + length > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const out = new Uint8Array(slab, used, length);
  used += (length + ALIGNMENT - 1) & -ALIGNMENT;
  out.set(source.subarray(offset, offset + length));
  return out;
}

/** A copy in a new Uint8Array over an ArrayBuffer of its own, exactly `length` bytes long. */
function copyOwn(source: Uint8Array, offset: number, length: number): Uint8Array {
  // One builtin call that allocates and copies. A Buffer's `slice` is a view,
  // so a Buffer is copied by hand.
  if (source.constructor === Uint8Array) return sliceBytes.call(source, offset, offset + length);
  const out = new Uint8Array(length);
  out.set(source.subarray(offset, offset + length));
  return out;
}

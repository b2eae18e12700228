// A fault-injecting storage for crash tests (FORMAT.md §Commit and recovery,
// §Durability): it records every write, truncate, flush and sync, models what a
// process crash and a power loss would leave behind, and can crash or tear a
// write at any event. Browser-safe: memory only, no node:* imports.

import { ReadOnlyError } from '../errors.js';
import { MemoryStorage } from './memory-storage.js';
import type { Storage } from './storage.js';
import { INSPECT, defineHidden, inspectHandle, type HandleDescriptor } from '../base/public-object.js';

/**
 * Thrown by a {@link FaultStorage} at its planned fault and by every call after
 * it: the simulated process is dead. Deliberately not a StrataError, so that a
 * test can tell the injected crash from an error the engine raised on purpose
 * (the engine may still wrap it, e.g. in a TransactionError after a header write).
 */
export class SimulatedCrash extends Error {
  /** The index of the event that crashed (see {@link FaultStorage.events}). */
  readonly eventIndex: number;

  /**
   * @param eventIndex - the event that crashed
   * @param message - what happened
   */
  constructor(eventIndex: number, message: string) {
    super(message);
    this.name = 'SimulatedCrash';
    this.eventIndex = eventIndex;
  }
}

/** What a recorded event did to the storage; `fault` is set on the event that crashed. */
export type FaultEventKind = 'write' | 'truncate' | 'flush' | 'sync';

/**
 * One call that changed, or tried to change, what the storage holds.
 * - `write`: `position` and `length` of the bytes written;
 * - `truncate`: `position` is the new size, `length` is 0;
 * - `flush` and `sync`: `position` is the logical size at the call, `length` 0.
 */
export interface FaultEvent {
  /** The event's number, counted from 0 over every write, truncate, flush and sync. */
  readonly index: number;
  /** Which call it was. */
  readonly kind: FaultEventKind;
  /** See the interface comment. */
  readonly position: number;
  /** Bytes written (writes only; 0 otherwise). */
  readonly length: number;
  /** Set on the event where the planned fault struck: a clean crash, or a torn write. */
  readonly fault?: 'crash' | 'tear';
  /** For a torn write: how many bytes of it landed. */
  readonly keptBytes?: number;
}

/**
 * What survives the crash, for {@link FaultStorage.survivingImage}:
 * - `process`: the process died, the operating system did not. Every write and
 *   truncate that the storage handed to the OS survives: everything before the
 *   last {@link FaultStorage.flush} or {@link FaultStorage.sync}, plus every
 *   truncate (an ftruncate is a system call, not buffered). Writes made after the
 *   last flush were still in the storage's own buffer and are lost.
 * - `power`: the machine lost power. Only what the last sync made durable
 *   survives; every write and truncate after it is dropped.
 *
 * A torn write (see {@link FaultStorage.tearAt}) was being handed to the OS
 * when the process died: in `process` mode the writes buffered before it and
 * its kept prefix survive. It was never synced, so in `power` mode it is
 * dropped with everything else written since the last sync.
 *
 * {@link SurvivalOptions.landed} widens either mode to what reorderings allow.
 */
export type SurvivalMode = 'process' | 'power';

/** Options for {@link FaultStorage.survivingImage}. */
export interface SurvivalOptions {
  /** Which crash (see {@link SurvivalMode}). */
  mode: SurvivalMode;
  /**
   * Which of the writes that the mode's barrier did not cover reached the medium
   * anyway, as real systems allow: in `process` mode the writes still in the
   * storage's buffer (a buffered storage may write part of its buffer early,
   * in any order); in `power` mode every write and truncate since the last sync
   * (the OS writes dirty pages back in any order, so a later write can land
   * without an earlier one). Those for which it returns true are applied, in the
   * order they were issued, on top of the mode's image; a torn write applies
   * only its kept prefix. Default: none of them.
   */
  landed?: (event: FaultEvent) => boolean;
}

/** Options for {@link FaultStorage}. */
export interface FaultStorageOptions {
  /**
   * Bytes that are already durable when the storage starts (an existing
   * database); they are on the "disk", in the OS and in the process view.
   */
  initial?: Uint8Array;
  /** Refuse writes, truncation and sync with ReadOnlyError, recording no event (default false). */
  readOnly?: boolean;
}

/** A planned fault: a crash, or a torn write followed by a crash. */
type FaultPlan = { kind: 'none' } | { kind: 'crash'; index: number } | { kind: 'tear'; index: number; keepBytes: number };

/** A write or truncate not yet covered by a barrier: its event, and for a write the bytes. */
interface Operation {
  event: FaultEvent;
  position: number;
  /** The bytes written; undefined for a truncate (`position` is then the new size). */
  data: Uint8Array | undefined;
}

/**
 * A storage that behaves like {@link MemoryStorage} for the process using it
 * while modelling three layers of a real file:
 *
 * 1. the **process view** (what reads return): every write and truncate so far;
 * 2. the **OS layer** (survives a process crash): what {@link flush} handed over,
 *    plus truncates, which go to the OS at once as ftruncate does;
 * 3. the **disk** (survives a power loss): the OS layer as of the last {@link sync}.
 *
 * Every `write`, `truncate`, `flush` and `sync` is an event, numbered from 0 and
 * recorded in {@link events}. A planned fault strikes at one event: {@link crashAt}
 * makes that event throw {@link SimulatedCrash} before it has any effect;
 * {@link tearAt} makes a write land only a prefix, then throw. After the fault
 * every call, reads included, throws {@link SimulatedCrash}. Then
 * {@link survivingImage} gives the bytes a reopen would find.
 *
 * Cost: each write is copied once (kept until the next sync) and applied once
 * to the OS layer; each sync copies the OS layer (O(size)). Meant for tests
 * with small databases.
 *
 * @example
 * ```ts
 * const storage = new FaultStorage().crashAt(40);
 * try { runScript(Engine.open(storage, { hasher })); } catch (e) { if (!storage.crashed) throw e; }
 * const image = storage.survivingImage({ mode: 'power' });
 * const engine = Engine.open(MemoryStorage.fromBytes(image, { readOnly: false }), { hasher });
 * ```
 */
export class FaultStorage implements Storage {
  // Its images are whole databases: out of enumeration, as a MemoryStorage's
  // buffer is (the two public flags are defined hidden in the constructor, the
  // rest are private fields).
  declare readonly readOnly: boolean;
  /** It models a file: commits checksum their data, as on a FileStorage. */
  declare readonly durable: true;
  readonly #volatile: MemoryStorage;
  readonly #os: ByteImage;
  #disk: ByteImage;
  /** Writes in the storage's own buffer: issued since the last flush or sync. */
  #pending: Operation[] = [];
  /** Writes and truncates issued since the last sync, in order. */
  #unsynced: Operation[] = [];
  readonly #recorded: FaultEvent[] = [];
  #plan: FaultPlan = { kind: 'none' };
  #crashedAt = -1;

  /** @param options - an initial durable image, read-only */
  constructor(options: FaultStorageOptions = {}) {
    defineHidden(this, { readOnly: options.readOnly ?? false, durable: true });
    const initial = options.initial ?? new Uint8Array(0);
    // The process view gets its own copy: it must never write into the caller's bytes.
    this.#volatile = MemoryStorage.fromBytes(initial.slice(), { readOnly: this.readOnly });
    this.#os = new ByteImage(initial);
    this.#disk = new ByteImage(initial);
  }

  /** What `JSON.stringify` gives: `{ kind: 'FaultStorage', size, readOnly, events }`, never the bytes. O(1). */
  toJSON(): HandleDescriptor {
    return { kind: 'FaultStorage', size: this.#volatile.toJSON().size as number, readOnly: this.readOnly, events: this.#recorded.length };
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /**
   * Plans a crash: event `index` throws {@link SimulatedCrash} before it has any
   * effect, and so does every later call. Replaces any earlier plan.
   *
   * @param index - the event number, from 0 (see {@link events})
   * @returns this storage, for chaining
   */
  crashAt(index: number): this {
    checkIndex(index);
    this.#plan = { kind: 'crash', index };
    return this;
  }

  /**
   * Plans a torn write: if event `index` is a write, only its first `keepBytes`
   * bytes land: the storage hands its buffered writes and that prefix to the OS
   * layer (see {@link SurvivalMode}), then it throws {@link SimulatedCrash}. If that event is
   * not a write, it crashes as with {@link crashAt}. Replaces any earlier plan.
   *
   * @param index - the event number, from 0
   * @param keepBytes - how many leading bytes of the write land (clamped to its length)
   * @returns this storage, for chaining
   */
  tearAt(index: number, keepBytes: number): this {
    checkIndex(index);
    if (!Number.isInteger(keepBytes) || keepBytes < 0) throw new RangeError(`keepBytes must be a whole number of bytes, got ${keepBytes}`);
    this.#plan = { kind: 'tear', index, keepBytes };
    return this;
  }

  /** True once the planned fault has struck. */
  get crashed(): boolean {
    return this.#crashedAt >= 0;
  }

  /** The recorded events, in order, including the one that crashed. */
  get events(): readonly FaultEvent[] {
    return this.#recorded;
  }

  /** How many events were issued so far (the crashed one included). O(1). */
  get eventCount(): number {
    return this.#recorded.length;
  }

  /**
   * The bytes a reopen would find after the crash (or, before any crash, after
   * one that struck now). A fresh copy, sized exactly. O(size + writes since
   * the last sync).
   *
   * @param options - which crash, and which uncovered writes landed anyway
   * @returns the surviving database bytes
   */
  survivingImage(options: SurvivalOptions): Uint8Array {
    const landed = options.landed;
    // A torn write is in the OS layer already (see write) and among the unsynced writes.
    if (options.mode === 'process') {
      if (landed === undefined || this.#pending.length === 0) return this.#os.toBytes();
      return applyLanded(this.#os.copy(), this.#pending, landed);
    }
    if (landed === undefined || this.#unsynced.length === 0) return this.#disk.toBytes();
    return applyLanded(this.#disk.copy(), this.#unsynced, landed);
  }

  /** Bytes the last sync made durable (the size of the `power` image without landed writes). */
  get syncedSize(): number {
    return this.#disk.size;
  }

  /** The process view: everything written so far, flushed or not. */
  get view(): DataView {
    return this.#volatile.view;
  }

  /** The process view as bytes (see {@link view}). */
  get bytes(): Uint8Array {
    return this.#volatile.bytes;
  }

  size(): number {
    this.checkAlive();
    return this.#volatile.size();
  }

  locate(position: number, length: number): number {
    this.checkAlive();
    return this.#volatile.locate(position, length);
  }

  read(position: number, target: Uint8Array): void {
    this.checkAlive();
    this.#volatile.read(position, target);
  }

  /** Records a write event; the bytes stay in the storage's buffer until {@link flush}. */
  write(position: number, source: Uint8Array): void {
    this.checkWritable();
    const index = this.#recorded.length;
    const plan = this.#plan;
    if (plan.kind !== 'none' && plan.index === index) {
      if (plan.kind === 'tear') {
        const kept = Math.min(plan.keepBytes, source.length);
        const event: FaultEvent = { index, kind: 'write', position, length: source.length, fault: 'tear', keptBytes: kept };
        this.#recorded.push(event);
        // The write was under way: the storage had handed its buffer and this
        // prefix to the OS when the crash came. Checks (read-only, holes) apply as
        // for a whole write.
        this.#volatile.write(position, source.subarray(0, kept));
        this.handOver();
        const prefix = source.slice(0, kept);
        this.#os.write(position, prefix);
        this.#unsynced.push({ event, position, data: prefix });
        this.die(index, `simulated crash: write ${index} torn after ${kept} of ${source.length} bytes at ${position}`);
      }
      this.#recorded.push({ index, kind: 'write', position, length: source.length, fault: 'crash' });
      this.die(index, `simulated crash before write ${index} (${source.length} bytes at ${position})`);
    }
    const event: FaultEvent = { index, kind: 'write', position, length: source.length };
    this.#recorded.push(event);
    // The process view checks read-only and holes, and throws before anything is buffered.
    this.#volatile.write(position, source);
    const operation: Operation = { event, position, data: source.slice() };
    this.#pending.push(operation);
    this.#unsynced.push(operation);
  }

  /**
   * Records a truncate event: the process view and the buffer are cut at once,
   * and so is the OS layer (ftruncate is a system call); the disk only at the
   * next sync.
   */
  truncate(size: number): void {
    this.checkWritable();
    const index = this.#recorded.length;
    const event: FaultEvent = { index, kind: 'truncate', position: size, length: 0 };
    this.#recorded.push(event);
    this.strikeIfPlanned(index, `simulated crash before truncate ${index} (to ${size} bytes)`);
    this.#volatile.truncate(size);
    // The buffer drops what lies past the cut, as the file storage does.
    const kept: Operation[] = [];
    for (const write of this.#pending) {
      const data = write.data;
      if (data === undefined || write.position >= size) continue;
      kept.push(write.position + data.length <= size ? write : { ...write, data: data.subarray(0, size - write.position) });
    }
    this.#pending = kept;
    this.#unsynced.push({ event, position: size, data: undefined });
    this.#os.truncate(size);
  }

  /** Records a flush event: every buffered write reaches the OS layer. */
  flush(): void {
    this.checkAlive();
    const index = this.#recorded.length;
    this.#recorded.push({ index, kind: 'flush', position: this.#volatile.size(), length: 0 });
    this.strikeIfPlanned(index, `simulated crash before flush ${index}`);
    this.#volatile.flush();
    this.handOver();
  }

  /** Records a sync event: flushes, then the disk becomes a copy of the OS layer. */
  sync(): void {
    this.checkWritable();
    const index = this.#recorded.length;
    this.#recorded.push({ index, kind: 'sync', position: this.#volatile.size(), length: 0 });
    this.strikeIfPlanned(index, `simulated crash before sync ${index}`);
    this.#volatile.sync();
    this.handOver();
    this.#disk = this.#os.copy();
    this.#unsynced = [];
  }

  /** Closes the process view; not an event. */
  close(): void {
    this.checkAlive();
    this.#volatile.close();
  }

  private handOver(): void {
    for (const write of this.#pending) if (write.data !== undefined) this.#os.write(write.position, write.data);
    this.#pending = [];
  }

  private strikeIfPlanned(index: number, message: string): void {
    const plan = this.#plan;
    if (plan.kind === 'none' || plan.index !== index) return;
    const event = this.#recorded[index];
    if (event !== undefined) this.#recorded[index] = { ...event, fault: 'crash' };
    this.die(index, message);
  }

  private die(index: number, message: string): never {
    this.#crashedAt = index;
    throw new SimulatedCrash(index, message);
  }

  /** Refusals are not events: a read-only storage records nothing. */
  private checkWritable(): void {
    this.checkAlive();
    if (this.readOnly) throw new ReadOnlyError('this storage is read-only');
  }

  private checkAlive(): void {
    if (this.#crashedAt >= 0) throw new SimulatedCrash(this.#crashedAt, `the simulated process crashed at event ${this.#crashedAt}; the storage refuses every call`);
  }
}

function applyLanded(image: ByteImage, operations: readonly Operation[], landed: (event: FaultEvent) => boolean): Uint8Array {
  for (const operation of operations) {
    if (!landed(operation.event)) continue;
    if (operation.data === undefined) image.truncate(operation.position);
    else image.write(operation.position, operation.data);
  }
  return image.toBytes();
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`an event index is a whole number from 0, got ${index}`);
}

/**
 * One layer's bytes: a growable buffer and its length. A write past the end
 * fills the gap with zeros, as a file system does for a hole; a truncate to a
 * larger size changes nothing (as the file storage skips the ftruncate then).
 */
class ByteImage {
  private buffer: Uint8Array;
  private length: number;

  get size(): number {
    return this.length;
  }

  constructor(bytes: Uint8Array) {
    this.buffer = bytes.slice();
    this.length = bytes.length;
  }

  write(position: number, data: Uint8Array): void {
    const end = position + data.length;
    if (end > this.buffer.length) {
      const next = new Uint8Array(Math.max(end, this.buffer.length * 2, 256));
      next.set(this.buffer.subarray(0, this.length));
      this.buffer = next;
    }
    this.buffer.set(data, position);
    if (end > this.length) this.length = end;
  }

  truncate(size: number): void {
    if (size >= this.length) return;
    this.buffer.fill(0, size, this.length);
    this.length = size;
  }

  copy(): ByteImage {
    return new ByteImage(this.buffer.subarray(0, this.length));
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

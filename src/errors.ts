// The error hierarchy: one base class with a stable `code`, and one subclass per
// kind of failure a caller may want to tell apart. Everything the engine throws
// on bad input or damaged data is one of these, never a bare TypeError.

/** Stable codes carried by every {@link StrataError}; safe to switch on. */
export type ErrorCode =
  | 'CORRUPT'
  | 'INCOMPATIBLE'
  | 'READ_ONLY'
  | 'TRANSACTION'
  | 'IO'
  | 'HASH_COLLISION'
  | 'WRONG_TYPE'
  | 'OUT_OF_RANGE'
  | 'INVALID_ARGUMENT'
  | 'CLOSED'
  | 'LOCKED'
  | 'CONFLICT'
  | 'REPLICATION'
  | 'FENCED';

/**
 * The base of every error stratadb throws on purpose.
 *
 * @example
 * ```ts
 * try { db.transact(...) } catch (e) { if (e instanceof StrataError) console.log(e.code) }
 * ```
 */
export class StrataError extends Error {
  /** A stable machine-readable code; the message may change, the code does not. */
  readonly code: ErrorCode;

  /**
   * @param code - the stable code of this failure
   * @param message - a sentence for people
   * @param options - an optional underlying `cause`
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The bytes at `position` do not follow FORMAT.md: the file is damaged or is not a database. */
export class CorruptDatabaseError extends StrataError {
  /** Absolute offset in the database where the problem was found, or -1 when it has none. */
  readonly position: number;

  /**
   * @param message - what is wrong
   * @param position - where it was found, or -1
   */
  constructor(message: string, position = -1) {
    super('CORRUPT', position >= 0 ? `${message} (at position ${position})` : message);
    this.position = position;
  }
}

/** The database is valid but was written with a version, hash or layout this build cannot use. */
export class IncompatibleDatabaseError extends StrataError {
  /** @param message - what does not match and how to fix it */
  constructor(message: string) {
    super('INCOMPATIBLE', message);
  }
}

/** A write was attempted through a read-only database, storage or snapshot. */
export class ReadOnlyError extends StrataError {
  /** @param message - what was attempted */
  constructor(message: string) {
    super('READ_ONLY', message);
  }
}

/** A transaction was misused: nested, used after it ended, or a write outside one. */
export class TransactionError extends StrataError {
  /**
   * @param message - what was misused, or what failed
   * @param options - an optional underlying `cause`
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRANSACTION', message, options);
  }
}

/** The operating system refused a read, write, sync or truncate; `cause` holds its error. */
export class IoError extends StrataError {
  /**
   * @param message - which operation failed
   * @param cause - the underlying error
   */
  constructor(message: string, cause: unknown) {
    super('IO', message, { cause });
  }
}

/**
 * Two different keys have the same full hash. The xitdb format cannot hold both in one
 * map, so the write is refused instead of silently replacing the other key.
 */
export class HashCollisionError extends StrataError {
  /** @param message - which keys collided */
  constructor(message: string) {
    super('HASH_COLLISION', message);
  }
}

/** An operation expected a value of one kind (a map, a list, bytes...) and found another. */
export class WrongTypeError extends StrataError {
  /** @param message - what was expected and what was found */
  constructor(message: string) {
    super('WRONG_TYPE', message);
  }
}

/** An index or length lies outside what the structure holds. */
export class OutOfRangeError extends StrataError {
  /** @param message - the index and the valid range */
  constructor(message: string) {
    super('OUT_OF_RANGE', message);
  }
}

/** An argument is malformed: a wrong-sized format tag, a negative uint, and so on. */
export class InvalidArgumentError extends StrataError {
  /**
   * @param message - which argument and why
   * @param options - an optional underlying `cause` (what reading the argument threw)
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/**
 * The database, or the storage under it, was closed: reads, writes and
 * snapshots taken before need a database opened again.
 */
export class ClosedError extends StrataError {
  /** @param message - what was closed */
  constructor(message: string) {
    super('CLOSED', message);
  }
}

/** Who holds a database's writer lock (see {@link LockedError}). */
export interface LockHolder {
  /** Process id of the holder. */
  readonly pid: number;
  /** Host name of the holder's machine. */
  readonly host: string;
  /** When it took the lock, as ISO-8601 text. */
  readonly since: string;
  /**
   * The holder process's start time in clock ticks since boot (Linux: field 22
   * of /proc/PID/stat). With `pid` it names one process exactly, so a pid
   * reused later, by another process or after a reboot, is told apart. Null
   * when the holder could not tell (no /proc); absent in lock files written by
   * earlier versions.
   */
  readonly startTime?: number | null;
  /** The boot the holder ran in (Linux: /proc/sys/kernel/random/boot_id); null when unknown, absent in older lock files. */
  readonly bootId?: string | null;
}

/** Another writer holds the database's writer lock. `holder` says who, when known. */
export class LockedError extends StrataError {
  /** The holder recorded in the lock, or undefined when it could not be read. */
  readonly holder: LockHolder | undefined;

  /**
   * @param message - which file and who holds it
   * @param holder - the recorded holder
   */
  constructor(message: string, holder: LockHolder | undefined) {
    super('LOCKED', message);
    this.holder = holder;
  }
}

/**
 * A change could not be made because later changes touched the same values:
 * `db.revertChanges(i)` refuses when a value moment i changed was changed
 * again afterwards. `paths` names each conflicting path.
 */
export class ConflictError extends StrataError {
  /** The conflicting paths, as the JS API spells them (keys and indexes from the root). */
  readonly paths: ReadonlyArray<readonly unknown[]>;

  /**
   * @param message - what could not be done, and where
   * @param paths - the conflicting paths
   */
  constructor(message: string, paths: ReadonlyArray<readonly unknown[]>) {
    super('CONFLICT', message);
    this.paths = paths;
  }
}

/**
 * Replication (`stratadb/replication`) met something it cannot apply or
 * publish: a commit tail whose checksum does not match, one that does not
 * start where the replica ends, a replica or writer whose bytes are not a
 * prefix of the stream's, or a stream it cannot use.
 */
export class ReplicationError extends StrataError {
  /**
   * @param message - what was met, and what to do
   * @param options - an optional underlying `cause`
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('REPLICATION', message, options);
  }
}

/**
 * A replicated writer lost its right to write: its lease was taken by
 * another writer (it was paused or cut off past the lease's time to live), or
 * the stream refused its publish because another writer published first. The
 * writer stops: every later commit throws this error too. Commits it made
 * locally that were never acknowledged as replicated may be missing from the
 * stream; open the file again as a follower to go on from the new writer.
 */
export class FencedError extends StrataError {
  /**
   * @param message - why the write right was lost
   * @param options - an optional underlying `cause`
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('FENCED', message, options);
  }
}

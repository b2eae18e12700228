// The browser-safe entry point, 'stratadb': the JS-value API (open, Database,
// views, linkedList, the path and value types) and the errors. Nothing
// reachable from here imports node:* or immutable.js. The engine and its
// cursors are in 'stratadb/engine', test doubles in 'stratadb/testing',
// immutable.js copies in 'stratadb/immutable', files in 'stratadb/node'.

export * from './api/index.js';
export type { CommitOptions } from './history/commit-meta.js';
export type { MomentInfo } from './history/moment-log.js';
export {
  StrataError,
  CorruptDatabaseError,
  IncompatibleDatabaseError,
  ReadOnlyError,
  TransactionError,
  IoError,
  HashCollisionError,
  WrongTypeError,
  OutOfRangeError,
  InvalidArgumentError,
  ClosedError,
  LockedError,
  ConflictError,
  type LockHolder,
  type ErrorCode,
} from './errors.js';

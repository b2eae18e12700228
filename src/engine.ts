// The engine entry point, 'stratadb/engine' (browser-safe): the cursor-level
// API under the value API (Engine, cursors, slots and tags), memory storage and
// the Storage interface, hashers, and the tools (verify, stats, backup,
// compaction, dump).
// Errors are exported by 'stratadb'.

export { Engine, type EngineOptions, type Durability, type MomentAt } from './history/engine.js';
export { openEngine, builtInHashers } from './open.js';
export { backupTo, type BackupResult } from './history/backup.js';
export { Compaction, compactInto, selectMoments, DAY_MS, HOUR_MS, type CompactOptions, type CompactResult, type KeepPolicy, type MomentFacts, type ThinningRule, type DropPath } from './compact/index.js';
export { databaseStats, type DatabaseStats } from './history/stats.js';
export { verifyDatabase, type VerifyReport, type VerifyProblem, type VerifyOptions } from './history/verify.js';
export { ReadCursor, ReadHashMap, ReadHashSet, ReadArrayList, ReadLinkedArrayList, type MapEntry } from './cursor/read-cursor.js';
export { WriteCursor, WriteHashMap, WriteHashSet, WriteArrayList, WriteLinkedArrayList } from './cursor/write-cursor.js';
export { ReadSortedMap, ReadSortedSet, type SortedEntry, type SortedKey, type SortedStart } from './cursor/read-sorted.js';
export { WriteSortedMap, WriteSortedSet } from './cursor/write-sorted.js';
export { BytesReader, BytesWriter } from './cursor/bytes-stream.js';
export type { Key, TaggedKey } from './cursor/keys.js';
export type { Storage } from './storage/storage.js';
export type { Context } from './core/context.js';
export type { HandleDescriptor } from './base/public-object.js';
export { MemoryStorage, type MemoryStorageOptions } from './storage/memory-storage.js';
export type { Hasher } from './hash/hasher.js';
export { sha1Hasher, sha1 } from './hash/sha1.js';
export { createXxHash128Hasher, xxHash128JsHasher, XXHASH128_ID, XXHASH128_SIZE } from './hash/xxhash128.js';
export { Slot, uintSlot, intSlot, floatSlot } from './format/slot.js';
export { Tag, tagName, type TagValue } from './format/tags.js';
export type { FileHeader } from './format/file-header.js';
export { hashIdFromName, hashIdName } from './format/file-header.js';
export type { TaggedBytes } from './format/bytes.js';
export { dumpDatabase, dumpText, dumpValue, type DumpJson, type DumpOptions, type DumpValue } from './history/dump.js';
export type { ProgressCallback } from './history/progress.js';
export { diffCursors } from './diff/walk.js';
export type { KeyStep, DiffStep, CursorChange, DiffOptions as CursorDiffOptions } from './diff/change.js';
export type { CommitOptions } from './history/commit-meta.js';
export type { MomentInfo } from './history/moment-log.js';

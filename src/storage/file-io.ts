// The file under a FileStorage: one descriptor, positional synchronous reads and
// writes with their retries and error messages, the syscall counts, the zeros a
// sync reserves past the data, and the file system checks an open makes. No
// caching here: whole-file-cache.ts and page-cache.ts hold the file's bytes.

import * as fs from 'node:fs';
import * as nodePath from 'node:path';

import { CorruptDatabaseError, InvalidArgumentError, IoError, type LockedError } from '../errors.js';

/** Syscalls a {@link FileStorage} has made, for tests and benchmarks. */
export interface FileStorageStats {
  /** `fs.readSync` calls (each page miss, each run of pages read into whole-file memory, each direct large read, each retry of a short read). */
  readCalls: number;
  /** `fs.writeSync` calls (each coalesced run of dirty bytes, each retry of a short write). */
  writeCalls: number;
  /** `fs.fdatasyncSync` calls. */
  syncCalls: number;
}

// Zeros a sync writes past the data when its flush grew the file (see
// FileStorageOptions.preallocationSize): an fdatasync that grows a file also
// commits the file system's journal. bench/sync-cost.mjs on this project's
// machine (ext4), 1,400-byte commit appends: data fdatasync median 0.234 ms
// growing the file, 0.163 ms overwriting zeros already in it. The reserve is at
// most this, and at least 64 KiB or the data's size (so a new database does not
// write a megabyte of zeros).
export const PREALLOCATION_SIZE_DEFAULT = 1024 * 1024;
const PREALLOCATION_SIZE_MIN = 64 * 1024;

/**
 * The open file: its descriptor and what the storage knows about the file
 * itself rather than its content. Both caches share one, and it outlives a
 * switch from whole-file to page mode.
 */
export class FileIo {
  readonly fd: number;
  readonly path: string;
  readonly readOnly: boolean;
  readonly stats: FileStorageStats;
  readonly preallocationSize: number;
  /** The file's size: the data it holds, plus the zeros a sync reserved past it. */
  fileSize: number;
  /** Set once confirmWriter found another writer: every later write, flush and sync throws it, and close leaves the file alone. */
  lostWriter: LockedError | undefined;

  constructor(fd: number, path: string, readOnly: boolean, fileSize: number, preallocationSize: number) {
    this.fd = fd;
    this.path = path;
    this.readOnly = readOnly;
    this.stats = { readCalls: 0, writeCalls: 0, syncCalls: 0 };
    this.preallocationSize = preallocationSize;
    this.fileSize = fileSize;
    this.lostWriter = undefined;
  }

  /**
   * Reads `size` bytes at `position` into `target` at `offset`. The file may end
   * early after the first `sizeNeeded` bytes: a new writer's recovery can cut
   * away a tail this reader saw (bytes past every committed size, which no
   * moment reads); the rest is then zero. Ending any earlier is corruption.
   *
   * @param sizeOnDisk - the bytes of data the storage expects the file to hold, for the message
   */
  readFully(target: Uint8Array, offset: number, size: number, position: number, sizeNeeded: number, sizeOnDisk: number): void {
    let done = 0;
    while (done < size) {
      this.stats.readCalls++;
      let count: number;
      try {
        count = fs.readSync(this.fd, target, offset + done, size - done, position + done);
      } catch (error) {
        throw new IoError(`read of ${size} bytes at position ${position} from ${this.path} failed: ${describe(error)}`, error);
      }
      if (count === 0) {
        // Only another process can shorten the file under us.
        if (done < sizeNeeded) throw new CorruptDatabaseError(`${this.path} ended early: it should hold ${sizeOnDisk} bytes`, position + done);
        target.fill(0, offset + done, offset + size);
        return;
      }
      done += count;
    }
  }

  /** Writes `size` bytes of `source` from `offset` at `position`, retrying short writes. */
  writeFully(source: Uint8Array, offset: number, size: number, position: number): void {
    let done = 0;
    while (done < size) {
      this.stats.writeCalls++;
      try {
        done += fs.writeSync(this.fd, source, offset + done, size - done, position + done);
      } catch (error) {
        throw new IoError(`write of ${size} bytes at position ${position} to ${this.path} failed: ${describe(error)}`, error);
      }
    }
  }

  /** One pread that bypasses every cache and counts in no statistic (the commit-time check reads the disk itself). */
  readUncounted(target: Uint8Array, position: number): number {
    try {
      return fs.readSync(this.fd, target, 0, target.length, position);
    } catch (error) {
      throw new IoError(`read of ${this.path} failed: ${describe(error)}`, error);
    }
  }

  /** ftruncates the file to `size`. */
  cutFile(size: number): void {
    try {
      fs.ftruncateSync(this.fd, size);
    } catch (error) {
      throw new IoError(`ftruncate of ${this.path} to ${size} bytes failed: ${describe(error)}`, error);
    }
    this.fileSize = size;
  }

  /**
   * Writes zeros from `end` (the end of the data in the file) so that the next
   * syncs overwrite instead of growing the file. Best effort: the zeros are only
   * an optimisation, so a failure (a full disk) cuts them away and is forgotten;
   * the data write that comes next reports the problem if it persists.
   */
  preallocate(end: number): void {
    this.fileSize = end;
    const size = Math.min(this.preallocationSize, Math.max(PREALLOCATION_SIZE_MIN, end));
    if (size <= 0) return;
    try {
      const zeros = zeroBuffer();
      let done = 0;
      while (done < size) {
        const count = Math.min(zeros.length, size - done);
        this.writeFully(zeros, 0, count, end + done);
        done += count;
      }
      this.fileSize = end + size;
    } catch {
      try {
        this.cutFile(end);
      } catch {
        // Bytes past the data belong to no moment; a read-write open cuts them.
      }
    }
  }

  /** fdatasyncs the file. */
  syncData(): void {
    this.stats.syncCalls++;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (error) {
      throw new IoError(`fdatasync of ${this.path} failed: ${describe(error)}`, error);
    }
  }

  /** fdatasyncs the file on libuv's thread pool; resolves when it is done. */
  syncDataAsync(): Promise<void> {
    this.stats.syncCalls++;
    return new Promise<void>((resolve, reject) => {
      fs.fdatasync(this.fd, (error) => {
        if (error === null) resolve();
        else reject(new IoError(`fdatasync of ${this.path} failed: ${describe(error)}`, error));
      });
    });
  }

  /** The file's size on the medium now (another process may have changed it). */
  statSize(): number {
    try {
      return fs.fstatSync(this.fd).size;
    } catch (error) {
      throw new IoError(`fstat of ${this.path} failed: ${describe(error)}`, error);
    }
  }

  /** Closes the descriptor. */
  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch (error) {
      throw new IoError(`close of ${this.path} failed: ${describe(error)}`, error);
    }
  }
}

let zeros: Uint8Array | undefined;

/** One shared buffer of zeros for reserves, never written to. */
function zeroBuffer(): Uint8Array {
  zeros ??= new Uint8Array(PREALLOCATION_SIZE_DEFAULT);
  return zeros;
}

/** The message of a caught error, for the messages of ours that wrap it. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Syncs the directory holding `path` so a newly created file's entry is durable. Best effort where directories cannot be synced (Windows). */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(nodePath.dirname(nodePath.resolve(path)), 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms refuse to open or sync a directory; the file's data is still synced on commit.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Throws InvalidArgumentError when `path` names something other than a regular
 * file (a directory, named pipe, socket or device); a missing path is fine (it
 * may be created). Symlinks are followed, as open follows them.
 */
export function refuseIfNotRegularFile(path: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    return; // missing, or unreadable: the open reports it
  }
  if (stat.isFile()) return;
  const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a named pipe' : stat.isSocket() ? 'a socket' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'not a regular file';
  throw new InvalidArgumentError(`${path} is ${kind}, not a database file`);
}

// Reading the history header as a reader racing a writer must: it reads again
// while a writer's commit changes the header or the size it sees, and stops
// early on a cut file, where nothing changes between attempts.

import { describe, expect, it } from 'vitest';
import { readHistoryHeader } from '../../src/history/history-header.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { CorruptDatabaseError } from '../../src/errors.js';
import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE } from '../../src/format/constants.js';
import { buildDatabase } from '../support/sample-databases.js';

/** A memory storage that counts header reads and can show a shorter size for its first `shortReads` size calls. */
class ScriptedStorage extends MemoryStorage {
  headerReads = 0;
  shortSizes = 0;
  visibleSize: number | undefined;

  override size(): number {
    if (this.shortSizes > 0 && this.visibleSize !== undefined) {
      this.shortSizes--;
      return this.visibleSize;
    }
    return super.size();
  }

  override read(position: number, target: Uint8Array): void {
    if (position === HISTORY_HEADER_POSITION && target.length === HISTORY_HEADER_SIZE) this.headerReads++;
    super.read(position, target);
  }
}

function scripted(bytes: Uint8Array): ScriptedStorage {
  const storage = new ScriptedStorage();
  storage.write(0, bytes);
  return storage;
}

const database = buildDatabase((engine) => {
  engine.transact((root) => root.hashMap().put('a').writeString('one'));
  engine.transact((root) => root.hashMap().put('b').writeString('two'));
});

describe('readHistoryHeader', () => {
  it('reads a whole file in one attempt', () => {
    const storage = scripted(database);
    const header = readHistoryHeader(storage, 0, new Uint8Array(HISTORY_HEADER_SIZE));
    expect(header.committedSize).toBe(database.length);
    expect(storage.headerReads).toBe(2);
  });

  it('reads again while the size it sees lags behind the header, as when a writer is committing', () => {
    const storage = scripted(database);
    storage.visibleSize = database.length - 100;
    // Two attempts see the shorter size (two size calls each), the third sees all of it.
    storage.shortSizes = 4;
    const header = readHistoryHeader(storage, 0, new Uint8Array(HISTORY_HEADER_SIZE));
    expect(header.committedSize).toBe(database.length);
    expect(storage.headerReads).toBe(6);
  });

  it('gives up on a cut file after a few attempts that change nothing, naming both sizes', () => {
    const storage = scripted(database.slice(0, database.length - 100));
    let error: unknown;
    try {
      readHistoryHeader(storage, 0, new Uint8Array(HISTORY_HEADER_SIZE));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect((error as Error).message).toContain(`says ${database.length} bytes are committed, but the data has ${database.length - 100}`);
    // Three attempts of two reads each, not a hundred.
    expect(storage.headerReads).toBe(6);
  });
});

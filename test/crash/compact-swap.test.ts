// Crash safety of the compaction's file swap (src/compact/swap-file.ts,
// compact-file.ts writeAndPublish): the same protocol runs on a simulated
// disk (a FaultStorage per file, and a folder whose renames are durable only
// once the folder is synced) that dies at every step: every write, flush and
// sync of the sibling, its creation, close, the rename and the folder sync.
// Whatever survives (a process crash, or a power loss with any subset of the
// unsynced writes landed, and the rename landed or not), the name of the
// database must hold a complete database: the old one, or the compacted one.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase, type DumpJson } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { FaultStorage, SimulatedCrash, type FaultEvent } from '../../src/storage/fault-storage.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import type { SwapFileSystem } from '../../src/compact/swap-file.js';
import { writeAndPublish } from '../../src/compact/compact-file.js';
import { keptMoments } from '../../src/api/compact.js';

const clock = (): number => 1_765_000_000_000;
const PATH = '/db/data.xit';

/** A storage whose every change is one step of the disk, which may die there. */
class SteppedStorage implements Storage {
  constructor(
    readonly inner: FaultStorage,
    private readonly disk: SimulatedDisk,
  ) {}
  get view(): DataView {
    return this.inner.view;
  }
  get bytes(): Uint8Array {
    return this.inner.bytes;
  }
  get readOnly(): boolean {
    return false;
  }
  get durable(): boolean {
    return true;
  }
  size(): number {
    return this.inner.size();
  }
  locate(position: number, length: number): number {
    return this.inner.locate(position, length);
  }
  read(position: number, target: Uint8Array): void {
    this.inner.read(position, target);
  }
  write(position: number, source: Uint8Array): void {
    this.disk.step('write');
    this.inner.write(position, source);
  }
  truncate(size: number): void {
    this.disk.step('truncate');
    this.inner.truncate(size);
  }
  flush(): void {
    this.disk.step('flush');
    this.inner.flush();
  }
  sync(): void {
    this.disk.step('sync');
    this.inner.sync();
  }
  close(): void {
    this.disk.step('close');
    // A closed file is flushed, as FileStorage's close does.
    this.inner.flush();
  }
}

/** Files by name, and the names a power loss keeps: those of the last folder sync. */
class SimulatedDisk implements SwapFileSystem {
  names = new Map<string, FaultStorage>();
  durableNames = new Map<string, FaultStorage>();
  steps = 0;
  private dead = false;
  constructor(private readonly crashAt = Number.POSITIVE_INFINITY) {}

  step(what: string): void {
    if (this.dead) throw new SimulatedCrash(this.steps, `${what} after the crash`);
    if (this.steps++ === this.crashAt) {
      this.dead = true;
      throw new SimulatedCrash(this.crashAt, `crash at ${what}`);
    }
  }
  create(path: string): Storage {
    this.step('create');
    const file = new FaultStorage();
    this.names.set(path, file);
    return new SteppedStorage(file, this);
  }
  rename(from: string, to: string): void {
    this.step('rename');
    const file = this.names.get(from);
    if (file === undefined) throw new Error(`no file ${from}`);
    this.names.delete(from);
    this.names.set(to, file);
  }
  syncDirectory(): void {
    this.step('sync folder');
    this.durableNames = new Map(this.names);
  }
  remove(path: string): void {
    this.step('remove');
    this.names.delete(path);
  }
}

/** A database of `commits` moments that share most of their data, as durable bytes. */
function oldDatabase(commits: number): Uint8Array {
  const storage = new MemoryStorage();
  const engine = Engine.open(storage, { hasher: sha1Hasher, clock });
  for (let i = 0; i < commits; i++) {
    engine.transact((root) => {
      const map = root.hashMap();
      map.put(`k${i % 7}`).writeUint(i);
      map.put('list').arrayList().append().writeString(`item ${i}`);
    });
  }
  return storage.toBytes().slice();
}

function reopenedDump(bytes: Uint8Array): DumpJson {
  const engine = Engine.open(MemoryStorage.fromBytes(bytes.slice(), { readOnly: false }), { hasher: sha1Hasher, clock });
  expect(verifyDatabase(engine).ok).toBe(true);
  return dumpDatabase(engine);
}

/** Runs the swap of `old` on a disk that dies at step `crashAt`; returns the disk. */
function swapOn(old: Uint8Array, crashAt: number, keep: 'latest' | { last: number }): { disk: SimulatedDisk; oldFile: FaultStorage; completed: boolean } {
  const disk = new SimulatedDisk(crashAt);
  const oldFile = new FaultStorage({ initial: old });
  disk.names.set(PATH, oldFile);
  disk.durableNames.set(PATH, oldFile);
  const engine = Engine.open(oldFile, { hasher: sha1Hasher, clock, readOnly: true });
  let completed = false;
  try {
    writeAndPublish(engine, PATH, keptMoments(engine, keep), {}, disk);
    completed = true;
  } catch (error) {
    if (!(error instanceof SimulatedCrash)) throw error;
  }
  return { disk, oldFile, completed };
}

/** A deterministic choice of landed writes, from the crash point and a salt. */
function landedSubset(seed: number): (event: FaultEvent) => boolean {
  return (event) => ((event.index * 2654435761 + seed * 40503) >>> 7) % 3 === 0;
}

describe('the compaction swap survives a crash at every step', () => {
  for (const keep of ['latest', { last: 3 }] as const) {
    it(`keep ${JSON.stringify(keep)}: the database's name holds the old database or the compacted one, complete`, () => {
      const old = oldDatabase(12);
      const oldDump = reopenedDump(old);
      const clean = swapOn(old, Number.POSITIVE_INFINITY, keep);
      expect(clean.completed).toBe(true);
      const newFile = clean.disk.names.get(PATH) as FaultStorage;
      const newDump = reopenedDump(newFile.survivingImage({ mode: 'power' }));
      const totalSteps = clean.disk.steps;
      expect(totalSteps).toBeGreaterThan(4);
      const seen = new Set<string>();
      for (let crashAt = 0; crashAt < totalSteps; crashAt++) {
        const { disk, oldFile } = swapOn(old, crashAt, keep);
        // Each outcome: which names survive, and which bytes of the file they name.
        const outcomes: Array<{ label: string; names: Map<string, FaultStorage>; image: (file: FaultStorage) => Uint8Array }> = [
          { label: 'process crash', names: disk.names, image: (file) => file.survivingImage({ mode: 'process' }) },
          { label: 'power loss, folder as synced', names: disk.durableNames, image: (file) => file.survivingImage({ mode: 'power' }) },
          { label: 'power loss, rename landed', names: disk.names, image: (file) => file.survivingImage({ mode: 'power' }) },
          { label: 'power loss, some writes landed', names: disk.names, image: (file) => file.survivingImage({ mode: 'power', landed: landedSubset(crashAt) }) },
        ];
        for (const outcome of outcomes) {
          const file = outcome.names.get(PATH);
          expect(file, `${outcome.label} at step ${crashAt}: the database's name is gone`).toBeDefined();
          const bytes = file === oldFile ? old : outcome.image(file as FaultStorage);
          const dump = reopenedDump(bytes);
          // The old file, untouched, or the sibling, complete: never a part of it.
          const which = file === oldFile ? 'old' : 'new';
          expect(dump, `${outcome.label} at step ${crashAt}: the ${which} file`).toEqual(which === 'old' ? oldDump : newDump);
          seen.add(which);
        }
      }
      // Both ends were reached: crashes before the rename keep the old, after it the new.
      expect(seen).toEqual(new Set(['old', 'new']));
    });
  }
});

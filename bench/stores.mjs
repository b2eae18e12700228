// The on-disk stores of the disk and open benchmarks behind one shape, each used
// the way its documentation recommends, and each durable: a bulk load or a
// one-key commit returns (or resolves) only once its data would survive a power
// loss.
//
//   create(path)            a new, empty database
//   reopen(path)            an existing one
//   bulkLoad(db, keys, values)   one durable transaction of every pair
//   readAll(db, keys, order)     a point read of keys[order[j]] for every j; returns the values' checksum
//   readAllNoAlloc(db, keys, order)  optional: the same reads with no allocation per value (noAllocNote says how)
//   scan(db)                every entry, keys and values read; returns { count, sum }
//   commitOne(db, key, value)    one durable transaction of one pair
//   close(db)
//   files(path)             the paths whose bytes are the database

import fs from 'node:fs';
import Database from 'better-sqlite3';
import { ClassicLevel } from 'classic-level';
import { open as openLmdb } from 'lmdb';
import { openFile } from '../dist/src/node.js';
import { scanLmdbAll, sumBytes, sumBytesIn } from './common.mjs';

const stratadb = {
  name: 'stratadb',
  note: "file, durability 'sync' (one fdatasync per commit, after its trailer; FORMAT.md §Commit trailer), xx16 hasher, plain hash map",
  async create(path) {
    return openFile(path, { durability: 'sync' });
  },
  async reopen(path) {
    return openFile(path, { durability: 'sync' });
  },
  async bulkLoad(engine, keys, values) {
    engine.transact((root) => {
      const map = root.hashMap();
      for (let i = 0; i < keys.length; i++) map.put(keys[i]).writeBytes(values[i]);
    });
  },
  readAll(engine, keys, order) {
    const map = engine.moment(-1).asHashMap();
    let sum = 0;
    for (let j = 0; j < order.length; j++) sum += sumBytes(map.get(keys[order[j]]).readBytes());
    return sum;
  },
  noAllocNote: 'readBytesInto one reused buffer',
  readAllNoAlloc(engine, keys, order) {
    const map = engine.moment(-1).asHashMap();
    const buffer = new Uint8Array(256);
    let sum = 0;
    for (let j = 0; j < order.length; j++) sum += sumBytesIn(buffer, map.get(keys[order[j]]).readBytesInto(buffer));
    return sum;
  },
  scan(engine) {
    let count = 0;
    let sum = 0;
    for (const entry of engine.moment(-1).asHashMap().entries()) {
      if (entry.key.readBytes().length !== 16) throw new Error('stratadb: bad key');
      sum += sumBytes(entry.value.readBytes());
      count++;
    }
    return { count, sum };
  },
  async commitOne(engine, key, value) {
    engine.transact((root) => root.hashMap().put(key).writeBytes(value));
  },
  async close(engine) {
    engine.close();
  },
  files: (path) => [path],
};

const lmdb = {
  name: 'lmdb',
  note: 'lmdb-js defaults (overlappingSync), binary keys and values, no compression; a commit counts once db.flushed resolves',
  async create(path) {
    return openLmdb({ path, keyEncoding: 'binary', encoding: 'binary', compression: false });
  },
  async reopen(path) {
    return this.create(path);
  },
  async bulkLoad(db, keys, values) {
    db.transactionSync(() => {
      for (let i = 0; i < keys.length; i++) db.put(keys[i], values[i]);
    });
    await db.flushed;
  },
  readAll(db, keys, order) {
    let sum = 0;
    for (let j = 0; j < order.length; j++) sum += sumBytes(db.get(keys[order[j]]));
    return sum;
  },
  noAllocNote: 'getBinaryFast (a reused buffer)',
  readAllNoAlloc(db, keys, order) {
    let sum = 0;
    for (let j = 0; j < order.length; j++) sum += sumBytes(db.getBinaryFast(keys[order[j]]));
    return sum;
  },
  scan(db) {
    return scanLmdbAll(db);
  },
  async commitOne(db, key, value) {
    await db.put(key, value);
    await db.flushed;
  },
  async close(db) {
    await db.close();
  },
  files: (path) => [path],
};

function sqlite(journal) {
  return {
    name: `better-sqlite3 (${journal === 'WAL' ? 'WAL' : 'rollback journal'})`,
    note:
      `journal_mode=${journal}, synchronous=FULL; table (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID; prepared statements` +
      (journal === 'WAL' ? '' : ' (the default journal)'),
    async create(path) {
      const db = new Database(path);
      db.pragma(`journal_mode = ${journal}`);
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID');
      return { db, get: db.prepare('SELECT v FROM kv WHERE k = ?').pluck(), put: db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)') };
    },
    async reopen(path) {
      return this.create(path);
    },
    async bulkLoad(s, keys, values) {
      s.db.transaction(() => {
        for (let i = 0; i < keys.length; i++) s.put.run(keys[i], values[i]);
      })();
    },
    readAll(s, keys, order) {
      let sum = 0;
      for (let j = 0; j < order.length; j++) sum += sumBytes(s.get.get(keys[order[j]]));
      return sum;
    },
    scan(s) {
      let count = 0;
      let sum = 0;
      for (const [key, value] of s.db.prepare('SELECT k, v FROM kv').raw().iterate()) {
        if (key.length !== 16) throw new Error('sqlite: bad key');
        sum += sumBytes(value);
        count++;
      }
      return { count, sum };
    },
    async commitOne(s, key, value) {
      s.put.run(key, value);
    },
    async close(s) {
      s.db.close();
    },
    files: (path) => [path, `${path}-wal`, `${path}-shm`, `${path}-journal`],
  };
}

const level = {
  name: 'classic-level',
  note: 'LevelDB defaults, buffer encodings; bulk load as one chained batch written with sync: true, one-key commits put with sync: true; reads with getSync',
  async create(path) {
    const db = new ClassicLevel(path, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    return db;
  },
  async reopen(path) {
    return this.create(path);
  },
  async bulkLoad(db, keys, values) {
    const batch = db.batch();
    for (let i = 0; i < keys.length; i++) batch.put(keys[i], values[i]);
    await batch.write({ sync: true });
  },
  readAll(db, keys, order) {
    let sum = 0;
    for (let j = 0; j < order.length; j++) sum += sumBytes(db.getSync(keys[order[j]]));
    return sum;
  },
  async scan(db) {
    let count = 0;
    let sum = 0;
    const iterator = db.iterator({ highWaterMarkBytes: 1 << 20 });
    try {
      for (;;) {
        const entries = await iterator.nextv(1000);
        if (entries.length === 0) break;
        for (const [key, value] of entries) {
          if (key.length !== 16) throw new Error('classic-level: bad key');
          sum += sumBytes(value);
          count++;
        }
      }
    } finally {
      await iterator.close();
    }
    return { count, sum };
  },
  async commitOne(db, key, value) {
    await db.put(key, value, { sync: true });
  },
  async close(db) {
    await db.close();
  },
  files: (path) => [path],
};

export const stores = [stratadb, lmdb, sqlite('WAL'), sqlite('DELETE'), level];

/** Removes every file of a store's database. */
export function removeStore(store, path) {
  for (const file of [...store.files(path), `${path}-lock`]) fs.rmSync(file, { recursive: true, force: true });
}

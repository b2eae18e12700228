// Linked lists written by xitdb-java 0.28 (gen-1, with relaxed and gapped
// nodes): every operation works on them and agrees with the expected JSON, and
// a second-generation (B-tree) list is refused with IncompatibleDatabaseError.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpValue, type DumpValue } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { Slot } from '../../src/format/slot.js';
import { Tag } from '../../src/format/tags.js';
import { fixtureBytes, fixtureJson, haveFixtures, announceFixtures } from '../support/fixtures.js';
import { expectValidList } from './support.js';

announceFixtures();

const describeFixtures = haveFixtures ? describe : describe.skip;

type ListsJson = { moments: Array<{ hash_map: Record<string, DumpValue> }> };

describeFixtures('linked lists from lists.db', () => {
  // A skipped describe's body still runs to collect its tests, so the fixture is
  // read only when it is there: without ../shared this file skips, not fails.
  const expected: ListsJson = haveFixtures ? (fixtureJson('lists.expected.json') as ListsJson) : { moments: [{ hash_map: {} }] };
  const latest = expected.moments[expected.moments.length - 1]!.hash_map;
  const listKeys = Object.keys(latest).filter((key) => latest[key] !== null && typeof latest[key] === 'object' && 'linked_array_list' in (latest[key] as object));

  it('has linked lists to work on', () => {
    expect(listKeys.length).toBeGreaterThan(0);
  });

  for (const key of listKeys) {
    it(`edits "${key}" with every operation and matches the model`, () => {
      const engine = Engine.open(MemoryStorage.fromBytes(fixtureBytes('lists.db'), { readOnly: false }), { hasher: sha1Hasher });
      const model = [...(latest[key] as { linked_array_list: DumpValue[] }).linked_array_list];
      engine.transact((root) => {
        const list = root.hashMap().put(key).linkedArrayList();
        expect(list.count()).toBe(model.length);
        list.append().writeString('appended');
        model.push({ bytes: 'appended' });
        list.insert(0).writeString('first');
        model.unshift({ bytes: 'first' });
        if (model.length > 3) {
          list.remove(2);
          model.splice(2, 1);
          list.put(-2).writeString('put');
          model[model.length - 2] = { bytes: 'put' };
        }
        list.concat(root.hashMap().read().get(key)!);
        model.push(...model);
        list.slice(1, model.length - 2);
        model.splice(0, 1);
        model.splice(model.length - 1, 1);
      });
      const cursor = engine.moment(-1).asHashMap().get(key)!;
      expect(dumpValue(cursor)).toEqual({ linked_array_list: model });
      // Lists written by xitdb keep their shape where we did not touch them, so only
      // the counts and sharing rules are checked here, not our balance rule.
      expectValidList(engine, cursor, false);
      // The file's own moments are unchanged.
      expect(dumpValue(engine.moment(expected.moments.length - 1).asHashMap().get(key)!)).toEqual(latest[key]);
    });
  }
});

describe('second-generation linked lists', () => {
  it('written by hand as another implementation would, are read, edited in their own layout and verified', () => {
    const storage = new MemoryStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('list').writeUint(0));
    // A gen-2 list (FORMAT.md §Gen-2 linked array lists): a leaf node [kind 0][3 entries][3 uint slots] then its 16-byte header.
    const node = new Uint8Array(2 + 9 * 16);
    node[0] = 0;
    node[1] = 3;
    for (let i = 0; i < 3; i++) node.set(new Slot(Tag.UINT, false, 0, 10 + i).toBytes(), 2 + 9 * i);
    engine.transact((root) => {
      const nodePosition = engine.io.append(node);
      const header = new Uint8Array(16);
      const view = new DataView(header.buffer);
      view.setUint32(4, 3);
      view.setUint32(12, nodePosition);
      const headerPosition = engine.io.append(header);
      engine.io.writeSlot(root.hashMap().put('list').slotPosition, Slot.pointer(Tag.LINKED_ARRAY_LIST, headerPosition));
    });
    const cursor = engine.moment(-1).asHashMap().get('list')!;
    expect([...cursor.asLinkedArrayList()].map((item) => item.readUint())).toEqual([10n, 11n, 12n]);
    expect(dumpValue(cursor)).toEqual({ linked_array_list: [{ uint: '10' }, { uint: '11' }, { uint: '12' }] });
    engine.transact((root) => root.hashMap().put('list').linkedArrayList().append().writeUint(13));
    engine.transact((root) => root.hashMap().put('copy').writeSlot(root.hashMap().read().get('list')!));
    const list = engine.moment(-1).asHashMap().get('copy')!.asLinkedArrayList();
    expect([...list].map((item) => item.readUint())).toEqual([10n, 11n, 12n, 13n]);
    expect(verifyDatabase(engine).problems).toEqual([]);
  });
});

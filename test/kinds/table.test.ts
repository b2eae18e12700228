// The tag table and the one reachability walk: every tag has one row, every
// structure kind one descriptor that the sites consult, and the walk offers
// each distinct record once, however much the data shares.

import { describe, expect, it } from 'vitest';
import { Tag, tagName } from '../../src/format/tags.js';
import { describeTag, isStructureTag, structureKind, tagInfo } from '../../src/kinds/table.js';
import { structureVerifier } from '../../src/kinds/verifiers.js';
import { walkRecords } from '../../src/history/records.js';
import { reachableBytes } from '../../src/history/stats.js';
import { buildDatabase, listsDatabase, mapsDatabase, openBytes } from '../support/sample-databases.js';

const STRUCTURE_TAGS = [Tag.ARRAY_LIST, Tag.LINKED_ARRAY_LIST, Tag.HASH_MAP, Tag.HASH_SET, Tag.COUNTED_HASH_MAP, Tag.COUNTED_HASH_SET, Tag.SORTED_MAP, Tag.SORTED_SET];

describe('tagInfo', () => {
  it('has one row per tag from 0 to 15, named as FORMAT.md names it', () => {
    for (let tag = 0; tag <= 15; tag++) {
      const info = tagInfo(tag);
      expect(info?.tag).toBe(tag);
      expect(info?.name).toBe(tagName(tag));
    }
    expect(tagInfo(16)).toBeUndefined();
  });

  it('gives a descriptor to exactly the map, set, list and sorted map tags, each under its own tag', () => {
    for (let tag = 0; tag <= 15; tag++) {
      const kind = structureKind(tag);
      expect(isStructureTag(tag)).toBe(STRUCTURE_TAGS.includes(tag as (typeof STRUCTURE_TAGS)[number]));
      if (kind !== undefined) {
        expect(kind.tag).toBe(tag);
        expect(kind.name).toBe(tagName(tag));
        expect(tagInfo(tag)?.role).toBe('structure');
      }
    }
  });

  it('gives a checker (kinds/verifiers.ts) to exactly the tags with a descriptor', () => {
    for (let tag = 0; tag <= 16; tag++) expect(structureVerifier(tag) !== undefined, tagName(tag)).toBe(structureKind(tag) !== undefined);
  });

  it('states each kind as the JS API reads it: family and counted', () => {
    const facts = STRUCTURE_TAGS.map((tag) => [tagName(tag), structureKind(tag)?.family, structureKind(tag)?.counted]);
    expect(facts).toEqual([
      ['array_list', 'list', false],
      ['linked_array_list', 'list', false],
      ['hash_map', 'map', false],
      ['hash_set', 'set', false],
      ['counted_hash_map', 'map', true],
      ['counted_hash_set', 'set', true],
      ['sorted_map', 'sorted-map', false],
      ['sorted_set', 'sorted-set', false],
    ]);
  });
});

describe('describeTag', () => {
  it('words every tag as the messages of the JS API always have', () => {
    const words = Array.from({ length: 17 }, (_, tag) => describeTag(tag));
    expect(words).toEqual([
      'nothing',
      'an index block',
      'a list',
      'a linked list',
      'a map',
      'a kv pair',
      'a string or bytes',
      'a string or bytes',
      'a number',
      'a number',
      'a number',
      'a set',
      'a map',
      'a set',
      'a sorted map',
      'a sorted set',
      'a value with tag 16',
    ]);
  });
});

describe('walkRecords', () => {
  it('offers a structure stored in many places once, even to a visitor that always descends', () => {
    const bytes = buildDatabase((engine) =>
      engine.transact((root) => {
        const map = root.hashMap();
        const shared = map.put('a').hashMap();
        for (let i = 0; i < 40; i++) shared.put(`k${i}`).writeString(`a value longer than eight bytes ${i}`);
        const slot = map.put('a').refresh().slot;
        for (let i = 0; i < 10; i++) map.put(`copy${i}`).writeSlot(slot);
      }),
    );
    const engine = openBytes(bytes);
    const offered: number[] = [];
    walkRecords(engine.io, engine.moment(-1).slot, (position) => {
      offered.push(position);
      return true;
    });
    expect(offered.length).toBeGreaterThan(40);
    expect(new Set(offered).size).toBe(offered.length);
  });

  it('reaches every record of every structure kind: the reachable bytes of the sample databases stay as they were', () => {
    // Pinned before the walk went through the descriptors.
    const sizes = [mapsDatabase(), listsDatabase()].map((bytes) => {
      const engine = openBytes(bytes);
      return reachableBytes(engine.io, engine.moment(-1).slot);
    });
    expect(sizes).toEqual(PINNED_SIZES);
  });
});

const PINNED_SIZES = [6113, 1731];

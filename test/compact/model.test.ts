// Model test of compaction (issue 16): random histories (maps, sets, counted
// ones, array and linked lists, sorted maps, nested maps, structures shared
// between moments and within one, reverts and undos, metadata) compacted under
// random keep policies and drops. Every kept moment's typed-JSON dump equals
// the source's (with the dropped key taken out), times, metadata and restored
// moments carry over, verifyDatabase is clean, and compacting the result again
// gives the same bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import type { Engine } from '../../src/history/engine.js';
import type { DumpValue } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { compactInto, selectMoments, type KeepPolicy } from '../../src/compact/index.js';
import { propertyParameters } from '../model/model-support.js';
import { dumpMoment, newSource, reopen } from './support.js';

const SECRET = 'secret';

type Op =
  | { op: 'put'; key: number; text: string }
  | { op: 'uint'; key: number; value: number }
  | { op: 'remove'; key: number }
  | { op: 'nested'; key: number; inner: number; text: string }
  | { op: 'set'; member: number; add: boolean; counted: boolean }
  | { op: 'list'; value: number; slice: boolean }
  | { op: 'linked'; value: number }
  | { op: 'sorted'; key: number; remove: boolean }
  | { op: 'snapshot'; back: number }
  | { op: 'clone'; key: number }
  | { op: 'secret'; text: string };

type Step = { kind: 'tx'; ops: Op[]; meta: number | undefined } | { kind: 'revert'; back: number } | { kind: 'undo' };

const text = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ minLength: 9, maxLength: 40 }));
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key: fc.nat(12), text }),
  fc.record({ op: fc.constant('uint' as const), key: fc.nat(12), value: fc.nat() }),
  fc.record({ op: fc.constant('remove' as const), key: fc.nat(12) }),
  fc.record({ op: fc.constant('nested' as const), key: fc.nat(3), inner: fc.nat(30), text }),
  fc.record({ op: fc.constant('set' as const), member: fc.nat(40), add: fc.boolean(), counted: fc.boolean() }),
  fc.record({ op: fc.constant('list' as const), value: fc.nat(1000), slice: fc.boolean() }),
  fc.record({ op: fc.constant('linked' as const), value: fc.nat(1000) }),
  fc.record({ op: fc.constant('sorted' as const), key: fc.nat(60), remove: fc.boolean() }),
  fc.record({ op: fc.constant('snapshot' as const), back: fc.nat(5) }),
  fc.record({ op: fc.constant('clone' as const), key: fc.nat(3) }),
  fc.record({ op: fc.constant('secret' as const), text: fc.string({ minLength: 9, maxLength: 20 }) }),
);
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('tx' as const), ops: fc.array(opArbitrary, { minLength: 1, maxLength: 12 }), meta: fc.option(fc.nat(), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revert' as const), back: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'undo' as const }) },
);
type PolicySpec = { kind: 'latest' } | { kind: 'last'; n: number } | { kind: 'since'; back: number } | { kind: 'mask'; bits: number[] };
const policyArbitrary: fc.Arbitrary<PolicySpec> = fc.oneof(
  fc.constant({ kind: 'latest' as const }),
  fc.record({ kind: fc.constant('last' as const), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('since' as const), back: fc.nat(10) }),
  fc.record({ kind: fc.constant('mask' as const), bits: fc.array(fc.nat(1), { maxLength: 30 }) }),
);

function apply(engine: Engine, root: WriteCursor, op: Op): void {
  const map = root.hashMap();
  switch (op.op) {
    case 'put':
      map.put(`k${op.key}`).writeString(op.text);
      break;
    case 'uint':
      map.put(`k${op.key}`).writeUint(op.value);
      break;
    case 'remove':
      map.remove(`k${op.key}`);
      break;
    case 'nested':
      map.put(`m${op.key}`).hashMap().put(`inner ${op.inner}`).writeString(op.text);
      break;
    case 'set': {
      const set = op.counted ? map.put('cset').countedHashSet() : map.put('set').hashSet();
      if (op.add) set.add(`member ${op.member}`);
      else set.remove(`member ${op.member}`);
      break;
    }
    case 'list': {
      const list = map.put('list').arrayList();
      if (op.slice) list.slice(Math.floor(list.count() / 2));
      else for (let i = 0; i < 7; i++) list.append().writeUint(op.value + i);
      break;
    }
    case 'linked':
      map.put('linked').linkedArrayList().append().writeUint(op.value);
      break;
    case 'sorted': {
      const sorted = map.put('sorted').sortedMap();
      if (op.remove) sorted.remove(`s${String(op.key).padStart(2, '0')}`);
      else sorted.put(`s${String(op.key).padStart(2, '0')}`).writeString(`value of sorted key ${op.key}`);
      break;
    }
    case 'snapshot': {
      // A committed moment's root stored in this one: shared between moments.
      if (engine.momentCount > 0) map.put('snap').writeSlot(engine.moment(Math.max(0, engine.momentCount - 1 - op.back)));
      break;
    }
    case 'clone': {
      // A committed structure stored a second time in this moment: shared within it.
      const source = engine.momentCount === 0 ? undefined : engine.moment(-1).asHashMap().get(`m${op.key}`);
      if (source !== undefined) map.put(`clone${op.key}`).writeSlot(source);
      break;
    }
    case 'secret':
      map.put(SECRET).writeString(op.text);
      break;
  }
}

function run(engine: Engine, steps: readonly Step[]): void {
  for (const step of steps) {
    if (step.kind === 'tx') engine.transact((root) => step.ops.forEach((op) => apply(engine, root, op)), step.meta === undefined ? undefined : { meta: { n: step.meta } });
    else if (engine.momentCount < 2) continue;
    else if (step.kind === 'revert') engine.revert(Math.max(0, engine.momentCount - 1 - step.back), { meta: 'revert' });
    else engine.undo(1);
  }
}

function policyOf(spec: PolicySpec, engine: Engine): KeepPolicy {
  switch (spec.kind) {
    case 'latest':
      return 'latest';
    case 'last':
      return { last: spec.n };
    case 'since':
      return { since: engine.momentInfo(Math.max(0, engine.momentCount - 1 - spec.back)).time as number };
    case 'mask':
      return (moment) => spec.bits[moment.index] === 1;
  }
}

/** The dump of a moment without the dropped key at its top. */
function withoutSecret(value: DumpValue): DumpValue {
  if (value === null || !('hash_map' in value)) return value;
  const entries = { ...value.hash_map };
  delete entries[SECRET];
  return { hash_map: entries };
}

describe('compaction, model', () => {
  it('keeps each chosen moment equal to the source by dump, verified, stable when compacted again', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 14 }), policyArbitrary, fc.boolean(), (steps, policySpec, drop) => {
        const { engine } = newSource();
        run(engine, steps);
        if (engine.momentCount === 0) return;
        const keep = policyOf(policySpec, engine);
        const kept = selectMoments(engine, keep);
        const target = new MemoryStorage({ durable: true });
        const result = compactInto(engine, target, drop ? { keep, drop: [[SECRET]] } : { keep });
        expect(result.kept).toEqual(kept);
        const compacted = reopen(target);
        expect(verifyDatabase(compacted).problems).toEqual([]);
        expect(compacted.momentCount).toBe(kept.length);
        kept.forEach((index, i) => {
          const expected = dumpMoment(engine, index);
          expect(dumpMoment(compacted, i)).toEqual(drop ? withoutSecret(expected) : expected);
          const before = engine.momentInfo(index);
          const after = compacted.momentInfo(i);
          expect(after.time).toBe(before.time);
          expect(after.meta).toEqual(before.meta);
          const restored = before.restoredFrom === undefined ? -1 : kept.indexOf(before.restoredFrom);
          expect(after.restoredFrom).toBe(restored < 0 ? undefined : restored);
        });
        const again = new MemoryStorage({ durable: true });
        compactInto(compacted, again, { keep: () => true });
        expect(again.toBytes()).toEqual(target.toBytes());
      }),
      propertyParameters(60),
    );
  });
});

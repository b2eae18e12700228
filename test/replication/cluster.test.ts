// The NATS test cluster and the client features replication relies on, against
// the nats-server installed (Debian's 2.9.10 in CI): an R3 stream whose
// publishes carry a message id and the expected last sequence, a KV bucket
// updated with compare-and-set on its revision, and an object store.

import { describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { clusterForSuite, haveNats, locateNatsServer, natsServerVersion } from '../support/nats-cluster.js';

describe('locating nats-server', () => {
  it('skips with a message outside CI and fails under CI', () => {
    expect(locateNatsServer({}, () => false).skipMessage).toMatch(/skipping NATS replication tests: no nats-server/);
    expect(() => locateNatsServer({ CI: 'true' }, () => false)).toThrow(/install-nats/);
    expect(locateNatsServer({ NATS_SERVER: '/x/nats' }, (p) => p === '/x/nats')).toEqual({ path: '/x/nats', skipMessage: null });
  });
});

describe.skipIf(!haveNats)(`a three-server JetStream cluster (${natsServerVersion()})`, () => {
  let nc: NatsConnection;
  clusterForSuite((_, connection) => {
    nc = connection;
  });

  it('stores publishes on three replicas, deduplicates by message id, and rejects a wrong expected last sequence', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'probe', subjects: ['probe.>'], num_replicas: 3, storage: StorageType.File, retention: RetentionPolicy.Limits });
    const js = jetstream(nc);
    const first = await js.publish('probe.a', new Uint8Array([1]), { msgID: 'm1', expect: { lastSequence: 0 } });
    expect(first.seq).toBe(1);
    const again = await js.publish('probe.a', new Uint8Array([1]), { msgID: 'm1' });
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(1);
    const stale = js.publish('probe.a', new Uint8Array([2]), { msgID: 'm2', expect: { lastSequence: 0 } });
    await expect(stale).rejects.toBeInstanceOf(JetStreamApiError);
    const info = await jsm.streams.info('probe');
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas?.length).toBe(2);
    expect(info.state.messages).toBe(1);
  });

  it('updates a KV key only at the revision it was read at', async () => {
    const kv = await new Kvm(nc).create('probe-kv', { replicas: 3 });
    const revision = await kv.create('lease', new TextEncoder().encode('a'));
    await expect(kv.create('lease', new TextEncoder().encode('b'))).rejects.toThrow();
    const next = await kv.update('lease', new TextEncoder().encode('c'), revision);
    expect(next).toBeGreaterThan(revision);
    await expect(kv.update('lease', new TextEncoder().encode('d'), revision)).rejects.toThrow();
    expect(new TextDecoder().decode((await kv.get('lease'))?.value)).toBe('c');
  });

  it('keeps an object in an object store', async () => {
    const os = await new Objm(nc).create('probe-obj', { replicas: 3 });
    const data = new Uint8Array(100_000).map((_, i) => i % 251);
    await os.putBlob({ name: 'snap' }, data);
    const back = await os.getBlob('snap');
    expect(back).toEqual(data);
  });
});

// The replication entry point, 'stratadb/replication' (Node only, and only for
// those who replicate: it needs the optional peers @nats-io/transport-node,
// @nats-io/jetstream and @nats-io/kv). A writer publishes every commit's tail
// to a NATS JetStream stream; followers keep local replicas; a lease in a KV
// bucket fences the writer. See the README's Replication section.

export { replicate, ReplicatedWriter, type ReplicateOptions, type ReplicationDurability, type ReplicatedCompactOptions, type ReplicatedCompactResult } from './replication/writer.js';
export { follow, Follower, type FollowOptions, type ReplicaLag } from './replication/follower.js';
export type { LeaseOptions } from './replication/lease.js';
export type { SnapshotInfo } from './replication/snapshot-store.js';
export { ReplicationError, FencedError } from './errors.js';

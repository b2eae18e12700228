// A replicated writer process for the replication tests: opens the database
// file argv[2] (created when missing), replicates it as argv[3] to the NATS
// servers argv[4] (comma-separated) with a lease of argv[5] ms, then commits
// in a loop with durability `replicated`: moment for step N sets a and b to N
// and, every third step, a blob of argv[6] bytes (so that some tails take
// several messages). It prints "acked N SIZE" once step N's commit is
// acknowledged (SIZE: the committed size after it), and "stopped NAME
// MESSAGE" when a commit fails, then exits 3. Runs until killed. With argv[7]
// = K > 0, after every K-th step it compacts (keeping every moment) into a
// new epoch and prints "compacted EPOCH SIZE" once its base is published.

import { open } from '../../dist/src/node.js';
import { replicate } from '../../dist/src/replication.js';
import { connect } from '@nats-io/transport-node';

const [path, name, servers, ttl, blob, compactEvery = '0'] = process.argv.slice(2);
const connection = await connect({ servers: servers.split(','), reconnectTimeWait: 100, maxReconnectAttempts: -1 });
const db = await open(path);
const writer = await replicate(db, { name, connection, lease: { ttlMs: Number(ttl), holder: `child ${process.pid}` } });
process.stdout.write(`started ${db.engine.committedSize}\n`);
for (let n = 1; ; n++) {
  try {
    await writer.transactAsync((tx) => {
      tx.set(['a'], n);
      tx.set(['b'], n);
      if (n % 3 === 0) tx.set(['blob'], 'y'.repeat(Number(blob)));
    });
    process.stdout.write(`acked ${n} ${db.engine.committedSize}\n`);
    if (Number(compactEvery) > 0 && n % Number(compactEvery) === 0) {
      const { epoch } = await writer.compact({ keep: { last: 1_000_000 }, snapshot: false });
      process.stdout.write(`compacted ${epoch} ${db.engine.committedSize}\n`);
    }
  } catch (error) {
    process.stdout.write(`stopped ${error.name} ${String(error.message).replace(/\n/g, ' ')}\n`);
    process.exit(3);
  }
}

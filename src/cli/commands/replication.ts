// `stratadb replicate FILE --name NAME --servers URLS [--snapshot]`: takes the
// write lease of NAME, publishes what its stream lacks of FILE (its base, or
// the commits since the stream's last), with --snapshot also uploads FILE as
// the snapshot new replicas start from, releases the lease and exits. With
// --new-epoch it publishes FILE whole as a new epoch (after `stratadb compact
// FILE`): replicas move to it.
// `stratadb follow FILE --name NAME --servers URLS [--once]`: keeps FILE a
// replica of NAME until interrupted; --once: catch up and exit.
// Both load stratadb/replication and the NATS client only when run, so the
// rest of the command line works without the optional @nats-io packages.

import { Command, Option } from 'commander';
import { ReplicationError } from '../../errors.js';
import { UsageError, type CliContext } from '../context.js';
import { openOn } from '../../api/database.js';
import { FileStorage } from '../../storage/file-storage.js';

interface ReplicationOptions {
  name?: string;
  servers?: string;
}

function nameOption(): Option {
  return new Option('--name <name>', "the database's name on the NATS servers");
}

function serversOption(): Option {
  return new Option('--servers <urls>', 'the NATS servers, comma-separated (nats://host:port,...)');
}

/** The replication module and a connection; a clear error when the optional packages are missing or the servers cannot be reached. */
async function connectFor(options: ReplicationOptions) {
  if (options.name === undefined) throw new UsageError('--name NAME is required');
  if (options.servers === undefined) throw new UsageError('--servers URLS is required');
  let replication: typeof import('../../replication.js');
  let transport: typeof import('@nats-io/transport-node');
  try {
    replication = await import('../../replication.js');
    transport = await import('@nats-io/transport-node');
  } catch (error) {
    throw new ReplicationError(
      `replication needs the optional packages @nats-io/transport-node, @nats-io/jetstream, @nats-io/kv and @nats-io/obj (npm install them beside stratadb): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const servers = options.servers.split(',').filter((url) => url !== '');
  try {
    const connection = await transport.connect({ servers, timeout: 5000 });
    return { replication, connection, name: options.name };
  } catch (error) {
    throw new ReplicationError(`cannot reach the NATS servers ${servers.join(', ')}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** `replicate`: see the file's top comment. */
export function replicateCommand(ctx: CliContext): Command {
  return new Command('replicate')
    .description('publish what the NATS stream NAME lacks of FILE (the write lease is taken, then released); --snapshot: upload FILE for new replicas too')
    .argument('<file>', 'the database file')
    .addOption(nameOption())
    .addOption(serversOption())
    .option('--snapshot', 'also upload the snapshot new replicas start from')
    .option('--new-epoch', 'publish FILE whole as a new epoch, for a file compacted since its last publish (replicas move to it)')
    .action(async (file: string, options: ReplicationOptions & { snapshot?: boolean; newEpoch?: boolean }) => {
      const { replication, connection, name } = await connectFor(options);
      try {
        const db = await openOn(FileStorage.open(file, { create: false }), {});
        let writer: Awaited<ReturnType<typeof replication.replicate>>;
        try {
          writer = await replication.replicate(db, { name, connection, durability: 'replicated', newEpoch: options.newEpoch === true });
        } catch (error) {
          db.close();
          throw error;
        }
        try {
          await writer.flush();
          const snapshot = options.snapshot === true ? await writer.uploadSnapshot() : undefined;
          const epoch = writer.epoch === 0 ? '' : ` (epoch ${writer.epoch})`;
          ctx.io.out(`published ${writer.publishedSize} bytes, ${writer.database.momentCount} moments, to ${name}${epoch}${snapshot === undefined ? '' : `; snapshot of ${snapshot.size} bytes uploaded`}\n`);
        } finally {
          await writer.close();
        }
      } finally {
        await connection.close();
      }
    });
}

/** `follow`: see the file's top comment. `stop` ends a run without --once (default: SIGINT or SIGTERM). */
export function followCommand(ctx: CliContext, stop?: Promise<void>): Command {
  return new Command('follow')
    .description('keep FILE a replica of the NATS stream NAME until interrupted; --once: catch up and exit')
    .argument('<file>', 'the replica file (created when missing)')
    .addOption(nameOption())
    .addOption(serversOption())
    .option('--once', 'catch up with the stream, then exit')
    .action(async (file: string, options: ReplicationOptions & { once?: boolean }) => {
      const { replication, connection, name } = await connectFor(options);
      try {
        const follower = await replication.follow({ name, connection, path: file });
        try {
          await follower.catchUp();
          ctx.io.out(`${file}: ${follower.position} bytes, ${follower.moments} moments, caught up with ${name}\n`);
          if (options.once !== true) {
            await (stop ??
              new Promise<void>((resolve) => {
                process.once('SIGINT', () => resolve());
                process.once('SIGTERM', () => resolve());
              }));
            if (follower.failed !== undefined) throw follower.failed;
            ctx.io.out(`${file}: ${follower.position} bytes, ${follower.moments} moments when stopped\n`);
          }
        } finally {
          await follower.close();
        }
      } finally {
        await connection.close();
      }
    });
}

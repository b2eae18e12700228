// A three-server NATS JetStream cluster on loopback ports for the replication
// tests: each server gets free ports and a temporary store folder, and is
// stopped (and its folder removed) by stop(). The tests that need it skip with
// a clear message when nats-server is not installed, and fail instead under
// CI=true, where .ci/install-nats has installed it (as the fixture tests do
// with ../shared, see fixtures.ts).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll } from 'vitest';

/** The message a run without nats-server prints once per test file that needs it. */
export const NATS_SKIP_PREFIX = 'skipping NATS replication tests: no nats-server';

/** Where nats-server is, from the environment alone (a pure function, testable in any run). Throws when it is missing under CI=true. */
export function locateNatsServer(env: Record<string, string | undefined>, exists: (path: string) => boolean): { path: string | null; skipMessage: string | null } {
  const candidates = [env.NATS_SERVER, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].filter((p): p is string => p !== undefined && p !== '');
  const found = candidates.find((path) => exists(path));
  if (found !== undefined) return { path: found, skipMessage: null };
  if (env.CI === 'true') throw new Error(`nats-server is missing (looked at ${candidates.join(', ')}); CI installs it with .ci/install-nats`);
  return { path: null, skipMessage: `${NATS_SKIP_PREFIX} at ${candidates.join(', ')} (install Debian's nats-server, or set NATS_SERVER)` };
}

const location = locateNatsServer(process.env, existsSync);

/** The nats-server binary, or null when the tests skip. */
export const NATS_SERVER = location.path;
/** True when nats-server is installed. */
export const haveNats = location.path !== null;
if (location.skipMessage !== null) console.warn(location.skipMessage);

/** A free TCP port on 127.0.0.1 (free when asked: another process may take it before the server does, which the start retries). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface ServerSlot {
  readonly name: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly storeDir: string;
  readonly configPath: string;
  process: ChildProcess | undefined;
}

/** A running cluster: its client URLs, and ways to stop or restart one server. */
export class NatsCluster {
  private constructor(
    private readonly dir: string,
    private readonly slots: ServerSlot[],
  ) {}

  /** Client URLs of every server. */
  get servers(): string[] {
    return this.slots.map((slot) => `nats://127.0.0.1:${slot.clientPort}`);
  }

  /** Starts `size` servers (3 by default) and waits until JetStream answers. */
  static async start(size = 3): Promise<NatsCluster> {
    if (NATS_SERVER === null) throw new Error('nats-server is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-nats-'));
    const slots: ServerSlot[] = [];
    for (let i = 0; i < size; i++) {
      const clientPort = await freePort();
      const clusterPort = await freePort();
      const storeDir = join(dir, `s${i}`);
      slots.push({ name: `s${i}`, clientPort, clusterPort, storeDir, configPath: join(dir, `s${i}.conf`), process: undefined });
    }
    const routes = slots.map((slot) => `"nats://127.0.0.1:${slot.clusterPort}"`).join(', ');
    for (const slot of slots) {
      writeFileSync(
        slot.configPath,
        [
          `server_name: ${slot.name}`,
          `listen: "127.0.0.1:${slot.clientPort}"`,
          `jetstream { store_dir: "${slot.storeDir}", max_memory_store: 64MB, max_file_store: 1GB }`,
          size > 1 ? `cluster { name: strata, listen: "127.0.0.1:${slot.clusterPort}", routes: [${routes}] }` : '',
          '',
        ].join('\n'),
      );
    }
    const cluster = new NatsCluster(dir, slots);
    try {
      for (let i = 0; i < size; i++) cluster.startServer(i);
      await cluster.waitReady();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Starts server `i` again (after {@link kill}), with its store folder as it was. */
  startServer(i: number): void {
    const slot = this.slots[i] as ServerSlot;
    if (slot.process !== undefined) return;
    const child = spawn(NATS_SERVER as string, ['-c', slot.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    child.on('exit', () => {
      if (slot.process === child) slot.process = undefined;
    });
    (child as ChildProcess & { log: () => string }).log = () => log;
    slot.process = child;
  }

  /** Kills server `i` with SIGKILL and waits for it to exit. */
  async kill(i: number): Promise<void> {
    const child = (this.slots[i] as ServerSlot).process;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** A client connection to the whole cluster. */
  async connect(): Promise<NatsConnection> {
    return connect({ servers: this.servers, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  }

  /** Waits until every running server accepts clients and JetStream can place a stream on all of them. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const nc = await connect({ servers: this.servers.filter((_, i) => this.slots[i]?.process !== undefined), timeout: 1000 });
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2000 });
          await jsm.getAccountInfo();
          // Every server has joined JetStream's meta group once a stream with
          // one replica per server can be made (right after a start, the
          // meta leader may be elected before all peers are known).
          const running = this.slots.filter((slot) => slot.process !== undefined).length;
          await jsm.streams.add({ name: 'READY_PROBE', subjects: ['ready.probe'], num_replicas: running });
          await jsm.streams.delete('READY_PROBE');
          return;
        } finally {
          await nc.close();
        }
      } catch (error) {
        last = error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const logs = this.slots.map((slot) => `${slot.name}: ${(slot.process as (ChildProcess & { log?: () => string }) | undefined)?.log?.() ?? '(not running)'}`).join('\n');
    throw new Error(`the NATS cluster did not become ready in ${timeoutMs} ms: ${String(last)}\n${logs}`);
  }

  /** Stops every server and removes the store folders. */
  async stop(): Promise<void> {
    await Promise.all(this.slots.map((_, i) => this.kill(i)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The version nats-server reports, e.g. `2.9.10` (for test output). */
export function natsServerVersion(): string {
  if (NATS_SERVER === null) return 'none';
  const out = spawnSync(NATS_SERVER, ['--version'], { encoding: 'utf8' });
  return (out.stdout || out.stderr).trim();
}

/**
 * Starts a three-server cluster and a connection to it before the suite's
 * tests (handed to `onStart`), and closes and stops them after.
 */
export function clusterForSuite(onStart: (cluster: NatsCluster, nc: NatsConnection) => void): void {
  let cluster: NatsCluster | undefined;
  let nc: NatsConnection | undefined;
  beforeAll(async () => {
    cluster = await NatsCluster.start(3);
    nc = await cluster.connect();
    onStart(cluster, nc);
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });
}

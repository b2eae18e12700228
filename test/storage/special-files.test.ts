// Opening something that is not a regular file (a named pipe, a socket, a
// device, a directory) fails at once with a typed error: an open of a named
// pipe would block until a writer appeared, hanging the process. Each attempt
// runs in a child process with a deadline, so a regression fails instead of
// hanging the suite.

import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const NODE_ENTRY = resolve('dist/src/node.js');
const CLI = resolve('dist/src/cli/main.js');

/** Runs `open(path, options)` from the built package in a child; returns the error code it printed, or 'opened'. */
function openInChild(path: string, options: object): string {
  const script = `import(${JSON.stringify(NODE_ENTRY)}).then(async (m) => {
    try { const db = await m.open(${JSON.stringify(path)}, ${JSON.stringify(options)}); db.close(); console.log('opened'); }
    catch (e) { console.log(e.code ?? e.name); }
  });`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000, encoding: 'utf8' });
  if (result.error !== undefined) return `child failed: ${result.error.message}`; // ETIMEDOUT when the open blocked
  return result.stdout.trim();
}

function cliInChild(args: string[]): { status: number | null; err: string; timedOut: boolean } {
  const result = spawnSync(process.execPath, [CLI, ...args], { timeout: 15_000, encoding: 'utf8' });
  return { status: result.status, err: result.stderr, timedOut: result.error !== undefined };
}

describe('opening a path that is not a regular file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratadb-special-'));
  const fifo = join(dir, 'pipe.xit');
  execFileSync('mkfifo', [fifo]);

  it('refuses a named pipe read-only and read-write, without blocking', () => {
    expect(openInChild(fifo, { readOnly: true })).toBe('INVALID_ARGUMENT');
    expect(openInChild(fifo, {})).toBe('INVALID_ARGUMENT');
  });

  it('refuses a named pipe in every CLI command that reads a file', () => {
    for (const command of ['info', 'dump', 'stats', 'verify']) {
      const result = cliInChild([command, fifo]);
      expect(result.timedOut).toBe(false);
      expect(result.status).toBe(1);
      expect(result.err).toMatch(/named pipe/);
    }
  });

  it('refuses a socket, a directory and a device', async () => {
    const socketPath = join(dir, 'socket.xit');
    const server = createServer();
    await new Promise<void>((done) => server.listen(socketPath, done));
    try {
      expect(openInChild(socketPath, { readOnly: true })).toBe('INVALID_ARGUMENT');
      expect(openInChild(socketPath, {})).toBe('INVALID_ARGUMENT');
    } finally {
      server.close();
    }
    expect(openInChild(dir, { readOnly: true })).toBe('INVALID_ARGUMENT');
    // A read-write open of /dev/null must not take it for an empty file and create a database in it.
    expect(openInChild('/dev/null', {})).toBe('INVALID_ARGUMENT');
    expect(openInChild('/dev/zero', { readOnly: true })).toBe('INVALID_ARGUMENT');
  });
});

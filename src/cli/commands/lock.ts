// `stratadb lock FILE` and `stratadb unlock FILE`: who holds FILE's writer
// lock, and breaking it when its holder is dead. Both judge the lock as the
// writer does (lockStatus, breakStaleLock), so they never contradict each other.

import { Command } from 'commander';
import { breakStaleLock, lockStatus } from '../../storage/file-lock.js';
import type { CliContext } from '../context.js';

/** `lock`: prints the lock's state as JSON. */
export function lockCommand(ctx: CliContext): Command {
  return new Command('lock')
    .description("print who holds FILE's writer lock, if anyone (JSON)")
    .argument('<file>', 'the database file')
    .action((path: string) => {
      const status = lockStatus(path);
      let printed: object;
      if (!status.locked) printed = { locked: false };
      else if (status.holder !== undefined) printed = { locked: true, ...status.holder, stale: status.stale };
      // A lock file that names no holder: a writer taking the lock right now, or one that died doing so; or not a lock file at all.
      else printed = { locked: true, holder: null, stale: status.stale, ...(status.problem === undefined ? {} : { problem: status.problem }) };
      ctx.io.out(`${JSON.stringify(printed, null, 2)}\n`);
    });
}

/** `unlock`: breaks a stale lock, never a live one (exit 1 then). */
export function unlockCommand(ctx: CliContext): Command {
  return new Command('unlock')
    .description("break FILE's writer lock if its holder is dead (never a live one)")
    .argument('<file>', 'the database file')
    .action((path: string) => {
      const { out, err } = ctx.io;
      const status = lockStatus(path);
      if (!status.locked) {
        out('not locked\n');
        return;
      }
      ctx.exitCode = 1;
      if (status.problem !== undefined) {
        err(`stratadb: ${status.problem}; stratadb removes only lock files it could have written: remove it by hand [LOCKED]\n`);
        return;
      }
      const holder = status.holder;
      if (breakStaleLock(path)) {
        ctx.exitCode = 0;
        out(holder === undefined ? 'broke a lock file that named no holder (left by a writer that stopped while taking the lock)\n' : `broke the stale lock of process ${holder.pid} on ${holder.host}\n`);
      } else if (holder === undefined) {
        err('stratadb: the lock file names no holder yet: a writer may be taking the lock right now; if none is, try again in 10 seconds [LOCKED]\n');
      } else {
        err(`stratadb: the lock of process ${holder.pid} on ${holder.host} (since ${holder.since}) is not stale: that process is alive, or on another host [LOCKED]\n`);
      }
    });
}

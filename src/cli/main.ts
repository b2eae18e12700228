#!/usr/bin/env node
// The command line: a thin layer over the public API. This file only
// dispatches: commander parses the arguments and prints help, each command
// lives in commands/ (one file each, listed in COMMANDS), and errors become
// exit codes here: 0 done, 1 a StrataError (one line, no stack), 2 a command
// line used wrongly.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { StrataError } from '../errors.js';
import { EXIT, UsageError, type CliContext, type CliIo, type CommandFactory } from './context.js';
import { infoCommand } from './commands/info.js';
import { statsCommand } from './commands/stats.js';
import { dumpCommand } from './commands/dump.js';
import { verifyCommand } from './commands/verify.js';
import { backupCommand } from './commands/backup.js';
import { compactCommand } from './commands/compact.js';
import { lockCommand, unlockCommand } from './commands/lock.js';
import { getCommand } from './commands/get.js';
import { lsCommand } from './commands/ls.js';
import { exportCommand } from './commands/export.js';
import { importCommand, utf8Text } from './commands/import.js';
import { packageVersion, versionCommand } from './commands/version.js';
import { diffCliCommand } from './commands/diff.js';
import { logCommand } from './commands/log.js';
import { watchCliCommand } from './commands/watch.js';
import { followCommand, replicateCommand } from './commands/replication.js';

/** Every command, in the order help lists them. A new command: a file in commands/ and a line here. */
const COMMANDS: readonly CommandFactory[] = [
  getCommand,
  lsCommand,
  exportCommand,
  importCommand,
  dumpCommand,
  infoCommand,
  logCommand,
  statsCommand,
  verifyCommand,
  diffCliCommand,
  watchCliCommand,
  replicateCommand,
  followCommand,
  backupCommand,
  compactCommand,
  lockCommand,
  unlockCommand,
  versionCommand,
];

const HELP_AFTER = `
Paths (get, ls): users.alice.age, where digits are list indexes (todos.0,
todos.-1); a JSON array for keys with dots or digits meant as text:
'["users","a.b"]', '["m","1"]'; . is the whole moment.
Moments (--moment N): 0 is the first, -1 the latest (the default).
Exit codes: 0 done, 1 a failure (missing or damaged file, nothing at a path,
no such moment, problems found by verify), 2 a command line used wrongly.
"stratadb help COMMAND" shows a command's options.`;

/** The program for one run, writing through `ctx`. */
function program(ctx: CliContext): Command {
  const root = new Command('stratadb')
    .description('Inspect, query, verify, copy and fill stratadb (xitdb) database files.')
    .usage('<command> FILE [ARGS] [options]')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this text')
    .helpCommand('help [command]', 'print this text, or the usage of one command')
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text),
      writeErr: (text) => ctx.io.err(text),
      outputError: (text, write) => write(`stratadb: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(stratadb help COMMAND shows its usage)');
  for (const make of COMMANDS) {
    const command = make(ctx);
    // Settings a command made on its own does not inherit: exit codes and output go through ctx.
    command.copyInheritedSettings(root);
    root.addCommand(command);
  }
  return root;
}

function defaultIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    progress: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return utf8Text(Buffer.concat(chunks), 'standard input');
    },
  };
}

/**
 * Runs the command line with `args` (without `node` and the script).
 *
 * @param args - the arguments
 * @param out - standard output (default: the process's)
 * @param err - standard error (default: the process's)
 * @param io - the rest of the outside world: where progress bars go, standard input
 * @returns the process exit code: 0 done, 1 a failure, 2 a usage error
 */
export async function main(args: string[], out?: (text: string) => void, err?: (text: string) => void, io: Partial<CliIo> = {}): Promise<number> {
  const base = defaultIo();
  const ctx: CliContext = { io: { ...base, ...(out === undefined ? {} : { out }), ...(err === undefined ? {} : { err }), ...io }, exitCode: EXIT.ok };
  try {
    await program(ctx).parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and the version asked for exit 0; help shown for no command at all, and every parse error, exit 2.
      const asked = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || (error.code === 'commander.help' && error.exitCode === 0);
      return asked ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      ctx.io.err(`stratadb: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof StrataError) {
      ctx.io.err(`stratadb: ${error.message} [${error.code}]\n`);
      return EXIT.failure;
    }
    throw error;
  }
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    // Through npm's bin link, argv[1] is the link; compare real paths.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  // A reader that stops early (`stratadb dump FILE | head`) closes the pipe: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Not a StrataError: a bug in stratadb. One line, as for every error, and the stack only when asked for.
      const text = error instanceof Error ? (process.env.STRATADB_DEBUG ? String(error.stack) : `${error.name}: ${error.message}`) : String(error);
      process.stderr.write(`stratadb: internal error (a bug in stratadb; STRATADB_DEBUG=1 prints the stack): ${text}\n`);
      process.exitCode = 1;
    },
  );
}

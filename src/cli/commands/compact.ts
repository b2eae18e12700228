// `stratadb compact FILE [--keep-last N | --since DATE | --thin] [--drop PATH ...] [--json]`:
// rewrites FILE in place with only the moments kept (the latest by default),
// less the dropped paths, through Database.compact: a sibling file renamed
// over FILE, so a crash leaves the old file or the new one. Takes the writer
// lock: a file another process writes is refused (LockedError, exit 1);
// readers that have it open keep reading and move on their next refresh.

import { existsSync } from 'node:fs';
import { Command, Option, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { IoError, LockedError } from '../../errors.js';
import { UsageError, type CliContext } from '../context.js';
import { withWritableEngine } from '../open-file.js';
import { hashOption, jsonOption, noProgressOption, type CommonOptions } from '../options.js';
import { withProgress } from '../progress.js';
import { parseCount, parsePath, type PathStep } from '../arguments.js';
import { fileCompactor, replacedFileFollower } from '../../compact/compact-file.js';
import type { KeepPolicy } from '../../api/compact.js';

interface CompactCliOptions extends CommonOptions {
  keepLast?: number;
  since?: number;
  thin?: boolean;
  drop?: PathStep[][];
}

function date(text: string): number {
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new CommanderArgumentError('a date, e.g. 2026-01-01 or 2026-01-01T12:00:00Z');
  return time;
}

/** The keep policy the options name; at most one may be given. */
function keepPolicy(options: CompactCliOptions): KeepPolicy {
  const given = [options.keepLast !== undefined, options.since !== undefined, options.thin === true].filter(Boolean).length;
  if (given > 1) throw new UsageError('give at most one of --keep-last, --since and --thin');
  if (options.keepLast !== undefined) return { last: options.keepLast };
  if (options.since !== undefined) return { since: options.since };
  if (options.thin === true) return { thin: true };
  return 'latest';
}

/** `compact`: see the file's top comment. */
export function compactCommand(ctx: CliContext): Command {
  return new Command('compact')
    .description('rewrite FILE in place with only the moments kept (default: the latest), less the --drop paths')
    .argument('<file>', 'the database file')
    .addOption(new Option('--keep-last <n>', 'keep the last N moments').argParser(parseCount))
    .addOption(new Option('--since <date>', 'keep the moments committed at or after DATE').argParser(date))
    .addOption(new Option('--thin', 'keep every moment of the last day, one per hour for a week, one per day before'))
    .addOption(new Option('--drop <path...>', 'remove PATH from every kept moment (repeatable)').argParser((text: string, previous: PathStep[][] | undefined) => [...(previous ?? []), parsePath(text)]))
    .addOption(jsonOption())
    .addOption(hashOption())
    .addOption(noProgressOption())
    .action(async (file: string, options: CompactCliOptions) => {
      const keep = keepPolicy(options);
      if (!existsSync(file)) throw new IoError(`cannot compact ${file}: no such file`, undefined);
      const { Database } = await import('../../api/database.js');
      await withLockedFile(file, () => withWritableEngine(file, options.hash, async (engine) => {
        const db = new Database(engine);
        db.useFile(fileCompactor(file), replacedFileFollower(file));
        try {
          const showBar = options.progress !== false && options.json !== true;
          const result = await withProgress(ctx.io.progress, 'compact', 'bytes', showBar, (onProgress) => db.compact({ keep, drop: options.drop ?? [], onProgress }));
          if (options.json === true) ctx.io.out(`${JSON.stringify({ file, ...result })}\n`);
          else ctx.io.out(`kept ${result.moments} of ${result.momentsBefore} moments: ${result.sizeBefore} -> ${result.sizeAfter} bytes\n`);
        } finally {
          // The engine on the new file holds the lock now: close every engine the database held.
          db.close();
        }
      }));
    });
}

/**
 * Runs `fn`, saying in its LockedError that a compaction needs the writer
 * lock: only the file's writer rewrites it, and a writer in another process
 * holds the lock for its whole life.
 */
async function withLockedFile<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof LockedError)) throw error;
    throw new LockedError(`cannot compact ${file} while another writer has it open (a compaction takes the writer lock; compact from that writer with db.compact(), or close it first): ${error.message}`, error.holder);
  }
}

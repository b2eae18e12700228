// `stratadb stats FILE [--json]`: sizes, moments, and the bytes the latest
// moment reaches, in the same key style as info (snake_case).

import { Command } from 'commander';
import { databaseStats } from '../../history/stats.js';
import type { CliContext } from '../context.js';
import { withReadOnlyEngine } from '../open-file.js';
import { hashOption, jsonOption, type CommonOptions } from '../options.js';
import { printRecord } from '../print.js';

/** `stats`: see the file's top comment. */
export function statsCommand(ctx: CliContext): Command {
  return new Command('stats')
    .description('print sizes, moments and the bytes the latest moment reaches')
    .argument('<file>', 'the database file')
    .addOption(hashOption())
    .addOption(jsonOption())
    .action(async (file: string, options: CommonOptions) => {
      await withReadOnlyEngine(file, options.hash, (engine) => {
        const stats = databaseStats(engine, { reachable: true });
        printRecord(ctx, options, { file_size: stats.fileSize, committed_size: stats.committedSize, moments: stats.moments, reachable_bytes: stats.reachableBytes });
      });
    });
}

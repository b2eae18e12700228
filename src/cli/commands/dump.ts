// `stratadb dump FILE [--moment N]`: every moment (or one) as the typed JSON of
// the xitdb fixtures README, lossless, for tools that compare files.

import { Command } from 'commander';
import { dumpText } from '../../history/dump.js';
import type { CliContext } from '../context.js';
import { withReadOnlyEngine } from '../open-file.js';
import { hashOption, maxValuesOption, momentOption, noProgressOption, type CommonOptions } from '../options.js';
import { resolveMoment } from '../arguments.js';
import { withProgress } from '../progress.js';

/** `dump`: see the file's top comment. */
export function dumpCommand(ctx: CliContext): Command {
  return new Command('dump')
    .description('print every moment as typed JSON ({"hash_id", "hash_size", "moments": [...]}); with --moment only that one')
    .argument('<file>', 'the database file')
    .addOption(momentOption())
    .addOption(maxValuesOption())
    .addOption(hashOption())
    .addOption(noProgressOption())
    .action(async (file: string, options: CommonOptions) => {
      await withReadOnlyEngine(file, options.hash, async (engine) => {
        if (options.moment !== undefined && engine.hasHistory) resolveMoment(options.moment, engine.momentCount);
        // dumpText, not JSON.stringify: it prints data nested deeper than JSON.stringify's recursion can follow.
        const text = await withProgress(ctx.io.progress, 'dump', 'moments', options.progress !== false, (onProgress) =>
          dumpText(engine, { onProgress, ...(options.maxValues === undefined ? {} : { maxValues: options.maxValues }), ...(options.moment === undefined ? {} : { moment: options.moment }) }),
        );
        ctx.io.out(text);
      });
    });
}

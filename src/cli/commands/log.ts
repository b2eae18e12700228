// `stratadb log FILE [--limit N] [--json]`: the moments, newest first, each
// with its commit's time, metadata and the bytes it added (FORMAT.md §Commit
// trailer), and for undo and revert the moment they restored. Moments another
// implementation committed have no trailer, so no time.

import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../context.js';
import { withReadOnlyEngine } from '../open-file.js';
import { hashOption, jsonOption, type CommonOptions } from '../options.js';
import { commitTimeText } from '../../format/commit-trailer.js';

/** `log`'s options. */
interface LogOptions extends CommonOptions {
  limit?: string;
}

/** `log`: see the file's top comment. */
export function logCommand(ctx: CliContext): Command {
  return new Command('log')
    .description('print the moments, newest first, with the time, metadata and bytes of each commit')
    .argument('<file>', 'the database file')
    .addOption(new Option('--limit <n>', 'print at most N moments'))
    .addOption(hashOption())
    .addOption(jsonOption())
    .action(async (file: string, options: LogOptions) => {
      // Decimal digits only: Number() alone would take 0x10, 1e3 and Infinity.
      const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : /^[1-9][0-9]*$/.test(options.limit) ? Number(options.limit) : Number.NaN;
      if (!(limit >= 1 && (Number.isSafeInteger(limit) || limit === Number.POSITIVE_INFINITY))) throw new UsageError(`--limit takes a whole number of at least 1, not ${options.limit}`);
      await withReadOnlyEngine(file, options.hash, (engine) => {
        const count = engine.hasHistory ? engine.momentCount : 0;
        for (let index = count - 1, printed = 0; index >= 0 && printed < limit; index--, printed++) {
          const info = engine.momentInfo(index);
          if (options.json === true) {
            const line: Record<string, unknown> = { index, time: info.time === undefined ? null : commitTimeText(info.time), size: info.size ?? null };
            if (info.meta !== undefined) line['meta'] = info.meta;
            if (info.restoredFrom !== undefined) line['restored_from'] = info.restoredFrom;
            ctx.io.out(`${JSON.stringify(line)}\n`);
          } else {
            const time = info.time === undefined ? '(no time: committed by another implementation)' : commitTimeText(info.time);
            const size = info.size === undefined ? '' : `  ${info.size} bytes`;
            const restored = info.restoredFrom === undefined ? '' : `  restores ${info.restoredFrom}`;
            const meta = info.meta === undefined ? '' : `  ${JSON.stringify(info.meta)}`;
            ctx.io.out(`${index}  ${time}${size}${restored}${meta}\n`);
          }
        }
      });
    });
}

// `stratadb verify FILE`: walks every block of every moment and prints each
// problem found (position, path, what is wrong); exit 1 when there is any.

import { Command } from 'commander';
import { verifyDatabase } from '../../history/verify.js';
import type { CliContext } from '../context.js';
import { withReadOnlyEngine } from '../open-file.js';
import { hashOption, noProgressOption, type CommonOptions } from '../options.js';
import { withProgress } from '../progress.js';

/** `verify`: see the file's top comment. */
export function verifyCommand(ctx: CliContext): Command {
  return new Command('verify')
    .description('walk every block of every moment; print each problem found (position, path, what is wrong); exit 1 when there is any')
    .argument('<file>', 'the database file')
    .addOption(hashOption())
    .addOption(noProgressOption())
    .action(async (file: string, options: CommonOptions) => {
      await withReadOnlyEngine(file, options.hash, async (engine) => {
        const report = await withProgress(ctx.io.progress, 'verify', 'slot reads', options.progress !== false, (onProgress) => verifyDatabase(engine, { onProgress }));
        for (const problem of report.problems) ctx.io.out(`${problem.position}\t${problem.path}\t${problem.message}\n`);
        ctx.io.out(`${report.ok ? 'ok' : `${report.problems.length} problem(s)`}: ${report.moments} moments, ${report.blocksVisited} records walked\n`);
        if (!report.ok) ctx.exitCode = 1;
      });
    });
}

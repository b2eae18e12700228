// `stratadb diff FILE A B [PATH] [--json]`: the changes between two moments
// (src/cli/diff-command.ts does the work and parses its own arguments, since
// moments may be negative, which commander would take for options).

import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { diffCommand } from '../diff-command.js';

/** `diff`: see the file's top comment. */
export function diffCliCommand(ctx: CliContext): Command {
  return new Command('diff')
    .description('print the changes between moments A and B (negative from the end), under PATH; --json: one typed-JSON change per line')
    .usage('FILE A B [PATH] [--json]')
    .argument('[args...]', 'FILE A B [PATH] [--json]')
    .allowUnknownOption(true)
    .helpOption(false)
    .action(async (args: string[]) => {
      ctx.exitCode = await diffCommand(args, ctx.io.out, ctx.io.err);
    });
}

// `stratadb watch FILE [PATH] [--json]`: prints the changes other processes
// commit, until interrupted (src/cli/watch-command.ts does the work).

import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { watchCommand } from '../watch-command.js';

/** `watch`: see the file's top comment. */
export function watchCliCommand(ctx: CliContext): Command {
  return new Command('watch')
    .description('print the changes other processes commit to FILE under PATH as they land, until interrupted; --json: typed-JSON lines')
    .usage('FILE [PATH] [--json]')
    .argument('[args...]', 'FILE [PATH] [--json]')
    .allowUnknownOption(true)
    .helpOption(false)
    .action(async (args: string[]) => {
      ctx.exitCode = await watchCommand(args, ctx.io.out, ctx.io.err);
    });
}

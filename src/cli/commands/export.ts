// `stratadb export FILE [--moment N]`: one moment as plain JSON for people
// (plain-json.ts has the mapping); `import` reads it back as a new moment.

import { Command } from 'commander';
import { jsonText } from '../../history/dump.js';
import type { CliContext } from '../context.js';
import { hashOption, maxValuesOption, momentOption, type CommonOptions } from '../options.js';
import { toPlainJson } from '../plain-json.js';
import { maxValuesFor, withMoment } from './read-moment.js';

/** `export`: see the file's top comment. */
export function exportCommand(ctx: CliContext): Command {
  return new Command('export')
    .description('print one moment (default the latest) as plain JSON for people; import reads it back')
    .argument('<file>', 'the database file')
    .addOption(momentOption())
    .addOption(maxValuesOption())
    .addOption(hashOption())
    .action(async (file: string, options: CommonOptions) => {
      await withMoment(file, options, (snapshot, engine) => {
        // A moment that holds nothing (no transaction wrote a key yet) is an empty top level: {} (what import reads as such).
        const data = snapshot.toJS() ?? {};
        ctx.io.out(`${jsonText(toPlainJson(data, maxValuesFor(engine, options)))}\n`);
      });
    });
}

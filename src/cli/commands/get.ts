// `stratadb get FILE PATH [--moment N]`: the value at PATH (a scalar or a
// whole subtree) as plain JSON (plain-json.ts); PATH as in arguments.ts.

import { Command } from 'commander';
import { OutOfRangeError } from '../../errors.js';
import { jsonText } from '../../history/dump.js';
import type { CliContext } from '../context.js';
import { parsePath, pathLabel } from '../arguments.js';
import { hashOption, maxValuesOption, momentOption, type CommonOptions } from '../options.js';
import { toPlainJson } from '../plain-json.js';
import { maxValuesFor, withMoment } from './read-moment.js';

/** `get`: see the file's top comment. */
export function getCommand(ctx: CliContext): Command {
  return new Command('get')
    .description('print the value at PATH (a scalar or a whole subtree) as plain JSON')
    .argument('<file>', 'the database file')
    .argument('<path>', 'users.alice.age (digits are list indexes), or a JSON array for keys with dots: \'["users","a.b"]\'; . is the whole moment')
    .addOption(momentOption())
    .addOption(maxValuesOption())
    .addOption(hashOption())
    .action(async (file: string, pathText: string, options: CommonOptions) => {
      const path = parsePath(pathText);
      const { toJS } = await import('../../api/views.js');
      await withMoment(file, options, (snapshot, engine) => {
        const value = snapshot.get(path);
        if (value === undefined) throw new OutOfRangeError(`nothing is stored at ${pathLabel(path)} in moment ${snapshot.index}`);
        ctx.io.out(`${jsonText(toPlainJson(toJS(value), maxValuesFor(engine, options)))}\n`);
      });
    });
}

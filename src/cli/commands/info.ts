// `stratadb info FILE [--json]`: the file header, moment count and sizes.

import { Command } from 'commander';
import { hashIdName } from '../../format/file-header.js';
import type { CliContext } from '../context.js';
import { withReadOnlyEngine } from '../open-file.js';
import { hashOption, jsonOption, type CommonOptions } from '../options.js';
import { printRecord } from '../print.js';

/** `info`: see the file's top comment. */
export function infoCommand(ctx: CliContext): Command {
  return new Command('info')
    .description('print the file header, moment count and sizes')
    .argument('<file>', 'the database file')
    .addOption(hashOption())
    .addOption(jsonOption())
    .action(async (file: string, options: CommonOptions) => {
      await withReadOnlyEngine(file, options.hash, (engine) => {
        printRecord(ctx, options, {
          hash_id: hashIdName(engine.header.hashId),
          hash_size: engine.header.hashSize,
          version: engine.header.version,
          history: engine.hasHistory,
          moments: engine.hasHistory ? engine.momentCount : 0,
          committed_size: engine.committedSize,
          file_size: engine.storage.size(),
        });
      });
    });
}

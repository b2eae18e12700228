// `stratadb backup FILE COPY`: a consistent copy of FILE's committed state
// into the new file COPY, even while another process writes FILE.

import { Command } from 'commander';
import { backupTo } from '../../history/backup.js';
import { FileStorage } from '../../storage/file-storage.js';
import type { CliContext } from '../context.js';
import { withReadOnlyEngine } from '../open-file.js';
import { hashOption, noProgressOption, type CommonOptions } from '../options.js';
import { withProgress } from '../progress.js';

/** `backup`: see the file's top comment. */
export function backupCommand(ctx: CliContext): Command {
  return new Command('backup')
    .description('copy the committed state of FILE (in use or not) into the new file COPY')
    .argument('<file>', 'the database file')
    .argument('<copy>', 'the new file to write')
    .addOption(hashOption())
    .addOption(noProgressOption())
    .action(async (file: string, copy: string, options: CommonOptions) => {
      await withReadOnlyEngine(file, options.hash, async (engine) => {
        const target = FileStorage.open(copy);
        try {
          const result = await withProgress(ctx.io.progress, 'backup', 'bytes', options.progress !== false, (onProgress) => backupTo(engine, target, undefined, onProgress));
          ctx.io.out(`copied ${result.moments} moments (${result.bytes} bytes) to ${copy}\n`);
        } finally {
          target.close();
        }
      });
    });
}

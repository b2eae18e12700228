// Options several commands share, made once here so that each means the same
// everywhere: --hash, --moment, --json, --no-progress, --max-values.

import { Option, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { parseCount, parseMoment } from './arguments.js';

/** `--hash NAME`: the key hash to open with. */
export const hashOption = (): Option =>
  new Option('--hash <name>', 'the key hash to open with (sha1 or xx16); by default the one the header names').argParser((name: string) => {
    if (name === '' || name.startsWith('-')) throw new CommanderArgumentError('give a hash name (sha1 or xx16)');
    return name;
  });

/** `--moment N`: which moment to read (default the latest). */
export const momentOption = (): Option => new Option('--moment <n>', 'the moment to read: 0 is the first, -1 the latest (default)').argParser(parseMoment);

/** `--json`: machine-readable output. */
export const jsonOption = (): Option => new Option('--json', 'print JSON instead of text');

/** `--no-progress`: no progress bar even on a terminal. */
export const noProgressOption = (): Option => new Option('--no-progress', 'draw no progress bar (one is drawn on standard error only when it is a terminal)');

/** `--max-values N`: the most JSON values one printed moment or value may hold. */
export const maxValuesOption = (): Option =>
  new Option('--max-values <n>', 'the most values one moment may print (default: two per slot of the file, at least a million)').argParser(parseCount);

/** Options as commander hands them to an action: each present only when given (progress is false only with --no-progress). */
export interface CommonOptions {
  hash?: string;
  moment?: number;
  json?: boolean;
  progress?: boolean;
  maxValues?: number;
}

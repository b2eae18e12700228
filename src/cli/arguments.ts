// The command line's own argument syntax: paths into the data and moment
// numbers. A path is dotted for the shell (`users.alice.age`, digits are list
// indexes: `todos.0`, `todos.-1`), or a JSON array for keys that hold dots or
// are digits meant as text (`'["users","a.b"]'`, `'["m","1"]'`); `.` or
// nothing is the whole moment.

import { InvalidArgumentError as CommanderArgumentError } from 'commander';
import { OutOfRangeError } from '../errors.js';
import { UsageError } from './context.js';

/** A step of a parsed path: a key, or a list index (numbers are also keys of objects, as their text). */
export type PathStep = string | number;

const INDEX = /^-?(0|[1-9][0-9]*)$/;

/**
 * Parses a path argument (see the top of this file).
 *
 * @throws UsageError for an empty step (`a..b`) or a JSON form that is not an array of keys and whole numbers
 */
export function parsePath(text: string): PathStep[] {
  if (text === '' || text === '.') return [];
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`the path ${text} starts with [ but is not JSON; write a JSON array of keys, e.g. '["users","a.b"]'`);
    }
    if (!Array.isArray(parsed) || !parsed.every((step) => typeof step === 'string' || Number.isSafeInteger(step))) {
      throw new UsageError(`a JSON path is an array of strings (keys) and whole numbers (indexes), got ${text}`);
    }
    return parsed as PathStep[];
  }
  return text.split('.').map((step) => {
    if (step === '') throw new UsageError(`the path ${text} has an empty step; for keys with dots or empty keys write a JSON array, e.g. '["a.b",""]'`);
    return INDEX.test(step) && Number.isSafeInteger(Number(step)) ? Number(step) : step;
  });
}

/**
 * Commander's parser for a count (`--limit`, `--max-values`, `--keep-last`):
 * decimal digits, at least 1, as people write counts. `Number()` alone would
 * also take `0x10`, `1e3`, ` 5` and `Infinity`.
 *
 * @throws commander's InvalidArgumentError (a usage error, exit 2) for anything else
 */
export function parseCount(text: string): number {
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(Number(text))) throw new CommanderArgumentError('a whole number of at least 1');
  return Number(text);
}

/** The path as people wrote it, for messages. */
export function pathLabel(path: readonly PathStep[]): string {
  if (path.length === 0) return 'the root';
  const dotted = path.every((step) => typeof step === 'number' || (step !== '' && !step.includes('.') && !step.startsWith('[') && !INDEX.test(step)));
  return dotted ? path.join('.') : JSON.stringify(path);
}

/**
 * Commander's parser for `--moment N`: a whole number, negative from the end.
 *
 * @throws commander's InvalidArgumentError (a usage error, exit 2) for anything else
 */
export function parseMoment(text: string): number {
  if (!INDEX.test(text) || !Number.isSafeInteger(Number(text))) throw new CommanderArgumentError('a moment is a whole number: 0 is the first, -1 the latest');
  return Number(text);
}

/**
 * The moment `index` names in a history of `count` moments (negative from the end).
 *
 * @throws OutOfRangeError when there is no such moment, saying which there are
 */
export function resolveMoment(index: number, count: number): number {
  if (count === 0) throw new OutOfRangeError('the database has no moments yet');
  const resolved = index < 0 ? count + index : index;
  if (resolved < 0 || resolved >= count) throw new OutOfRangeError(`there is no moment ${index}: the history has ${count} (0 to ${count - 1}, or -1 to -${count} from the end)`);
  return resolved;
}

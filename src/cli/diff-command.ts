// `stratadb diff FILE A B [PATH] [--json]` and the pieces `stratadb watch`
// shares with it: reading moments and a path from the command line, and
// printing changes as text or as one typed-JSON line each (the dump's values
// and key texts).

import { InvalidArgumentError, StrataError } from '../errors.js';
import { FileStorage } from '../storage/file-storage.js';
import { dumpKeyText, dumpValue, type DumpValue } from '../history/dump.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import { diffCursors } from '../diff/walk.js';
import type { CursorChange } from '../diff/change.js';
import { openOn, type Database } from '../api/database.js';
import { readAt } from '../api/paths.js';
import type { AnyPath, PathStep } from '../api/types.js';

/** Where the command line writes. */
export type Print = (text: string) => void;

/**
 * A path argument: a JSON array of steps (`'["users", 0]'`), or steps
 * separated by `/` where a step of digits is a list index (`users/0/name`);
 * empty for the root.
 *
 * @throws InvalidArgumentError when it is neither
 */
export function parsePath(text: string | undefined): AnyPath {
  if (text === undefined || text === '' || text === '/') return [];
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError(`the path ${text} is not a JSON array`);
    }
    if (!Array.isArray(parsed) || !parsed.every((step) => typeof step === 'string' || typeof step === 'number')) {
      throw new InvalidArgumentError(`the path ${text} must be a JSON array of strings and numbers`);
    }
    return parsed as PathStep[];
  }
  return text.split('/').filter((step) => step !== '').map((step) => (/^\d+$/.test(step) ? Number(step) : step));
}

/** A moment argument: an integer, negative from the end. */
function parseMoment(text: string, name: string): number {
  // A safe integer: past 2^53 the number would name another moment than the one typed.
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(`${name} must be a moment index (negative from the end), not ${text}`);
  return Number(text);
}

/** Opens FILE read-only through the JS API (the hash is picked from the header). */
export async function openReadOnly(path: string): Promise<Database> {
  const storage = FileStorage.open(path, { readOnly: true });
  try {
    return await openOn(storage, { readOnly: true });
  } catch (error) {
    storage.close();
    throw error;
  }
}

/** A change's path as the dump names keys: indexes as numbers, keys and members as their dump key text. */
function pathJson(prefix: AnyPath, change: CursorChange): Array<string | number> {
  const out: Array<string | number> = [...prefix];
  for (const step of change.path) out.push(typeof step === 'number' ? step : dumpKeyText(step.key, step.hash));
  return out;
}

function valueJson(cursor: ReadCursor | undefined): DumpValue | undefined {
  return cursor === undefined ? undefined : dumpValue(cursor);
}

/**
 * Prints one change: with `json`, one line `{"path", "type", "before", "after"}`
 * (and `moment` when given; `before` or `after` left out when absent), else
 * `+ path value`, `- path value` or `~ path before -> after`.
 */
export function printChange(out: Print, prefix: AnyPath, change: CursorChange, json: boolean, moment?: number): void {
  const path = pathJson(prefix, change);
  const before = valueJson(change.before);
  const after = valueJson(change.after);
  if (json) {
    const line: Record<string, unknown> = moment === undefined ? {} : { moment };
    Object.assign(line, { path, type: change.type });
    if (before !== undefined) line.before = before;
    if (after !== undefined) line.after = after;
    out(`${JSON.stringify(line)}\n`);
    return;
  }
  const where = `${moment === undefined ? '' : `moment ${moment}: `}${JSON.stringify(path)}`;
  if (change.type === 'add') out(`+ ${where} ${JSON.stringify(after)}\n`);
  else if (change.type === 'remove') out(`- ${where} ${JSON.stringify(before)}\n`);
  else out(`~ ${where} ${JSON.stringify(before)} -> ${JSON.stringify(after)}\n`);
}

/** The value at `path` of a root cursor, for the diff. */
export function cursorAtPath(root: ReadCursor, path: AnyPath): ReadCursor | undefined {
  return path.length === 0 ? root : readAt(root, path);
}

/**
 * Runs `stratadb diff` with the arguments after `diff`.
 *
 * @returns the exit code: 0 (also when nothing changed), 1 on an error, 2 on a usage error
 */
export async function diffCommand(args: string[], out: Print, err: Print): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((arg) => arg !== '--json');
  const unknown = rest.find((arg) => arg.startsWith('--'));
  if (unknown !== undefined || rest.length < 3 || rest.length > 4) {
    err(`stratadb: diff takes FILE A B [PATH] [--json]${unknown === undefined ? '' : `, not ${unknown}`}\n`);
    return 2;
  }
  const [file, a, b, pathText] = rest as [string, string, string, string | undefined];
  try {
    const before = parseMoment(a, 'A');
    const after = parseMoment(b, 'B');
    const path = parsePath(pathText);
    const db = await openReadOnly(file);
    try {
      const engine = db.engine;
      for (const change of diffCursors(cursorAtPath(engine.moment(before), path), cursorAtPath(engine.moment(after), path))) printChange(out, path, change, json);
    } finally {
      db.close();
    }
    return 0;
  } catch (error) {
    if (error instanceof StrataError) {
      err(`stratadb: ${error.message} [${error.code}]\n`);
      return 1;
    }
    throw error;
  }
}

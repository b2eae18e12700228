// `stratadb watch FILE [PATH] [--json]`: prints the changes other processes
// commit to FILE as they land (the read-only handle's file watch), in the
// format of `stratadb diff`, each with its moment, until interrupted.

import { Slot } from '../format/slot.js';
import { StrataError } from '../errors.js';
import { ReadCursor } from '../cursor/read-cursor.js';
import { diffCursors } from '../diff/walk.js';
import { fileChangeSource } from '../api/watch-file.js';
import { cursorAtPath, openReadOnly, parsePath, printChange, type Print } from './diff-command.js';

/**
 * Runs `stratadb watch` with the arguments after `watch`; returns when
 * `stop` resolves (by default on SIGINT or SIGTERM).
 *
 * @returns the exit code: 0 when stopped, 1 on an error, 2 on a usage error
 */
export async function watchCommand(args: string[], out: Print, err: Print, stop?: Promise<void>): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((arg) => arg !== '--json');
  const unknown = rest.find((arg) => arg.startsWith('--'));
  if (unknown !== undefined || rest.length < 1 || rest.length > 2) {
    err(`stratadb: watch takes FILE [PATH] [--json]${unknown === undefined ? '' : `, not ${unknown}`}\n`);
    return 2;
  }
  const [file, pathText] = rest as [string, string | undefined];
  let failure: unknown;
  try {
    const path = parsePath(pathText);
    const db = await openReadOnly(file);
    const engine = db.engine;
    let seen = engine.momentCount;
    let last = seen === 0 ? Slot.EMPTY : engine.moment(-1).slot;
    let finish: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      finish = resolve;
    });
    // Each new moment against the one before it; a sliced history against the last moment printed.
    const check = (): void => {
      try {
        engine.refresh();
        const count = engine.momentCount;
        if (count === seen && (count === 0 || engine.moment(-1).slot.equals(last))) return;
        const grew = count > seen && (seen === 0 || engine.moment(seen - 1).slot.equals(last));
        let previous = new ReadCursor(engine.ctx, -1, last);
        for (let i = grew ? seen : count - 1; i < count; i++) {
          const current = engine.moment(i);
          for (const change of diffCursors(cursorAtPath(previous, path), cursorAtPath(current, path))) printChange(out, path, change, json, i);
          previous = current;
        }
        seen = count;
        last = count === 0 ? Slot.EMPTY : engine.moment(-1).slot;
      } catch (error) {
        failure = error;
        finish();
      }
    };
    const unwatch = fileChangeSource(file)(check);
    err(`watching ${file} from moment ${seen}\n`);
    const onSignal = (): void => finish();
    if (stop === undefined) {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }
    await Promise.race([stopped, stop ?? stopped]);
    unwatch();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    db.close();
  } catch (error) {
    failure = error;
  }
  if (failure === undefined) return 0;
  if (failure instanceof StrataError) {
    err(`stratadb: ${failure.message} [${failure.code}]\n`);
    return 1;
  }
  throw failure;
}

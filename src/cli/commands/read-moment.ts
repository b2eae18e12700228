// What get, ls and export share: the file opened read-only as a Database, the
// moment --moment names (the latest by default), and the JSON value limit.

import type { Snapshot } from '../../api/database.js';
import { unfoldBudget } from '../../core/unfold-budget.js';
import type { Engine } from '../../history/engine.js';
import { resolveMoment } from '../arguments.js';
import { withReadOnlyEngine } from '../open-file.js';
import type { CommonOptions } from '../options.js';

/** The most JSON values a command prints for one value: --max-values, or dump's default for this file. */
export function maxValuesFor(engine: Engine, options: CommonOptions): number {
  return options.maxValues ?? unfoldBudget(engine.storage.size());
}

/**
 * Opens `file` read-only and runs `fn` on the snapshot of the moment
 * `options.moment` names (the latest when absent). A database without history
 * has one moment, its root map, which changes in place.
 *
 * @throws OutOfRangeError when there is no such moment
 */
export async function withMoment<T>(file: string, options: CommonOptions, fn: (snapshot: Snapshot, engine: Engine) => T | Promise<T>): Promise<T> {
  // The value API (and immutable.js under it) loads only for the commands that read values: info or verify start faster without it.
  const { Snapshot } = await import('../../api/database.js');
  return withReadOnlyEngine(file, options.hash, (engine) => {
    const index = resolveMoment(options.moment ?? -1, engine.hasHistory ? engine.momentCount : 1);
    return fn(new Snapshot(engine.hasHistory ? engine.moment(index) : engine.rootMap(), index), engine);
  });
}

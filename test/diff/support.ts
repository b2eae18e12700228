// Shared pieces of the diff tests: applying a diff's changes to a plain JS
// model (what "the diff of two moments applied to the older gives the newer"
// means), and the changes of a diff in a comparable form.

import { toJS, type Change, type Value } from '../../src/index.js';

function plain(value: Value | undefined): unknown {
  return value === undefined ? undefined : toJS(value);
}

/**
 * Applies `changes` in order to `model` (a toJS() result), as Change's TSDoc
 * says they apply: list indexes count the list as the changes before left it,
 * a set member is the last step. Returns the new model (the root may change).
 */
export function applyChanges(model: unknown, changes: Iterable<Change>): unknown {
  let root = model;
  for (const change of changes) {
    if (change.path.length === 0) {
      root = change.type === 'remove' ? undefined : plain(change.after);
      continue;
    }
    let container = root as unknown;
    for (const step of change.path.slice(0, -1)) {
      if (container instanceof Map) container = container.get(step);
      else container = (container as Record<string | number, unknown>)[step as string | number];
    }
    const last = change.path[change.path.length - 1];
    if (Array.isArray(container)) {
      const index = last as number;
      if (change.type === 'add') container.splice(index, 0, plain(change.after));
      else if (change.type === 'remove') container.splice(index, 1);
      else container[index] = plain(change.after);
    } else if (container instanceof Set) {
      if (change.type === 'add') container.add(last);
      else if (change.type === 'remove') container.delete(last);
      else throw new Error('a set member cannot change');
    } else if (container instanceof Map) {
      if (change.type === 'remove') container.delete(last);
      else container.set(last, plain(change.after));
    } else {
      const object = container as Record<string, unknown>;
      if (change.type === 'remove') delete object[last as string];
      else object[last as string] = plain(change.after);
    }
  }
  return root;
}

/** A change as plain data: path, type, and before and after as toJS gives them. */
export function plainChange(change: Change): { path: readonly unknown[]; type: string; before: unknown; after: unknown } {
  return { path: change.path, type: change.type, before: plain(change.before), after: plain(change.after) };
}

// `stratadb ls FILE [PATH] [--moment N] [--json]`: the keys (or indexes, or
// members) of the map, list or set at PATH, each with its kind and size: a
// structure's entry count, the UTF-8 bytes of a string, a byte value's length.

import { Command } from 'commander';
import { OutOfRangeError, WrongTypeError } from '../../errors.js';
import type { ListView, MapView, SetView, SortedMapView, SortedSetView, Value } from '../../api/views.js';
import type { CliContext } from '../context.js';
import { parsePath, pathLabel } from '../arguments.js';
import { hashOption, jsonOption, momentOption, type CommonOptions } from '../options.js';
import { keyJson, type Json } from '../plain-json.js';
import { withMoment } from './read-moment.js';
import { unfoldBudget } from '../../core/unfold-budget.js';

/** One line of a listing. */
interface Row {
  /** A map key or set member as JSON (a string, a number, {"$bytes": hex}...), or a list index. */
  key: Json;
  kind: string;
  size: number | null;
}

const utf8 = new TextEncoder();

/** The view classes, loaded with the value API when ls runs. */
type Views = typeof import('../../api/views.js');

/** The kind of a value as ls prints it. */
function kindOf(views: Views, value: unknown): string {
  const { ListView, MapView, SetView, SortedMapView, SortedSetView } = views;
  if (value instanceof MapView) return value.kind === 'object' ? 'object' : 'map';
  if (value instanceof ListView) return value.kind === 'linked' ? 'linked-list' : 'list';
  if (value instanceof SetView) return 'set';
  if (value instanceof SortedMapView) return 'sorted-map';
  if (value instanceof SortedSetView) return 'sorted-set';
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Date) return 'date';
  // A sorted set's member (or a sorted map's key) made of several values.
  if (Array.isArray(value)) return 'tuple';
  return typeof value;
}

/** Entries of a structure, UTF-8 bytes of a string, length of bytes; null for other scalars. */
function sizeOf(views: Views, value: unknown): number | null {
  if (isStructure(views, value)) return value.size;
  if (typeof value === 'string') return utf8.encode(value).length;
  if (value instanceof Uint8Array) return value.length;
  return null;
}

/** The structures ls lists. */
type Structure = MapView | ListView | SetView | SortedMapView | SortedSetView;

function isStructure(views: Views, value: unknown): value is Structure {
  const { ListView, MapView, SetView, SortedMapView, SortedSetView } = views;
  return value instanceof MapView || value instanceof ListView || value instanceof SetView || value instanceof SortedMapView || value instanceof SortedSetView;
}

function* allRows(views: Views, value: Structure): Generator<Row> {
  if (value instanceof views.MapView || value instanceof views.SortedMapView) {
    for (const [key, item] of value.entries()) yield { key: keyJson(key), kind: kindOf(views, item), size: sizeOf(views, item) };
  } else if (value instanceof views.ListView) {
    let index = 0;
    for (const item of value) yield { key: index++, kind: kindOf(views, item), size: sizeOf(views, item) };
  } else {
    for (const member of value) yield { key: keyJson(member), kind: kindOf(views, member), size: sizeOf(views, member) };
  }
}

/**
 * The rows of `value`, at most 2 per slot of the file (at least 1,000,000): a
 * structure with more entries than the file has slots shares its blocks
 * within itself (a linked list concatenated with itself 45 times is a 158 KB
 * file of 2^46 items), and listing it would never end (with --json it filled
 * memory until the process died).
 */
function* rows(views: Views, value: Structure, fileSize: number): Generator<Row> {
  const max = unfoldBudget(fileSize);
  const tooMany = (): OutOfRangeError =>
    new OutOfRangeError(`the structure holds more than ${max} entries, more than the file has slots: its blocks are shared within it (a list concatenated with itself); list a part with get`);
  // Lists and sorted maps and sets know their count (O(1)): refused before a row is printed.
  const { ListView, SortedMapView, SortedSetView } = views;
  if ((value instanceof ListView || value instanceof SortedMapView || value instanceof SortedSetView) && value.size > max) throw tooMany();
  let listed = 0;
  for (const row of allRows(views, value)) {
    if (++listed > max) throw tooMany();
    yield row;
  }
}

/** A row as an element of the JSON array, as JSON.stringify(rows, null, 2) indents it. */
function jsonRow(row: Row): string {
  return JSON.stringify(row, null, 2).replace(/^/gm, '  ');
}

/** A key on a text line: text as it is, any other key as its JSON (`1`, `{"$bytes":"ff"}`, `[41,"ann"]`), and as JSON when it holds a tab, a line break or other control characters. */
function keyColumn(key: Json): string {
  const text = typeof key === 'string' ? key : JSON.stringify(key);
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
}

/** `ls`: see the file's top comment. */
export function lsCommand(ctx: CliContext): Command {
  return new Command('ls')
    .description('list the keys (indexes, members) at PATH with their kinds and sizes; tab-separated, or JSON with --json')
    .argument('<file>', 'the database file')
    .argument('[path]', 'as for get; default: the whole moment', '.')
    .addOption(momentOption())
    .addOption(jsonOption())
    .addOption(hashOption())
    .action(async (file: string, pathText: string, options: CommonOptions) => {
      const path = parsePath(pathText);
      const views = await import('../../api/views.js');
      await withMoment(file, options, (snapshot) => {
        const value: Value | undefined = snapshot.get(path);
        // A moment that holds nothing (no transaction wrote a key yet) has no keys to list.
        if (path.length === 0 && value === null) {
          if (options.json === true) ctx.io.out('[]\n');
          return;
        }
        if (value === undefined) throw new OutOfRangeError(`nothing is stored at ${pathLabel(path)} in moment ${snapshot.index}`);
        if (!isStructure(views, value)) {
          throw new WrongTypeError(`${pathLabel(path)} holds a ${kindOf(views, value)}, which has no keys to list; print it with get`);
        }
        const fileSize = snapshot.cursor().ctx.io.storage.size();
        if (options.json === true) {
          // Printed a row at a time (what JSON.stringify(rows, null, 2) prints), so that no listing is held whole.
          let first = true;
          for (const row of rows(views, value, fileSize)) {
            ctx.io.out(`${first ? '[\n' : ',\n'}${jsonRow(row)}`);
            first = false;
          }
          ctx.io.out(first ? '[]\n' : '\n]\n');
          return;
        }
        for (const row of rows(views, value, fileSize)) ctx.io.out(`${keyColumn(row.key)}\t${row.kind}\t${row.size ?? '-'}\n`);
      });
    });
}

// `stratadb import FILE [JSON] [--merge]`: writes a JSON object as one new
// moment: its keys become the moment's top-level keys. By default the moment
// holds exactly the JSON (keys it lacks are deleted), so `export | import`
// round-trips; --merge keeps the other keys. JSON comes from the file JSON,
// or from standard input when JSON is `-` or absent. The file is created when
// missing. Values follow plain-json.ts ({"$bytes": hex} reads back as bytes...).

import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { InvalidArgumentError, IoError, StrataError } from '../../errors.js';
import { UsageError, type CliContext } from '../context.js';
import { withWritableEngine } from '../open-file.js';
import { hashOption, noProgressOption, type CommonOptions } from '../options.js';
import { parsePlainJson } from '../plain-json.js';
import { startProgress } from '../progress.js';

interface ImportOptions extends CommonOptions {
  merge?: boolean;
}

/** The JSON text to import: from the named file, or from standard input. */
async function readSource(ctx: CliContext, source: string | undefined): Promise<{ text: string; name: string }> {
  if (source === undefined || source === '-') {
    if (source === undefined && ctx.io.stdinIsTTY) throw new UsageError('import needs JSON: name a JSON file, or pipe it into standard input (- reads it too)');
    return { text: await ctx.io.readStdin(), name: 'standard input' };
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(source);
  } catch (error) {
    throw new IoError(`cannot read ${source}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  return { text: utf8Text(bytes, source), name: source };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of `bytes`, refusing bytes that are not UTF-8 (JSON is UTF-8)
 * rather than importing U+FFFD in their place.
 *
 * @throws InvalidArgumentError naming the source
 */
export function utf8Text(bytes: Uint8Array, name: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InvalidArgumentError(`${name} is not UTF-8 text, so it is not JSON`);
  }
}

/** What a JSON value is, for a message: never the whole of a long string. */
function describeJson(data: unknown): string {
  if (Array.isArray(data)) return 'an array';
  if (typeof data === 'string') return `a string (${data.length} characters)`;
  return String(data);
}

/** `import`: see the file's top comment. */
export function importCommand(ctx: CliContext): Command {
  return new Command('import')
    .description('write a JSON object as one new moment of FILE (created when missing): its keys become the top-level keys')
    .argument('<file>', 'the database file')
    .argument('[json]', 'a file holding one JSON object; - or nothing: standard input')
    .addOption(new Option('--merge', 'keep the top-level keys the JSON does not name (default: the new moment holds exactly the JSON)'))
    .addOption(hashOption())
    .addOption(noProgressOption())
    .action(async (file: string, source: string | undefined, options: ImportOptions) => {
      const { text, name } = await readSource(ctx, source);
      // The value API (and immutable.js under it) loads only for the commands that use it.
      const [{ Database }, { MapView }, { VALUE_DEPTH_MAX }] = await Promise.all([import('../../api/database.js'), import('../../api/views.js'), import('../../api/values.js')]);
      let data: unknown;
      try {
        // The top level is the moment's root map, above the values it holds.
        data = parsePlainJson(text, VALUE_DEPTH_MAX + 1);
      } catch (error) {
        if (error instanceof StrataError) throw new InvalidArgumentError(`${name} cannot be imported: ${error.message}`);
        throw new InvalidArgumentError(`${name} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new InvalidArgumentError(`import takes a JSON object (a moment's top level is a map of keys), but ${name} holds ${describeJson(data)}`);
      }
      const entries = Object.entries(data);
      const progress = await startProgress(ctx.io.progress, 'import', 'keys', options.progress !== false);
      await withWritableEngine(file, options.hash, (engine) => {
        const db = new Database(engine);
        try {
          db.transact((tx) => {
            const root = tx.get([]);
            // A moment that holds nothing yet (a new file) gets its top-level map even for {}: export prints {} then, not null.
            if (root === null) tx.cursor().hashMap();
            if (options.merge !== true && root instanceof MapView) {
              const keep = new Set(entries.map(([key]) => key));
              for (const key of [...root.keys()]) if (typeof key !== 'string' || !keep.has(key)) tx.delete([key as string]);
            }
            entries.forEach(([key, value], i) => {
              tx.set([key], value);
              progress.update(i + 1, entries.length);
            });
          });
        } finally {
          progress.stop();
        }
        ctx.io.out(`imported ${entries.length} keys from ${name} as moment ${db.momentCount - 1}\n`);
      });
    });
}

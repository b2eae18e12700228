// Printing results: a record as aligned `key  value` lines for people, or as
// JSON with --json; and values as JSON text that any nesting depth survives.

import type { CliContext } from './context.js';

/** Prints a flat record: JSON with `--json`, else one `key  value` line per field. */
export function printRecord(ctx: CliContext, options: { json?: boolean }, record: Record<string, string | number | boolean | null | undefined>): void {
  if (options.json === true) {
    ctx.io.out(`${JSON.stringify(record, null, 2)}\n`);
    return;
  }
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  for (const [key, value] of Object.entries(record)) ctx.io.out(`${key.padEnd(width)}  ${value === undefined ? '-' : String(value)}\n`);
}

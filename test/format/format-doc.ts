// Reads FORMAT.md and pulls out what test/format checks against the code: the
// section headings, the byte examples (a ```bytes or ```hexdump fence right
// after an `<!-- example: name -->` comment), and the tables marked with
// `<!-- table: name -->` or `<!-- layout: name -->`.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** FORMAT.md at the repository root, found from this file's own location. */
export const FORMAT_MD_PATH = join(here, '..', '..', 'FORMAT.md');

/** The text of FORMAT.md. */
export function readFormatDoc(): string {
  return readFileSync(FORMAT_MD_PATH, 'utf8');
}

/** One marked example block. */
export interface DocExample {
  readonly name: string;
  /** `bytes`: hex tokens with `#` comments; `hexdump`: xxd-style lines. */
  readonly kind: 'bytes' | 'hexdump';
  /** The fence's content, without the fence lines. */
  readonly text: string;
  /** The bytes the fence spells. */
  readonly bytes: Uint8Array;
}

/**
 * Every marked example of the document, by name.
 *
 * @throws Error when two examples share a name or a fence does not parse
 */
export function docExamples(doc: string): Map<string, DocExample> {
  const found = new Map<string, DocExample>();
  const pattern = /<!-- example: ([a-z0-9-]+) -->[ \t]*\r?\n```(bytes|hexdump)\r?\n([\s\S]*?)\r?\n```/g;
  for (const match of doc.matchAll(pattern)) {
    const name = match[1] as string;
    const kind = match[2] as 'bytes' | 'hexdump';
    const text = match[3] as string;
    if (found.has(name)) throw new Error(`FORMAT.md has two examples named "${name}"`);
    const bytes = kind === 'bytes' ? parseBytesFence(text, name) : parseHexdump(text, name);
    found.set(name, { name, kind, text, bytes });
  }
  return found;
}

/** Names of every `<!-- example: ... -->` marker, including ones whose fence is malformed. */
export function exampleMarkers(doc: string): string[] {
  return [...doc.matchAll(/<!-- example: ([a-z0-9-]+) -->/g)].map((m) => m[1] as string);
}

/**
 * Parses a ```bytes fence: whitespace-separated hex tokens (`7869`, `78`), an
 * optional repeat (`00*27` is 27 zero bytes), `|` as a visual separator, and
 * `#` comments to the end of the line.
 */
export function parseBytesFence(text: string, name = 'bytes'): Uint8Array {
  const out: number[] = [];
  for (const rawLine of text.split('\n')) {
    const hash = rawLine.indexOf('#');
    const line = hash >= 0 ? rawLine.slice(0, hash) : rawLine;
    for (const token of line.split(/\s+/)) {
      if (token === '' || token === '|') continue;
      const repeat = /^([0-9a-f]{2})\*(\d+)$/.exec(token);
      if (repeat !== null) {
        const byte = parseInt(repeat[1] as string, 16);
        const count = Number(repeat[2]);
        for (let i = 0; i < count; i++) out.push(byte);
        continue;
      }
      if (!/^(?:[0-9a-f]{2})+$/.test(token)) throw new Error(`example "${name}": "${token}" is not hex bytes`);
      for (let i = 0; i < token.length; i += 2) out.push(parseInt(token.slice(i, i + 2), 16));
    }
  }
  return Uint8Array.from(out);
}

/**
 * Parses `xxd` output (16 bytes a line, groups of two bytes): checks that each
 * line's offset follows the previous line, and returns the bytes.
 */
export function parseHexdump(text: string, name = 'hexdump'): Uint8Array {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{8}): ((?:[0-9a-f]{4} ){0,7}(?:[0-9a-f]{2,4})) +(.*)$/.exec(line);
    if (match === null) throw new Error(`example "${name}": "${line}" is not an xxd line`);
    const offset = parseInt(match[1] as string, 16);
    if (offset !== out.length) throw new Error(`example "${name}": line at ${match[1]} follows ${out.length} bytes`);
    const digits = (match[2] as string).replace(/ /g, '');
    for (let i = 0; i < digits.length; i += 2) out.push(parseInt(digits.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

/** Formats bytes as `xxd` does by default (`xxd -g 2 -c 16`). */
export function toHexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    let hex = '';
    for (let i = 0; i < 16; i++) {
      hex += i < row.length ? (row[i] as number).toString(16).padStart(2, '0') : '  ';
      if (i % 2 === 1) hex += ' ';
    }
    const text = Array.from(row, (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}: ${hex} ${text}`);
  }
  return lines.join('\n');
}

/** Section names of every `##` and `###` heading, without their numbers (`## 3. File header` gives `File header`). */
export function docHeadings(doc: string): string[] {
  const names: string[] = [];
  let inFence = false;
  for (const line of doc.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    const match = /^#{2,3} (?:\d+(?:\.\d+)*\.? )?(.+?)\s*$/.exec(line);
    if (match !== null) names.push(match[1] as string);
  }
  return names;
}

/**
 * The body rows of the markdown table right after `<!-- table: name -->` (or
 * `<!-- layout: name -->`), as trimmed cells; the header row and the separator
 * row are dropped.
 *
 * @throws Error when there is no such marker or no table after it
 */
export function docTable(doc: string, marker: string): string[][] {
  const at = doc.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`FORMAT.md has no <!-- ${marker} --> marker`);
  const lines = doc.slice(at).split('\n').slice(1);
  const rows: string[][] = [];
  let started = false;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      if (started) break;
      if (line.trim() === '') continue;
      throw new Error(`<!-- ${marker} --> is not followed by a table`);
    }
    started = true;
    rows.push(line.slice(1, line.lastIndexOf('|')).split('|').map((cell) => cell.trim()));
  }
  if (rows.length < 2) throw new Error(`<!-- ${marker} --> is followed by a table without rows`);
  return rows.slice(2);
}

/** Removes markdown code ticks from a table cell. */
export function plain(cell: string): string {
  return cell.replace(/`/g, '').trim();
}

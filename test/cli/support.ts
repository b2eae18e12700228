// Running the command line in-process for tests: captured stdout and stderr,
// a standard input to pipe in, and a fake terminal for progress bars.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

/** What one run printed and returned; `progress` is what was drawn on the (fake) terminal. */
export interface RunResult {
  code: number;
  out: string;
  err: string;
  progress: string;
}

/** Options of {@link run}: text piped into standard input, and whether standard error is a terminal. */
export interface RunOptions {
  stdin?: string;
  tty?: boolean;
}

/** Runs `stratadb ARGS` in this process. */
export async function run(args: string[], options: RunOptions = {}): Promise<RunResult> {
  let out = '';
  let err = '';
  let progress = '';
  const code = await main(args, (t) => (out += t), (t) => (err += t), {
    progress: {
      isTTY: options.tty === true,
      columns: 100,
      write: (text: string) => {
        progress += text;
        return true;
      },
    },
    stdinIsTTY: options.stdin === undefined,
    readStdin: async () => options.stdin ?? '',
  });
  return { code, out, err, progress };
}

/** A new empty folder for one test's files. */
export const folder = (): string => mkdtempSync(join(tmpdir(), 'stratadb-cli-'));

/** The built command, for tests that run it as a process. */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

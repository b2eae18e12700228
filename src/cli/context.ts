// What every command of the command line gets: where to write, where to draw
// progress, how to read standard input, and the exit code it sets. main.ts
// makes one per run; tests make their own to capture output or fake a terminal.

/** A stream a progress bar can be drawn on (a terminal when `isTTY`). */
export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The outside world of one run of the command line. */
export interface CliIo {
  /** Writes to standard output (data: JSON, listings). */
  out(text: string): void;
  /** Writes to standard error (messages). */
  err(text: string): void;
  /** Where progress bars go (standard error): drawn only when it is a terminal. */
  progress: ProgressStream;
  /** All of standard input, as text. */
  readStdin(): Promise<string>;
  /** True when standard input is a terminal (nothing piped in). */
  stdinIsTTY: boolean;
}

/** One run: its I/O and the exit code its command sets (0 unless it says otherwise). */
export interface CliContext {
  readonly io: CliIo;
  exitCode: number;
}

/**
 * A command line used wrongly (a missing argument, a path that does not
 * parse): printed as one line with the usage hint, exit code 2. Failures of
 * the data itself are StrataErrors, exit code 1.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The exit codes of the command line. */
export const EXIT = {
  ok: 0,
  /** A StrataError: the file is missing, damaged, locked; a path or moment that is not there. */
  failure: 1,
  /** The command line itself is wrong. */
  usage: 2,
} as const;

/**
 * A command of the command line: a function that makes its commander Command
 * (name, arguments, options, help, action) for one run. main.ts lists them;
 * a new command is one file under commands/ and one line there.
 */
export type CommandFactory = (ctx: CliContext) => import('commander').Command;

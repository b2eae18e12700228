// Where an application should keep its data, by operating system convention
// (Node only): XDG on Linux, Application Support on macOS, LOCALAPPDATA on Windows.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/**
 * The folder an application named `appName` should keep its data in. Does not
 * create it.
 *
 * - Linux and others: `$XDG_DATA_HOME/appName`, else `~/.local/share/appName`
 * - macOS: `~/Library/Application Support/appName`
 * - Windows: `%LOCALAPPDATA%\\appName`, else `~\\AppData\\Local\\appName`
 *
 * @param appName - a folder name: no path separators
 * @param env - the environment to read (default `process.env`), for tests
 * @param platform - the platform (default `process.platform`), for tests
 */
export function dataDir(appName: string, env: Record<string, string | undefined> = process.env, platform: string = process.platform): string {
  if (typeof appName !== 'string' || appName === '' || /[\\/]/.test(appName) || appName === '.' || appName === '..') {
    throw new InvalidArgumentError(`${typeof appName === 'string' ? `"${appName}"` : `a ${typeof appName}`} is not a folder name`);
  }
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', appName);
    case 'win32':
      return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), appName);
    default:
      // The XDG Base Directory spec: a relative XDG_DATA_HOME is invalid and ignored.
      return join(env.XDG_DATA_HOME !== undefined && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(home, '.local', 'share'), appName);
  }
}

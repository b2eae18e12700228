// What every cursor carries: the block access, the key hasher, and whether the
// database may be written. One object per open database.

import type { Hasher } from '../hash/hasher.js';
import type { BlockIO } from './block-io.js';

/** Shared state of one open database, handed to every cursor. */
export interface Context {
  /** @internal Block-level access and the copy-on-write boundary. */
  readonly io: BlockIO;
  /** Turns key bytes into hashes. */
  readonly hasher: Hasher;
  /** True when the database was opened read-only. */
  readonly readOnly: boolean;
}

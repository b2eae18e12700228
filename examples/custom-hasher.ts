// A custom key hasher: SHA-256 (32 bytes) with its own hash id. The header
// records the id and size, and the database must be opened with the same hasher.

import { createHash } from 'node:crypto';
import { open, IncompatibleDatabaseError } from '../src/node.js';
import { hashIdFromName, type Hasher } from '../src/engine.js';

const sha256: Hasher = {
  id: hashIdFromName('s256'),
  size: 32,
  hash: (key) => new Uint8Array(createHash('sha256').update(key).digest()),
};

const db = await open(undefined, { hasher: sha256 });
db.set(['greeting'], 'hello');
console.log(`hash id ${db.engine.header.hashId.toString(16)}, hash size ${db.engine.header.hashSize}`);

const bytes = db.bytes().slice();
const again = await open(bytes, { hasher: sha256 });
console.log(`reopened with the same hasher: ${JSON.stringify(again.get(['greeting']))}`);

try {
  await open(bytes.slice()); // the built-in hashers do not include s256
} catch (error) {
  console.log(`opened without it: ${error instanceof IncompatibleDatabaseError ? 'IncompatibleDatabaseError' : 'unexpected'}: ${(error as Error).message}`);
}

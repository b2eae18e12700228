// The worker side of worker.html: opens the transferred bytes in place and
// reports what it read, and whether the database reads that very buffer.

import { open } from '/stratadb.js';

self.onmessage = async (event) => {
  const { buffer, byteOffset, byteLength } = event.data;
  try {
    const view = new Uint8Array(buffer, byteOffset, byteLength);
    const db = await open(view);
    self.postMessage({
      workerBufferSize: buffer.byteLength,
      sameBuffer: db.bytes().buffer === buffer,
      user777: db.get(['users', 'user777']).toJS(),
      userCount: db.get(['users']).size,
      tags: db.get(['tags']).toJS(),
    });
  } catch (error) {
    self.postMessage({ workerError: `${error?.name}: ${error?.message}` });
  }
};

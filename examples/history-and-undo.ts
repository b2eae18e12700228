// History: every transaction is a moment you can read, undo to, or revert to;
// clones are O(1) and independent.

import { open, type ListView } from '../src/index.js';

const db = await open();

db.set(['doc'], { title: 'Draft', paragraphs: ['Hello.'] });
db.push(['doc', 'paragraphs'], 'A second paragraph.');
db.set(['doc', 'title'], 'Final');

for (const moment of db.moments()) {
  const paragraphs = (moment.get(['doc', 'paragraphs']) as ListView).length;
  console.log(`moment ${moment.index}: title=${JSON.stringify(moment.get(['doc', 'title']))}, ${paragraphs} paragraphs`);
}

// A snapshot never changes, even while later transactions commit.
const before = db.snapshot();
db.undo(); // title back to 'Draft'
db.revert(0); // the very first moment again
console.log(`after undo and revert: latest title ${JSON.stringify(db.get(['doc', 'title']))}, the snapshot still says ${JSON.stringify(before.get(['doc', 'title']))}`);

// Clone a whole structure in O(1); the copies change independently.
db.transact((tx) => {
  tx.clone(['doc'], ['copy']);
  tx.set(['copy', 'title'], 'A copy');
});
console.log(`doc title ${JSON.stringify(db.get(['doc', 'title']))}, copy title ${JSON.stringify(db.get(['copy', 'title']))}`);

// Drop the newest moments (readers holding them are unaffected).
db.sliceHistory(2);
console.log(`after sliceHistory(2): ${db.momentCount} moments, latest title ${JSON.stringify(db.get(['doc', 'title']))}`);

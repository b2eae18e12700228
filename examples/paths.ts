// Paths: get, set, update, merge and delete at any depth, with a typed schema.

import { open, type Database, type MapView } from '../src/index.js';

interface Shop {
  products: Record<string, { name: string; price: number; tags: string[] }>;
  stats: { orders: number };
}

const db = await open<Shop>();

db.transact((tx) => {
  tx.set(['products', 'p1'], { name: 'Teapot', price: 25, tags: ['kitchen'] });
  tx.set(['products', 'p2', 'name'], 'Mug'); // creates products.p2 on the way
  tx.set(['products', 'p2', 'price'], 8);
  tx.set(['products', 'p2', 'tags'], []);
  tx.set(['stats', 'orders'], 0);
});

db.update(['stats', 'orders'], (orders) => (orders ?? 0) + 1);
db.merge(['products', 'p1'], { price: 22 }); // shallow: the other keys stay
db.push(['products', 'p2', 'tags'], 'kitchen', 'gift');
db.delete(['products', 'p2', 'tags', -1]);

console.log('teapot price:', db.get(['products', 'p1', 'price']));
console.log('mug tags:', db.get(['products', 'p2', 'tags'])?.toJS());
console.log('orders:', db.get(['stats', 'orders']));
console.log('all products:', JSON.stringify((db.get(['products']) as MapView).toJS()));

try {
  // The schema already rejects this path at compile time; an untyped handle shows the run-time check.
  const untyped: Database = db;
  untyped.set(['products', 'p1', 'name', 'first'], 'x');
} catch (error) {
  console.log(`a path through a string is refused: ${(error as Error).message}`);
}

// Under "script-src 'self'" (no 'wasm-unsafe-eval') the browser refuses to
// compile WebAssembly. stratadb must still open, write and read databases, with
// the pure-JS xx16 engine, and read a database the wasm engine wrote.

import * as stratadb from '/stratadb.js';
import { report, xx16Engine, xx16OfFoo } from './report.js';

/** The smallest valid module: "\0asm", version 1. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

report(async () => {
  // First show that the policy is in force: compiling any module is refused.
  let wasmRefusal = 'none';
  try {
    new WebAssembly.Module(EMPTY_MODULE);
  } catch (error) {
    wasmRefusal = error.name;
  }

  const db = await stratadb.open();
  for (let i = 0; i < 300; i++) db.set(['map', `key${i}`], { i });
  db.set(['list'], ['x', 'y']);

  // Written in Node by the wasm engine; served by the test.
  const fixture = new Uint8Array(await (await fetch('/fixture.xit')).arrayBuffer());
  const written = await stratadb.open(fixture);

  return {
    wasmRefusal,
    engine: await xx16Engine(stratadb),
    foo: await xx16OfFoo(stratadb),
    key123: db.get(['map', 'key123', 'i']),
    list: db.get(['list']).toJS(),
    reopenedKey299: (await stratadb.open(db.bytes())).get(['map', 'key299', 'i']),
    fixtureGreeting: written.get(['greeting']),
    fixtureUser42: written.get(['users', 'user42']),
  };
});

// stratadb in a real browser: Debian's chromium (the system binary, no browser
// download), driven by playwright-core. The browser-safe entries 'stratadb' and
// 'stratadb/engine' (dist/src/index.js and engine.js, so `npm run build` first)
// are bundled into one module with esbuild and served with the pages of
// test/browser/pages from a node:http server on 127.0.0.1. Pages: a memory
// database written and read; its bytes transferred to a Web Worker and opened
// there in place; the same under "Content-Security-Policy: script-src 'self'",
// where WebAssembly is refused and the pure-JS xx16 engine must take over.
//
// Where chromium is missing the tests are skipped with a message, except under
// CI=true, where they fail: CI installs it with .ci/install-browser.

import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../../src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pagesDir = join(root, 'test', 'browser', 'pages');
const entry = join(root, 'dist', 'src', 'index.js');
const engineEntry = join(root, 'dist', 'src', 'engine.js');

/** The system chromium (Debian's package); CHROMIUM_PATH overrides. */
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const chromiumPresent = existsSync(chromiumPath);
const underCi = process.env['CI'] === 'true';

/** The policy of the strict page: scripts from this origin only, so no 'wasm-unsafe-eval'. */
const STRICT_CSP = "script-src 'self'";

/** xx16 of "foo", FORMAT.md §Hashing (example hash-xx16-foo). */
const XX16_FOO = '5aad8aa843ba0f22aec854e7ae71388d';

if (!chromiumPresent && !underCi) {
  console.warn(
    `test/browser: skipped, no chromium at ${chromiumPath}. Install it with \`bash .ci/install-browser\` ` +
      '(Debian: apt-get install chromium) or set CHROMIUM_PATH; under CI=true these tests run and fail without it.',
  );
}

/** What a page leaves in `window.result`. */
type PageResult = { ok: boolean; error?: string; [fact: string]: unknown };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

describe.skipIf(!chromiumPresent && !underCi)('stratadb in chromium', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!chromiumPresent) throw new Error(`CI=true but no chromium at ${chromiumPath}: run .ci/install-browser first`);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
    // One ES module with everything the browser-safe entries reach (the pages use the value API and, to see which hash engine runs, the engine's hashers).
    const contents = `export * from ${JSON.stringify(entry)};\nexport * from ${JSON.stringify(engineEntry)};\n`;
    const bundled = await build({ stdin: { contents, resolveDir: root, loader: 'js' }, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
    const bundle = bundled.outputFiles[0]!.contents;

    // A database written in Node, where the wasm engine hashes, for the strict page to read.
    const fixtureDb = await open();
    fixtureDb.set(['greeting'], 'written by the wasm engine');
    for (let i = 0; i < 100; i++) fixtureDb.set(['users', `user${i}`], i * 7);
    const fixture = fixtureDb.bytes().slice();

    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const headers: Record<string, string> = {};
      // The strict page's policy; its scripts and worker come from this origin.
      if (path === '/pages/strict.html') headers['Content-Security-Policy'] = STRICT_CSP;
      let body: Uint8Array | undefined;
      if (path === '/favicon.ico') {
        // No icon, and no 404 on the page's console for it.
        response.writeHead(204).end();
        return;
      }
      if (path === '/stratadb.js') {
        body = bundle;
        headers['Content-Type'] = CONTENT_TYPES['.js']!;
      } else if (path === '/fixture.xit') {
        body = fixture;
        headers['Content-Type'] = 'application/octet-stream';
      } else if (/^\/pages\/[a-z-]+\.(html|js)$/.test(path)) {
        const file = join(pagesDir, path.slice('/pages/'.length));
        if (existsSync(file)) {
          body = readFileSync(file);
          headers['Content-Type'] = CONTENT_TYPES[path.slice(path.lastIndexOf('.'))]!;
        }
      }
      if (body === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, headers).end(body);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'], timeout: 20_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((closed) => (server ? server.close(() => closed()) : closed()));
  });

  /** Loads a page, waits for its `window.result`, and fails on any page error or console error. */
  async function runPage(name: string): Promise<PageResult & { consoleErrors: string[] }> {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`${error.name}: ${error.message}`));
    try {
      await page.goto(`${origin}/pages/${name}`);
      await page.waitForFunction(() => 'result' in globalThis, undefined, { timeout: 10_000 });
      const result = await page.evaluate(() => (globalThis as unknown as { result: PageResult }).result);
      return { ...result, consoleErrors };
    } finally {
      await page.close();
    }
  }

  it('reports the chromium it drives', () => {
    // Printed so that a run's log says which browser it tested.
    console.info(`test/browser: ${chromiumPath}, chromium ${browser.version()}`);
    expect(browser.version()).toMatch(/^\d+\./);
  });

  it('writes and reads a memory database in the page, with history, and reopens its bytes, hashing with WebAssembly', async () => {
    const result = await runPage('memory.html');
    expect(result).toMatchObject({
      ok: true,
      engine: 'wasm',
      foo: XX16_FOO,
      title: 'browser',
      todos: ['one', 'two', 'three'],
      alice: { name: 'Alice', visits: 1 },
      n499: 1497,
      blob: [1, 2, 3, 250],
      big: String(2n ** 100n),
      firstMomentTitle: 'browser',
      firstMomentNumbers: true,
      momentCount: 505,
      reopenedN250: 750,
      reopenedTodos: ['one', 'two', 'three'],
    });
    expect(result.consoleErrors).toEqual([]);
  });

  it('transfers the bytes to a Web Worker (the main thread buffer is detached) and opens them there in place', async () => {
    const result = await runPage('worker.html');
    expect(result).toMatchObject({
      ok: true,
      detachedInMainThread: true,
      sameBuffer: true,
      user777: { index: 777, name: 'User 777' },
      userCount: 1000,
      tags: ['a', 'b', 'c'],
    });
    expect(result).not.toHaveProperty('workerError');
    // The worker holds the whole buffer the main thread gave up.
    expect(result['workerBufferSize']).toBe(result['sizeBefore']);
    expect(result.consoleErrors).toEqual([]);
  });

  it("opens, writes and reads under script-src 'self' (WebAssembly refused) with the JS engine, and reads a database the wasm engine wrote", async () => {
    const result = await runPage('strict.html');
    expect(result).toMatchObject({
      ok: true,
      wasmRefusal: 'CompileError',
      engine: 'js',
      foo: XX16_FOO,
      key123: 123,
      list: ['x', 'y'],
      reopenedKey299: 299,
      fixtureGreeting: 'written by the wasm engine',
      fixtureUser42: 294,
    });
    // The refused compile is caught and logs nothing, in the page or by the browser.
    expect(result.consoleErrors).toEqual([]);
  });
});

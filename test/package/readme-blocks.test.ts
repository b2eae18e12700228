// Every code block in README.md runs: each ```ts block is type-checked against
// the sources, compiled, and run with Node as an ES module in a folder of its
// own, importing 'stratadb' and 'stratadb/node' through the package's exports
// map (the built dist/, which `npm test` makes first), and must exit 0. A block
// that is only meant to be read (a shell session, a placeholder) is marked
// `<!-- not-run: reason -->` on the line before its fence; those are listed
// and counted here, so the list stays short and every entry says why.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { NatsCluster, haveNats } from '../support/nats-cluster.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  code: string;
  /** The reason given in a `<!-- not-run: reason -->` marker, or null. */
  notRun: string | null;
}

/** The fenced blocks of a markdown text, with the not-run marker before each. */
export function readmeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    let previous = start - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous--;
    const marker = previous >= 0 ? /^<!--\s*not-run:\s*(.+?)\s*-->$/.exec(lines[previous]!.trim()) : null;
    blocks.push({ line: start + 1, language: open[1]!, code: lines.slice(start + 1, end).join('\n'), notRun: marker?.[1] ?? null });
    i = end;
  }
  return blocks;
}

const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const runnable = blocks.filter((block) => block.notRun === null && block.language === 'ts');
const notRun = blocks.filter((block) => block.notRun !== null);
const work = mkdtempSync(join(tmpdir(), 'stratadb-readme-'));
// 'stratadb' resolves as in a user's project: through node_modules and the exports map.
writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'readme-blocks', private: true, type: 'module' }));
mkdirSync(join(work, 'node_modules'));
symlinkSync(root, join(work, 'node_modules', 'stratadb'), 'dir');
// The replication example imports the NATS client, as a user who replicates installs it.
symlinkSync(join(root, 'node_modules', '@nats-io'), join(work, 'node_modules', '@nats-io'), 'dir');

const fileOf = (block: Block) => join(work, `line-${block.line}`, 'block.ts');
for (const block of runnable) {
  mkdirSync(dirname(fileOf(block)));
  // `export {}` makes every block a module (top-level await, no shared globals).
  writeFileSync(fileOf(block), `${block.code}\nexport {};\n`);
}

// The replication example connects to the servers in NATS_URLS: a three-server
// cluster started here (skipped, with the message nats-cluster.ts prints, only
// where nats-server is not installed and CI is not set).
const natsBlocks = runnable.filter((block) => block.code.includes('NATS_URLS'));
let cluster: NatsCluster | undefined;
beforeAll(async () => {
  if (natsBlocks.length > 0 && haveNats) cluster = await NatsCluster.start(3);
});
afterAll(async () => {
  await cluster?.stop();
});

describe('README.md code blocks', () => {
  it('are all TypeScript that runs, except the few marked not-run, each with its reason', () => {
    const listed = notRun.map((block) => `line ${block.line} (${block.language || 'no language'}): ${block.notRun}`);
    console.log(`README blocks not run (${notRun.length}):\n  ${listed.join('\n  ')}`);
    expect(runnable.length).toBeGreaterThanOrEqual(3);
    const unmarked = blocks.filter((block) => block.notRun === null && block.language !== 'ts');
    expect(unmarked.map((block) => `line ${block.line}: ${block.language || 'no language'}`)).toEqual([]);
    // Today three shell blocks: Quick start (it runs this suite), Install and
    // Command line (placeholders; pack.test.ts and cli.test.ts run them for real).
    expect(notRun.length).toBeLessThanOrEqual(3);
    for (const block of notRun) expect(block.notRun!.length, `line ${block.line}`).toBeGreaterThan(10);
  });

  it('type-check against the package as users import it', () => {
    const program = ts.createProgram(runnable.map(fileOf), {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : null;
      const block = diagnostic.file ? dirname(diagnostic.file.fileName).split('/').pop() : '?';
      return `${block}${where ? ` +${where.line + 1}` : ''}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  });

  for (const block of runnable) {
    it.skipIf(natsBlocks.includes(block) && !haveNats)(`block at line ${block.line} runs and exits 0`, () => {
      const compiled = ts.transpileModule(readFileSync(fileOf(block), 'utf8'), {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false },
      }).outputText;
      const script = join(dirname(fileOf(block)), 'block.mjs');
      writeFileSync(script, compiled);
      // execFileSync throws, with the block's stderr, when it exits non-zero.
      const env = cluster === undefined ? process.env : { ...process.env, NATS_URLS: cluster.servers.join(',') };
      execFileSync(process.execPath, [script], { cwd: dirname(script), encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'], env });
    });
  }
});

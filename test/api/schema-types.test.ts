// open<Schema>() type-checks paths and values at compile time: schema-types.ts
// holds lines that must compile and lines under an expect-error directive that
// must not. `npm test` type-checks it with every other test file (`tsc -p
// tsconfig.test.json`, beside vitest), and tsc fails on an unused
// directive (error TS2578), so a wrong line that compiles fails `npm test`.
// This file used to run a second tsc on schema-types.ts alone: the same check
// at about 15 s of CPU. It now checks that the first one still covers it.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readJson = (name: string): Record<string, unknown> => JSON.parse(readFileSync(resolve(root, name), 'utf8')) as Record<string, unknown>;

describe('open<Schema>()', () => {
  it('has its compile-time checks in schema-types.ts, which npm test type-checks strictly beside the suite', () => {
    const source = readFileSync(resolve(root, 'test', 'api', 'schema-types.ts'), 'utf8');
    expect(source.match(/@ts-expect-error/g)?.length ?? 0, 'lines that must not compile').toBeGreaterThanOrEqual(5);

    // npm test (scripts/test.mjs): build, then tsc on the test config beside
    // vitest; a type error fails npm test when the tests pass.
    const scripts = readJson('package.json').scripts as Record<string, string>;
    expect(scripts.test).toBe('node scripts/test.mjs');
    const runner = readFileSync(resolve(root, 'scripts', 'test.mjs'), 'utf8');
    expect(runner).toContain("[tsc, '-p', join(root, 'tsconfig.test.json')]");
    expect(runner).toContain('process.exit(testsCode !== 0 ? testsCode : typecheckCode)');

    // The test config takes in test/ (so schema-types.ts) and emits nothing.
    const testConfig = readJson('tsconfig.test.json') as { extends: string; include: string[]; compilerOptions: Record<string, unknown> };
    expect(testConfig.extends).toBe('./tsconfig.json');
    expect(testConfig.include).toContain('test');
    expect(testConfig.compilerOptions.noEmit).toBe(true);

    // With the strictness users get (the options the separate tsc run passed).
    const options = (readJson('tsconfig.json') as { compilerOptions: Record<string, unknown> }).compilerOptions;
    expect(options).toMatchObject({ strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, module: 'NodeNext', moduleResolution: 'NodeNext' });
    for (const key of ['strict', 'exactOptionalPropertyTypes', 'noUncheckedIndexedAccess']) expect(testConfig.compilerOptions[key], key).toBeUndefined();
  });
});

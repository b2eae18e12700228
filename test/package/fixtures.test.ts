// Where the xitdb fixtures are looked for, and what a run without them does:
// skip with a message in a user's clone, fail under CI unless the run hides
// them on purpose (.ci/run's second run). Pure cases, the same in every run.

import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { DEFAULT_FIXTURE_DIR, SKIP_MESSAGE_PREFIX, locateFixtures, announceFixtures } from '../support/fixtures.js';

announceFixtures();

const only = (dir: string) => (path: string) => path === join(dir, 'README.md');
const nothing = () => false;

describe('locateFixtures', () => {
  it('looks in ../shared/fixtures/xitdb beside the checkout by default', () => {
    const checkout = resolve(import.meta.dirname, '..', '..');
    expect(DEFAULT_FIXTURE_DIR).toBe(join(resolve(checkout, '..'), 'shared', 'fixtures', 'xitdb'));
    expect(locateFixtures({}, only(DEFAULT_FIXTURE_DIR))).toEqual({ dir: DEFAULT_FIXTURE_DIR, present: true, skipMessage: null });
  });

  it('looks where STRATADB_FIXTURES points instead', () => {
    const location = locateFixtures({ STRATADB_FIXTURES: '/elsewhere/xitdb' }, only('/elsewhere/xitdb'));
    expect(location).toEqual({ dir: '/elsewhere/xitdb', present: true, skipMessage: null });
  });

  it('skips with a message naming the folder when the fixtures are absent outside CI', () => {
    const location = locateFixtures({ STRATADB_FIXTURES: '/nowhere' }, nothing);
    expect(location.present).toBe(false);
    expect(location.skipMessage).toContain(`${SKIP_MESSAGE_PREFIX} /nowhere`);
    expect(location.skipMessage).toContain('../shared/fixtures/xitdb');
    expect(locateFixtures({ CI: 'false' }, nothing).present).toBe(false);
  });

  it('never skips under CI=true: absent fixtures are an error naming the folder', () => {
    expect(() => locateFixtures({ CI: 'true', STRATADB_FIXTURES: '/nowhere' }, nothing)).toThrow(/fixtures are missing at \/nowhere/);
    expect(() => locateFixtures({ CI: 'true' }, nothing)).toThrow(/CI must have \.\.\/shared/);
    expect(() => locateFixtures({ CI: 'true', STRATADB_FIXTURES_HIDDEN: 'yes' }, nothing)).toThrow(/fixtures are missing/);
  });

  it('skips under CI=true only when the run hides the fixtures on purpose (STRATADB_FIXTURES_HIDDEN=1)', () => {
    const location = locateFixtures({ CI: 'true', STRATADB_FIXTURES_HIDDEN: '1', STRATADB_FIXTURES: '/nowhere' }, nothing);
    expect(location.present).toBe(false);
    expect(location.skipMessage).toContain(`${SKIP_MESSAGE_PREFIX} /nowhere`);
  });
});

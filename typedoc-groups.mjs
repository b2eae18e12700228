// A TypeDoc plugin (typedoc.json) that groups the API reference by purpose
// rather than by kind: each export is filed under the folder it is defined in
// (one table here instead of a @group tag in eighty comments), the test doubles
// go under "Testing", apart from Database, and the modules are named by the
// import specifiers users write: 'stratadb', 'stratadb/node', 'stratadb/engine',
// 'stratadb/immutable', 'stratadb/testing' and 'stratadb/replication'.

import { Converter, DeclarationReflection, ReflectionKind, Comment, CommentTag } from 'typedoc';

/** Source path (from src/) to group, first match wins: most specific first. */
const GROUPS = [
  ['storage/fault-storage.ts', 'Testing'],
  ['hash/test-hashers.ts', 'Testing'],
  ['immutable.ts', 'Database and values'],
  ['api/errors.ts', 'Errors'],
  ['errors.ts', 'Errors'],
  ['replication/', 'Replication'],
  ['api/', 'Database and values'],
  ['open.ts', 'Engine and cursors'],
  ['node.ts', 'Database and values'],
  ['history/engine.ts', 'Engine and cursors'],
  ['cursor/', 'Engine and cursors'],
  ['diff/', 'Engine and cursors'],
  ['core/', 'Engine and cursors'],
  ['base/', 'Engine and cursors'],
  ['history/', 'Tools: verify, stats, backup, dump'],
  ['compact/', 'Tools: verify, stats, backup, dump'],
  ['cli/', 'Tools: verify, stats, backup, dump'],
  ['storage/', 'Storage'],
  ['hash/', 'Hashing'],
  ['format/', 'Format: slots and tags'],
];

const MODULE_NAMES = { index: 'stratadb', node: 'stratadb/node', engine: 'stratadb/engine', immutable: 'stratadb/immutable', testing: 'stratadb/testing', replication: 'stratadb/replication' };

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const module of project.getReflectionsByKind(ReflectionKind.Module)) {
      if (module.name in MODULE_NAMES) module.name = MODULE_NAMES[module.name];
      for (const child of module.children ?? []) {
        if (!(child instanceof DeclarationReflection)) continue;
        const file = context.getSymbolFromReflection(child)?.declarations?.[0]?.getSourceFile().fileName ?? '';
        const inSrc = file.replace(/\\/g, '/').split('/src/').pop() ?? '';
        const group = GROUPS.find(([prefix]) => inSrc === prefix || (prefix.endsWith('/') && inSrc.startsWith(prefix)))?.[1];
        if (group === undefined) continue;
        child.comment ??= new Comment();
        if (!child.comment.blockTags.some((tag) => tag.tag === '@group')) {
          child.comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: group }]));
        }
      }
    }
  });
}

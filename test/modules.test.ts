/**
 * User modules load the same way everywhere: .ts, .mts, .cts, .js, .mjs, .cjs, in ESM and
 * CommonJS projects, with a default export, a named `semantics` export or `module.exports`
 * (the first session's README step led a CommonJS project's .ts straight into
 * "interfaceVersion must be 1; …": the namespace arrived wrapped once more). A module that is not a
 * semantics is told what it does export.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main, type Io } from '../cli/main.js';

const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'scopecheck-modules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A semantics without importing scopecheck: abi7's masks, hooks that allow everything. */
const PLAIN = `{ interfaceVersion: 1, name: 'NAME', description: 'test', abi: 7, errata: 7, scopes: 3, fsRights: 16383, restrictSelfFlags: 0, pathnameRestriction: 'none',
  hooks: { unixFind: () => null, unixStreamConnect: () => null, unixMaySend: () => null, taskKill: () => null } }`;
const plain = (name: string) => PLAIN.replace('NAME', name);

function project(type: 'module' | 'commonjs'): string {
  const d = join(work, type);
  mkdirSync(join(d, 'node_modules'), { recursive: true });
  writeFileSync(join(d, 'package.json'), JSON.stringify({ name: `p-${type}`, version: '1.0.0', type }));
  symlinkSync(ROOT, join(d, 'node_modules', 'scopecheck'));
  return d;
}

const CASES: [string, string][] = [
  ['default.ts', `import { kernelSemantics } from 'scopecheck';\nexport default kernelSemantics({ name: 'ts-default', abi: 11, errata: 15, description: 'x' });\n`],
  ['named.ts', `import { abi11 } from 'scopecheck';\nexport const semantics = { ...abi11, name: 'ts-named' };\n`],
  ['default.mts', `import { abi11 } from 'scopecheck';\nexport default { ...abi11, name: 'mts-default' };\n`],
  ['exports.cts', `module.exports = ${plain('cts-exports')};\n`],
  ['default.cts', `export default ${plain('cts-default')};\n`],
  ['default.mjs', `export default ${plain('mjs-default')};\n`],
  ['named.mjs', `export const semantics = ${plain('mjs-named')};\n`],
  ['exports.cjs', `module.exports = ${plain('cjs-exports')};\n`],
  ['named.cjs', `exports.semantics = ${plain('cjs-named')};\n`],
];

async function run(dir: string, mod: string): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = { out: (s) => void (text += `${s}\n`), err: (s) => void (text += `${s}\n`), isTTY: false };
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return { code: await main(['run', join(ROOT, 'scenarios/seed/tmux-escape.json'), '--semantics', `./${mod}`, '--json'], io), text };
  } finally {
    process.chdir(cwd);
  }
}

describe.each(['module', 'commonjs'] as const)('a %s project', (type) => {
  const dir = project(type);
  for (const [file, text] of CASES) {
    // A .js file is ESM or CommonJS by the project's type: both ways.
    const js = file.endsWith('.mjs') && type === 'module' ? file.replace(/\.mjs$/, '.js') : file.endsWith('.cjs') && type === 'commonjs' ? file.replace(/\.cjs$/, '.js') : file;
    test(`loads ${js}`, async () => {
      writeFileSync(join(dir, js), text);
      const r = await run(dir, js);
      expect(r.code, r.text).toBe(0);
      const name = /name: '([a-z-]+)'/.exec(text)![1];
      expect(JSON.parse(r.text.trim()).semantics).toBe(name);
    });
  }
  test('a module that is no semantics is told what it exports', async () => {
    writeFileSync(join(dir, 'nope.mjs'), 'export const hooks = 1;\nexport default { colour: "red" };\n');
    const r = await run(dir, 'nope.mjs');
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/not a scopecheck semantics: .*default export: an object with keys colour; named exports: hooks/);
  });
});

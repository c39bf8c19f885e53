/**
 * Properties users write (`--property ./mine.ts`): loaded like built-ins in random, exhaustive and
 * simulation mode (also by worker threads), in replay, merge and the HTML report; a wrong one is
 * caught with a counterexample; a module that is not a property is refused with one line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main, type Io } from '../cli/main.js';

const ROOT = join(import.meta.dirname, '..');
const EXAMPLE = join(ROOT, 'examples/properties.ts');
const dir = mkdtempSync(join(tmpdir(), 'scopecheck-userprop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`), isTTY: false };
  return { code: await main(args, io), out, err };
}

// A property that is wrong on purpose: "no Landlock denial ever", expected to hold under abi7 only.
const WRONG = join(dir, 'wrong.mts');
writeFileSync(
  WRONG,
  `export default {
  name: 'never-denied',
  statement: 'No step is ever denied by Landlock (false: a test of the machinery).',
  expect: { abi7: 'holds', abi11: 'violated' },
  check: ({ outcomes }) => {
    const i = outcomes.findIndex((o) => o.denial);
    return i < 0 ? null : { step: i, message: 'step ' + i + ' was denied' };
  },
};
`,
);

describe('user properties', () => {
  for (const mode of [['--runs', '1500'], ['--exhaustive', '--bound', 'tasks=2,layers=1,sockets=1,steps=4'], ['--simulate', '--walks', '150', '--depth', '80']])
    test(`the example properties hold (${mode[0]}, 2 workers)`, async () => {
      const r = await cli(['check', '--property', EXAMPLE, '-s', 'abi7', 'abi11', '--no-save', '--workers', '2', ...mode]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^unsandboxed-never-denied\s+holds\s+holds$/m);
      expect(r.out).toMatch(/^denial-blames-own-layer\s+holds\s+holds$/m);
      expect(r.out).toContain(`--property ${EXAMPLE}`);
    }, 120_000);

  test('a wrong property is violated with a counterexample, saved, replayed with its module, in the HTML report', async () => {
    const out = join(dir, 'cx');
    const html = join(dir, 'r.html');
    const r = await cli(['check', '--property', WRONG, '-s', 'abi7', 'abi11', '--runs', '2000', '--out', out, '--html', html]);
    // abi7 expects it to hold: VIOLATED! (exit 1); abi11 expects the violation.
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^never-denied\s+VIOLATED!\s+violated\*$/m);
    const file = join(out, 'abi7', 'never-denied.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { replay: string };
    expect(saved.replay).toContain(`--property ${WRONG}`);
    expect((await cli(['replay', file, '--property', WRONG])).code).toBe(0);
    const without = await cli(['replay', file]);
    expect(without.code).toBe(2);
    expect(without.err).toContain('add --property');
    expect(readFileSync(html, 'utf8')).toContain('never-denied');
  }, 120_000);

  test('shards of a run with user properties merge only with --property', async () => {
    const base = ['check', '--property', EXAMPLE, '-s', 'abi7', '--runs', '200', '--no-save'];
    const one = await cli(base);
    const shards = [1, 2].map((k) => join(dir, `s${k}.json`));
    for (const [i, f] of shards.entries()) expect((await cli([...base, '--shard', `${i + 1}/2`, '--shard-out', f])).code).toBe(0);
    const refused = await cli(['merge', ...shards]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`add --property ${EXAMPLE}`);
    const merged = await cli(['merge', ...shards, '--property', EXAMPLE, '--no-save']);
    expect(merged.out).toBe(one.out);
  }, 120_000);

  test('compare shows how the verdicts of the properties differ', async () => {
    const r = await cli(['compare', 'abi7', 'abi11', '--property', WRONG, '--runs', '1500']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/never-denied: abi7 violated \(expected holds\), abi11 violated/);
  }, 120_000);

  for (const [label, text, msg] of [
    ['exports nothing', 'export const x = 1;', 'exports no property'],
    ['no check', "export default { name: 'a-b', statement: 'x' };", 'exports no property'],
    ['a bad name', "export default { name: 'Bad Name', statement: 'x', check: () => null };", 'name must match'],
    ['a built-in name', "export default { name: 'sandbox-closed', statement: 'x', check: () => null };", "built-in property's"],
    ['a bad kind', "export default { name: 'a-b', statement: 'x', kind: 'odd', check: () => null };", 'kind must be'],
  ] as const)
    test(`a module with ${label} is refused in one line`, async () => {
      const f = join(dir, `bad-${label.replace(/\W+/g, '-')}.mjs`);
      writeFileSync(f, text);
      const r = await cli(['check', '--property', f, '--runs', '10', '--no-save']);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(msg);
    });
});

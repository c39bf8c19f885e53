/**
 * The output of `check` is byte-identical whatever the number of workers and however the run is
 * sharded and merged.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main, type Io } from '../cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'scopecheck-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const capture = (): Io & { text: () => string } => {
  const out: string[] = [];
  return { out: (s) => out.push(s), err: () => {}, isTTY: false, text: () => out.join('\n') };
};
async function run(args: string[]): Promise<string> {
  const io = capture();
  const code = await main(args, io);
  expect(code).toBe(0);
  return io.text();
}

describe('workers and shards', () => {
  for (const mode of [
    ['--runs', '300', '--seed', '3'],
    ['--exhaustive', '--bound', 'tasks=2,layers=1,sockets=1,steps=4'],
    ['--simulate', '--walks', '600', '--depth', '60', '--seed', '5'],
  ])
    test(`${mode[0]}: 1 worker = 2 workers = 3 shards merged`, async () => {
      const base = ['check', '-s', 'abi7', 'abi11', '--out', join(dir, 'cx'), ...mode];
      const one = await run([...base, '--workers', '1']);
      const two = await run([...base, '--workers', '2']);
      expect(two).toBe(one);
      const shards = [1, 2, 3].map((k) => join(dir, `${mode[0]}-${k}.json`));
      for (const [i, f] of shards.entries()) await run([...base, '--workers', '1', '--shard', `${i + 1}/3`, '--shard-out', f]);
      const merged = await run(['merge', ...shards.reverse(), '--out', join(dir, 'cx')]);
      expect(merged).toBe(one);
    }, 120_000);
  test('--exhaustive --exact: the same report as fingerprinted memos, without the collision notes', async () => {
    const base = ['check', '-s', 'abi7', 'abi11', '--no-save', '--exhaustive', '--bound', 'tasks=2,layers=1,sockets=1,steps=4', '--workers', '1'];
    const fp = await run(base);
    const exact = await run([...base, '--exact']);
    expect(fp).toMatch(/abi7: \d+ scenarios checked, \d+ distinct states extended, complete up to the bound \(collision probability ≤ \d\.\de-\d+\)/);
    expect(fp).toMatch(/96-bit fingerprints/);
    expect(exact).toContain('--bound tasks=2,layers=1,sockets=1,steps=4 --exact');
    const strip = (s: string) => s.replace(/ \(collision probability[^)]*\)/g, '').replace(/\nstates and check keys are kept as 96-bit fingerprints[^\n]*/, '').replace(/ --exact/g, '');
    expect(strip(exact)).toBe(strip(fp));
  }, 60_000);
  test('merge writes where its own --out says, never where a shard file says', async () => {
    const f = join(dir, 'whole.json');
    await run(['check', '-s', 'abi7', '-p', 'sandbox-closed', '--runs', '500', '--no-save', '--shard', '1/1', '--shard-out', f]);
    const shard = JSON.parse(readFileSync(f, 'utf8')) as { args: { out: string; save: boolean } };
    shard.args.out = join(dir, 'escape');
    shard.args.save = true;
    writeFileSync(f, JSON.stringify(shard));
    const io = capture();
    expect(await main(['merge', f, '--out', join(dir, 'mine')], io)).toBe(0);
    expect(existsSync(join(dir, 'escape'))).toBe(false);
    expect(existsSync(join(dir, 'mine', 'abi7', 'sandbox-closed.json'))).toBe(true);
  }, 60_000);
  test('merge refuses an incomplete set of shards', async () => {
    const f = join(dir, 'only.json');
    await run(['check', '-s', 'abi7', '--runs', '50', '--out', join(dir, 'cx'), '--shard', '1/2', '--shard-out', f]);
    const io = capture();
    expect(await main(['merge', f], io)).toBe(2);
  }, 60_000);
});

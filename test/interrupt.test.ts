/**
 * The driver interrupted (SIGTERM, SIGINT) mid-batch leaves no replayer process and no temporary
 * directory behind. (The replayer's working tree is a private tmpfs over TMPDIR, seen only in
 * its own mount namespace; where the kernel refuses that, a scopecheck-replay-* directory in
 * TMPDIR that the driver removes.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { landlockAvailable } from '../kernel/replayer.js';

const ROOT = join(import.meta.dirname, '..');
const live = landlockAvailable();
if (!live) console.warn('SKIPPED: interrupt tests: Landlock is not available on this kernel');
const tmp = mkdtempSync(join(tmpdir(), 'scopecheck-interrupt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const read = (f: string) => {
  try {
    return readFileSync(f).toString();
  } catch {
    return '';
  }
};
/** Live processes started with TMPDIR=this test's directory (the driver, the replayer and its tasks inherit it). */
const ours = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => read(`/proc/${d}/environ`).split('\0').includes(`TMPDIR=${tmp}`));
const replayers = () => ours().filter((d) => read(`/proc/${d}/cmdline`).split('\0')[0]!.endsWith('scopecheck-replay'));
/** The driver's `scopecheck-replay --serve` child. */
const replayerOf = (driver: number | undefined) =>
  replayers().find((d) => read(`/proc/${d}/cmdline`).split('\0').includes('--serve') && read(`/proc/${d}/stat`).replace(/^.*\) /, '').split(' ')[1] === String(driver));
/** The replayer's view of TMPDIR is its private tmpfs, or (fallback) TMPDIR holds its batch directory. */
const replayerWorkingTree = (pid: string) =>
  read(`/proc/${pid}/mountinfo`).split('\n').some((l) => l.split(' ')[4] === tmp && / - tmpfs scopecheck-replay /.test(l)) ||
  readdirSync(tmp).some((d) => d.startsWith('scopecheck-replay-'));

describe.skipIf(!live)('interrupting record', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    test(`${sig} mid-batch: no replayer left, no temporary directory`, async () => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'scopecheck.js'), 'record', join(ROOT, 'traces', 'corpus', 'random.corpus.jsonl.gz'), '-o', join(tmp, 'x.jsonl')], {
        env: { ...process.env, TMPDIR: tmp },
        stdio: 'ignore',
      });
      // mid-batch: the driver's replayer is running (it is spawned after the corpus is read)
      let top: string | undefined;
      for (const end = Date.now() + 10_000; !top && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 50));
        top = replayerOf(child.pid);
      }
      expect(top).toBeDefined();
      await new Promise((r) => setTimeout(r, 200));
      expect(replayerWorkingTree(top!)).toBe(true);
      child.kill(sig);
      const code = await new Promise<string | null>((r) => child.on('exit', (_c, s) => r(s)));
      expect(code).toBe(sig);
      await new Promise((r) => setTimeout(r, 300));
      expect(readdirSync(tmp).filter((d) => d.startsWith('scopecheck-replay-'))).toEqual([]);
      expect(ours().map((d) => `${d} ${read(`/proc/${d}/cmdline`).replace(/\0/g, ' ')}`)).toEqual([]);
      expect(readdirSync(tmp).includes('x.jsonl')).toBe(false);
    }, 30_000);
});

/**
 * The driver interrupted (SIGTERM, SIGINT) mid-batch leaves no replayer process and no temporary
 * directory behind.
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

/** Processes whose command line mentions this test's temporary directory (the replayer's --tmpdir). */
const replayers = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`).toString().replace(/\0/g, ' ').includes(tmp);
      } catch {
        return false;
      }
    });

describe.skipIf(!live)('interrupting record', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    test(`${sig} mid-batch: no replayer left, no temporary directory`, async () => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'scopecheck.js'), 'record', join(ROOT, 'traces', 'corpus', 'random.corpus.jsonl.gz'), '-o', join(tmp, 'x.jsonl')], {
        env: { ...process.env, TMPDIR: tmp },
        stdio: 'ignore',
      });
      await new Promise((r) => setTimeout(r, 1200));
      expect(readdirSync(tmp).some((d) => d.startsWith('scopecheck-replay-'))).toBe(true);
      child.kill(sig);
      const code = await new Promise<string | null>((r) => child.on('exit', (_c, s) => r(s)));
      expect(code).toBe(sig);
      await new Promise((r) => setTimeout(r, 300));
      expect(readdirSync(tmp).filter((d) => d.startsWith('scopecheck-replay-'))).toEqual([]);
      expect(replayers()).toEqual([]);
      expect(readdirSync(tmp).includes('x.jsonl')).toBe(false);
    }, 30_000);
});

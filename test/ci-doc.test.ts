/**
 * docs/ci.md tells users how to scale scopecheck out: its GitHub Actions workflow and its GNU
 * parallel commands are run here, as written, with smaller values (a smaller bound, two shards, one
 * kernel, fewer fuzz runs): the merged verdicts must be those of the run on one machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CLI = `node ${join(ROOT, 'bin', 'scopecheck.js')}`;
const doc = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'scopecheck-ci-doc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BOUND = 'tasks=2,layers=1,sockets=1,steps=4';
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** The fenced block that follows a marker comment. */
function blockAfter(marker: string): string {
  const i = doc.indexOf(marker);
  expect(i, `docs/ci.md has the marker ${marker}`).toBeGreaterThan(0);
  const m = /```\w*\n([\s\S]*?)```/.exec(doc.slice(i))!;
  return m[1]!;
}

/** The `run:` lines of each job of the workflow. */
function workflowRuns(yaml: string): Record<string, string[]> {
  const jobs: Record<string, string[]> = {};
  let inJobs = false;
  let job = '';
  for (const line of yaml.split('\n')) {
    if (/^jobs:/.test(line)) inJobs = true;
    else if (inJobs && /^ {2}[a-z-]+:$/.test(line)) jobs[(job = line.trim().slice(0, -1))] = [];
    else if (inJobs && job) {
      const m = /^\s+- run: (.*)$/.exec(line);
      if (m) jobs[job]!.push(m[1]!);
    }
  }
  return jobs;
}

function sh(script: string, env: Record<string, string> = {}): { code: number; out: string; stdout: string } {
  const r = spawnSync('bash', ['-c', script], { cwd: work, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

const ours = (cmd: string) => cmd.replaceAll('npx scopecheck', CLI);
/** The same check on one machine (it saves the same counterexamples, so it prints the same lines). */
const direct = () => execFileSync('bash', ['-c', `${CLI} check --exhaustive --bound ${BOUND} 2>/dev/null`], { cwd: work, encoding: 'utf8' });

describe('docs/ci.md', () => {
  const yaml = blockAfter('test/ci-doc.test.ts runs the `run:` lines');
  const runs = workflowRuns(yaml);

  test('the workflow has the check, merge and fuzz jobs, with scopecheck commands', () => {
    expect(Object.keys(runs)).toEqual(['check', 'merge', 'fuzz']);
    for (const j of ['check', 'merge', 'fuzz']) expect(runs[j]!.some((r) => r.startsWith('npx scopecheck'))).toBe(true);
  });

  test('its check and merge jobs, run here: the merged verdicts are the single run\'s', () => {
    const env = { BOUND, SHARDS: '2' };
    for (const k of [1, 2])
      for (const r of runs.check!.filter((x) => x.startsWith('npx scopecheck'))) {
        const res = sh(ours(r.replaceAll('${{ matrix.shard }}', String(k))), env);
        expect(res.code, res.out).toBe(0);
      }
    const merged = sh(ours(runs.merge!.find((x) => x.startsWith('npx scopecheck'))!), env);
    expect(merged.code, merged.out).toBe(0);
    expect(merged.stdout).toBe(direct());
    expect(readFileSync(join(work, 'junit.xml'), 'utf8')).toContain('<testsuites');
    expect(readFileSync(join(work, 'report.html'), 'utf8')).toContain('<html');
  }, 300_000);

  const vm = has('qemu-system-x86_64');
  if (!vm) console.warn('SKIPPED: docs/ci.md fuzz job: qemu-system-x86_64 is not installed');
  test.skipIf(!vm)('its fuzz job, run here for Debian 7.3', () => {
    const r = runs.fuzz!.find((x) => x.startsWith('npx scopecheck'))!;
    const res = sh(ours(r.replaceAll('${{ matrix.kernel }}', '7.3')), { FUZZ_RUNS: '300' });
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/300 scenarios, 0 disagree/);
  }, 600_000);

  const par = has('parallel');
  if (!par) console.warn('SKIPPED: docs/ci.md GNU parallel block: parallel is not installed');
  test.skipIf(!par)('its GNU parallel block, run here', () => {
    const block = blockAfter('test/ci-doc.test.ts runs this block').replace(/^BOUND=.*$/m, `BOUND=${BOUND}`);
    rmSync(join(work, 'shard-1.json'), { force: true });
    const res = sh(ours(block).replaceAll('parallel -j', 'parallel --will-cite -j'));
    expect(res.code, res.out).toBe(0);
    expect(res.stdout.endsWith(direct())).toBe(true);
  }, 300_000);
});

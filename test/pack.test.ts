/**
 * Installed from the registry: the package as `npm pack` makes it, installed into an empty
 * project, runs `check`, `run`, `record` and `export --as c` there — so a published package cannot
 * miss a file or a build step (the replayer is built from the shipped C sources on first use).
 * `check` writes its counterexamples where the user says (`--out`; default ./counterexamples).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { landlockAvailable } from '../kernel/replayer.js';

const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'scopecheck-pack-'));
const proj = join(work, 'project');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npx = (args: string[]) => spawnSync('npx', ['--no-install', 'scopecheck', ...args], { cwd: proj, encoding: 'utf8', timeout: 300_000 });

beforeAll(() => {
  // dist/ is built by `npm test` before the tests run: pack it as it is (no second build under the running tests).
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  mkdirSync(proj);
  execFileSync('npm', ['init', '-y'], { cwd: proj, stdio: 'ignore' });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(work, tgz)], { cwd: proj, stdio: 'pipe', timeout: 300_000 });
  copyFileSync(join(ROOT, 'scenarios/seed/tmux-escape.json'), join(proj, 'tmux.json'));
}, 600_000);

describe('the packed package, installed into an empty project', () => {
  test('check writes its counterexamples to --out', () => {
    const r = npx(['check', '--runs', '300', '--out', 'my-cx']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/105 cells, 105 as expected/); // 15 properties × 7 semantics
    expect(readdirSync(join(proj, 'my-cx')).sort()).toContain('abi7');
    expect(existsSync(join(proj, 'counterexamples'))).toBe(false);
  }, 300_000);
  test('run', () => {
    const r = npx(['run', 'tmux.json', '-s', 'abi7']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('connect');
  });
  test('export --as c', () => {
    const r = npx(['export', 'tmux.json', '--as', 'c', '-s', 'abi7', '-o', 't.c']);
    expect(r.status, r.stderr).toBe(0);
    execFileSync('gcc', ['-Wall', '-O2', '-pthread', 't.c', '-o', 't'], { cwd: proj });
  }, 120_000);
  const live = landlockAvailable();
  if (!live) console.warn('SKIPPED: record from the installed package: Landlock is not available on this kernel');
  test.skipIf(!live)('record builds the replayer from the shipped sources and runs it', () => {
    const r = npx(['record', 'tmux.json', '-o', 'tmux.jsonl']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(proj, 'node_modules/scopecheck/build/scopecheck-replay'))).toBe(true);
    expect(npx(['diff', 'tmux.jsonl']).status).toBe(0);
  }, 300_000);
});

/**
 * The patch author's loop, end to end, with a real patched kernel (`npm run e2e`; not in
 * `npm test`: a kernel build takes minutes): the seed's pathname scope bit ported to Debian's
 * linux-source-7.3 (test/fixtures/pathname-scope-7.3.patch), applied to a copy of the cached tree,
 * validated against a semantics module that lives in a scratch CommonJS project which installed
 * scopecheck from `npm pack`. The intended semantics must agree with the kernel; plain abi11 must
 * not (the kernel has the scope bit).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultCacheDir, resolveLinuxSource } from '../kernel/debian.js';

const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'scopecheck-e2e-'));
const proj = join(work, 'project');
const tree = join(work, 'linux');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PATCHED = ['include/uapi/linux/landlock.h', 'security/landlock/limits.h', 'security/landlock/task.c'];

beforeAll(async () => {
  const t0 = performance.now();
  // The whole tree (the kselftest cache keeps a tree without drivers/: a kernel build needs them), cached apart.
  const src = await resolveLinuxSource({ version: '7.3', skip: [], cacheDir: join(defaultCacheDir(), 'e2e'), log: (m) => console.log(`[e2e] ${m}`) });
  console.log(`[e2e] ${src.package} ${src.version}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // A copy of the cached tree that costs no space (hard links), with real copies of the files the patch changes.
  execFileSync('cp', ['-al', src.tree, tree]);
  for (const f of PATCHED) {
    copyFileSync(join(tree, f), `${join(tree, f)}.copy`);
    execFileSync('mv', [`${join(tree, f)}.copy`, join(tree, f)]);
  }
  execFileSync('patch', ['-p1', '-s', '-i', join(ROOT, 'test/fixtures/pathname-scope-7.3.patch')], { cwd: tree });
  // A CommonJS project of the patch author's, with scopecheck installed from the packed tarball.
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  mkdirSync(proj);
  execFileSync('npm', ['init', '-y'], { cwd: proj, stdio: 'ignore' });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(work, tgz)], { cwd: proj, stdio: 'pipe', timeout: 300_000 });
  writeFileSync(
    join(proj, 'mine.ts'),
    `import { kernelSemantics } from 'scopecheck';

// What the patch intends: ABI 11 plus the seed's scope bit, checked where the abstract one is.
export default kernelSemantics({
  name: 'pathname-scope-on-abi11',
  abi: 11,
  errata: 15,
  pathnameScopeBit: true,
  description: 'linux-source-7.3 with LANDLOCK_SCOPE_PATHNAME_UNIX_SOCKET (test/fixtures/pathname-scope-7.3.patch)',
});
`,
  );
  console.log(`[e2e] tree patched and project installed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}, 1_800_000);

const validate = (semantics: string) =>
  spawnSync('npx', ['--no-install', 'scopecheck', 'validate', '--semantics', semantics, '--source', tree, '--fuzz-seconds', '30', '--json'], { cwd: proj, encoding: 'utf8', timeout: 3_600_000 });

describe('validate, with a real patched kernel', () => {
  test('the intended semantics agrees with the patched kernel', () => {
    const t0 = performance.now();
    const r = validate('./mine.ts');
    const s = JSON.parse(r.stdout) as { recorded: { tests: number; random: number; disagreeing: number }; fuzz: { scenarios: number; disagreeing: number }; seconds: Record<string, number>; kernel: { abi: number } };
    console.log(`[e2e] validate ./mine.ts: ${JSON.stringify({ ...s.recorded, fuzz: s.fuzz, seconds: s.seconds })}; wall ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.status, r.stderr).toBe(0);
    expect(s.kernel.abi).toBe(11);
    expect(s.recorded.disagreeing).toBe(0);
    expect(s.fuzz.disagreeing).toBe(0);
  }, 3_600_000);
  test('plain abi11 does not: the kernel really has the scope bit (the build is cached now)', () => {
    const r = validate('abi11');
    expect(r.status).toBe(1);
    const s = JSON.parse(r.stdout) as { recorded: { disagreeing: number }; seconds: Record<string, number> };
    expect(s.recorded.disagreeing).toBeGreaterThan(0);
    expect(s.seconds.build).toBeLessThan(30);
  }, 3_600_000);
});

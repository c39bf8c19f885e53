/**
 * `scopecheck validate` on the live kernel (the patch you booted): a semantics that is the
 * kernel's agrees; one that is not (inbound scoping) disagrees, with each disagreement shrunk on
 * the kernel and exported as C and as a kselftest, and the report in JSON and HTML. The loop with
 * a patched kernel built from a tree is `npm run e2e` (e2e/validate.e2e.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main, type Io } from '../cli/main.js';
import { kernelInfoSync, landlockAvailable } from '../kernel/replayer.js';
import { semanticsForAbi } from '../model/semantics/index.js';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'scopecheck-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`), isTTY: false };
  return { code: await main(args, io), out, err };
}

const live = landlockAvailable();
if (!live) console.warn('SKIPPED: validate --live: Landlock is not available on this kernel');
const quick = ['--random', '200', '--fuzz-seconds', '1', '--runs', '300'];

describe.skipIf(!live)('validate --live', () => {
  test('the kernel\'s own semantics, as a module of the user\'s, agrees (exit 0)', async () => {
    const abi = kernelInfoSync().abi;
    const builtin = semanticsForAbi(abi)!.name;
    const mod = join(dir, 'same.mjs');
    writeFileSync(mod, `import { ${builtin} } from ${JSON.stringify(join(ROOT, 'index.ts'))};\nexport default { ...${builtin}, name: 'same-as-the-kernel' };\n`);
    const r = await cli(['validate', '--semantics', mod.replace(/\.mjs$/, '.mjs'), '--live', ...quick, '--out', join(dir, 'o1')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('kernel vs same-as-the-kernel: AGREE');
    expect(r.out).toMatch(/recorded 94 test scenarios and 200 random ones for the proposal's uAPI: 0 disagree/);
  }, 120_000);
  test('inbound scoping disagrees: shrunk, exported, reported (exit 1)', async () => {
    const out = join(dir, 'o2');
    const html = join(dir, 'v.html');
    const r = await cli(['validate', '--semantics', join(ROOT, 'examples/bidirectional.ts'), '--live', ...quick, '--max-shrink', '2', '--out', out, '--html', html, '--json']);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.out) as { recorded: { disagreeing: number }; disagreements: { steps: number[]; files: string[]; scenario: { steps: unknown[] }; shrunkFrom: number }[]; changes: { class: string }[]; properties: { property: string; base: string; proposal: string }[] };
    expect(s.recorded.disagreeing).toBeGreaterThan(0);
    const shrunk = s.disagreements.filter((d) => d.files.length);
    expect(shrunk.length).toBeGreaterThanOrEqual(2);
    for (const d of shrunk) {
      expect(d.scenario.steps.length).toBeLessThanOrEqual(d.shrunkFrom);
      for (const f of d.files) expect(existsSync(f)).toBe(true);
    }
    expect(s.changes.some((c) => c.class.includes('EPERM'))).toBe(true);
    expect(s.properties.find((p) => p.property === 'inbound-closed')!.proposal).toBe('holds');
    expect(readFileSync(html, 'utf8')).toContain('DISAGREE');
  }, 120_000);
});

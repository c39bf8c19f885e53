/**
 * A semantics module written by a user (examples/bidirectional.ts), loaded from TypeScript.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadSemantics } from '../cli/semantics.js';
import { abi11 } from '../model/semantics/index.js';
import { checkCell } from '../properties/check.js';
import { compareSemantics } from '../properties/compare.js';
import { expectedVerdict, PROPERTIES, propertyByName } from '../properties/invariants.js';
import { main, type Io } from '../cli/main.js';

const FILE = join(import.meta.dirname, '..', 'examples', 'bidirectional.ts');

describe('examples/bidirectional.ts', () => {
  test('loads, and gets its expected verdict on every property', async () => {
    const sem = await loadSemantics(FILE);
    expect(sem.name).toBe('bidirectional');
    for (const p of PROPERTIES) {
      const r = checkCell(p, sem, { seed: 4, runs: 1500 });
      expect(r.verdict, `${p.name}: ${r.violation?.message}`).toBe(expectedVerdict(p, sem, sem.errata));
    }
    expect(expectedVerdict(propertyByName('inbound-closed')!, sem, sem.errata)).toBe('holds');
  }, 60_000);
  test('compare abi11 bidirectional finds the inbound denials', async () => {
    const sem = await loadSemantics(FILE);
    const r = compareSemantics(abi11, sem, { seed: 1, runs: 8000 });
    expect(r.classes.some((c) => /^kill: ok \(allowed\) → EPERM \(signal\/task_kill\)$/.test(c.class))).toBe(true);
    expect(r.classes.some((c) => /abstract.*ok \(allowed\) → EPERM \(abstract_unix_socket/.test(c.class))).toBe(true);
  }, 60_000);
  test('a module that is not a semantics is refused with exit 2', async () => {
    const buf: string[] = [];
    const io: Io = { out: (s) => buf.push(s), err: (s) => buf.push(s), isTTY: false };
    expect(await main(['check', '--semantics', join(import.meta.dirname, 'scenarios.ts'), '--runs', '10'], io)).toBe(2);
    expect(buf.join('\n')).toMatch(/not a scopecheck semantics|exports no semantics/);
  });
});

describe('counterexamples of a user semantics', () => {
  test('record the semantics\' own errata and replay', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'scopecheck-user-'));
    try {
      const io: Io = { out: () => {}, err: () => {}, isTTY: false };
      expect(await main(['check', '--semantics', FILE, '--property', 'inside-reachable', '--runs', '2000', '--out', dir], io)).toBe(0);
      const f = join(dir, 'bidirectional', 'inside-reachable.json');
      expect(JSON.parse(readFileSync(f, 'utf8')).errata).toBe(15);
      // The counterexample names the module: it is loaded only when the command line names it too.
      const buf: string[] = [];
      const cap: Io = { out: (x) => buf.push(x), err: (x) => buf.push(x), isTTY: false };
      expect(await main(['replay', f], cap)).toBe(2);
      expect(buf.join('\n')).toContain(`add --semantics ${FILE}`);
      expect(await main(['replay', f, '--semantics', FILE], io)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

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
    const r = compareSemantics(abi11, sem, { seed: 1, runs: 5000 });
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

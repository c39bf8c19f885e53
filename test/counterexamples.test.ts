/**
 * Every saved counterexample (counterexamples/) is replayed as a regression test: it must still
 * produce the recorded results and still violate its property.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCounterexample } from '../format/counterexample.js';
import { KERNEL_RELEASES, namedSemantics } from '../model/semantics/index.js';
import { recheck } from '../properties/check.js';
import { propertyByName } from '../properties/invariants.js';

const ROOT = join(import.meta.dirname, '..', 'counterexamples');
const walk = (d: string): string[] =>
  existsSync(d) ? readdirSync(d).sort().flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : e.endsWith('.json') ? [join(d, e)] : [])) : [];

const files = walk(ROOT).filter((f) => !f.includes(`${join('counterexamples', 'kernel')}`));

describe('saved counterexamples replay', () => {
  test('there are saved counterexamples', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files)
    test(f.slice(ROOT.length + 1), () => {
      const cx = parseCounterexample(JSON.parse(readFileSync(f, 'utf8')), f);
      const sem = namedSemantics(cx.semantics);
      if (!sem) return; // a user semantics module: replayed by `scopecheck replay`
      const { outcomes, violation } = recheck(propertyByName(cx.property)!, { ...sem, errata: cx.errata }, cx.scenario, cx.extra, cx.errata);
      expect(outcomes.map((o) => o.result)).toEqual(cx.results);
      expect(violation?.step).toBe(cx.violation.step);
      // An expected violation, or — under a kernel release's semantics — a kernel bug: a property
      // that should hold and fails on that kernel (e.g. the process-group owner bypass of 6.18.15).
      if (KERNEL_RELEASES.some((r) => r.release === cx.semantics)) expect(['violated', 'holds']).toContain(cx.expected);
      else expect(cx.expected).toBe('violated');
    });
});

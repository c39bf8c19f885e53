/**
 * The kernel selftest matrices and edge cases (scenarios/) under every semantics they apply to:
 * every "expect" must hold in the model.
 */
import { describe, expect, test } from 'vitest';
import { results } from '../ops/engine.js';
import { builtinSemantics } from '../model/semantics/index.js';
import { loadCorpus } from './scenarios.js';

const corpus = loadCorpus();

describe('scenario corpus', () => {
  test('has the selftest matrices', () => {
    const groups = new Map<string, number>();
    for (const c of corpus) groups.set(c.group, (groups.get(c.group) ?? 0) + 1);
    expect(groups.get('selftests/scoped_domains/abstract')).toBe(8);
    expect(groups.get('selftests/scoped_domains/signal')).toBe(8);
    expect(groups.get('selftests/scoped_domains/resolve_unix')).toBe(16);
    expect(groups.get('selftests/scoped_domains/pathname_scope')).toBe(8);
    expect(groups.get('selftests/scoped_vs_unscoped')).toBe(7);
  });
  for (const c of corpus)
    for (const name of c.semantics)
      test(`${c.file} under ${name}`, () => {
        const sem = builtinSemantics(name)!;
        const got = results(c.scenario, sem);
        const want = c.scenario.steps.map((s, i) => s.expect ?? got[i]);
        expect(got).toEqual(want);
      });
});

/**
 * The kernel selftest matrices and edge cases (scenarios/) under every semantics they apply to:
 * every "expect" must hold in the model.
 */
import { describe, expect, test } from 'vitest';
import { evaluateAll } from '../ops/engine.js';
import { freedText, recordText } from '../model/audit.js';
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
    // audit_test.c audit.layers, audit_flags (5), audit_exec (5); scoped_audit (4)
    expect(groups.get('selftests/audit/layers')).toBe(1);
    expect((groups.get('selftests/audit/flags') ?? 0) + (groups.get('selftests/audit/exec') ?? 0) + (groups.get('selftests/audit/scoped_audit') ?? 0) + (groups.get('selftests/audit/quiet') ?? 0)).toBe(14);
  });
  for (const c of corpus)
    for (const name of c.semantics)
      test(`${c.file} under ${name}`, () => {
        const sem = builtinSemantics(name)!;
        const { outcomes, freed } = evaluateAll(c.scenario, sem);
        const got = outcomes.map((o) => o.result);
        const want = c.scenario.steps.map((s, i) => s.expect ?? got[i]);
        expect(got).toEqual(want);
        // The audit records the selftests expect ("expect_audit", any order), and the deallocations.
        const sorted = (a: readonly string[]) => [...a].sort();
        const gotAudit = outcomes.map((o, i) => (c.scenario.steps[i]!.expect_audit === undefined ? null : sorted((o.audit ?? []).map(recordText))));
        expect(gotAudit).toEqual(c.scenario.steps.map((s) => (s.expect_audit === undefined ? null : sorted(s.expect_audit))));
        if (c.scenario.expect_audit_freed) expect(sorted(freed.map(freedText))).toEqual(sorted(c.scenario.expect_audit_freed));
      });
});

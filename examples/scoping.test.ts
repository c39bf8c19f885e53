/**
 * A property of scoping stated in a few lines of your own vitest file, with @fast-check/vitest:
 * `scenarioArbitrary(sem)` draws valid scenarios with `sem`'s restrictions (and shrinks them),
 * `evaluate` runs them in the model. Run it with `npx vitest run examples/scoping.test.ts` (the
 * project's own tests run it too).
 */
import { test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { abi7, abi11, evaluate, HOOK_NAMES, scenarioArbitrary } from 'scopecheck';

// No signal rule changed from ABI 7 to ABI 11: where both accept the same rulesets, signals go the same way.
test.prop([scenarioArbitrary(abi7)], { seed: 1, numRuns: 500 })('ABI 7 and ABI 11 take the same signal decisions', (s) => {
  const a = evaluate(s, abi7);
  const b = evaluate(s, abi11);
  // A ruleset one of them refuses (ABI 11 knows resolve_unix) leaves the tasks in other domains: not comparable.
  if (s.steps.some((st, i) => st.op === 'restrict_self' && a[i]!.result !== b[i]!.result)) return;
  s.steps.forEach((st, i) => {
    if (st.op === 'kill' || st.op === 'tgkill') expect(b[i]!.result, `step ${i}`).toBe(a[i]!.result);
  });
});

test.prop([scenarioArbitrary(abi11)], { seed: 2, numRuns: 500 })('every denial names the hook that decided and a layer', (s) => {
  for (const o of evaluate(s, abi11))
    if (o.denial) {
      expect(HOOK_NAMES).toContain(o.denial.hook);
      expect(o.denial.layer).toBeGreaterThanOrEqual(0);
    }
});

/**
 * Differential fuzzing on the live kernel (skipped, with a message, where Landlock is missing).
 */
import { describe, expect, test } from 'vitest';
import type { Scenario } from '../format/scenario.js';
import { landlockAvailable } from '../kernel/replayer.js';
import { runOnKernel } from '../kernel/target.js';
import { abi7, abi11 } from '../model/semantics/index.js';
import { fuzz } from '../oracle/fuzz.js';
import { profilesOf } from '../properties/arbitrary.js';

const live = async (batch: Scenario[]) => {
  const r = await runOnKernel(batch, {});
  return { kernel: r.kernel, results: r.outcomes.map((o) => (o.error ? null : o.results)) };
};

const hasLandlock = landlockAvailable();
if (!hasLandlock) console.warn('SKIPPED: live-kernel fuzz tests: Landlock is not available on this kernel');

describe.skipIf(!hasLandlock)('fuzz --live', () => {
  test('the model of the running kernel\'s ABI agrees with it on 1,000 random scenarios', async () => {
    const r = await fuzz({ seed: 5, runs: 1000, batch: 500, maxShrink: 1, profiles: profilesOf(abi7) }, live);
    expect(r.incomplete).toBe(0);
    expect(r.disagreeing).toBe(0);
  }, 60_000);
  test('a wrong semantics is caught, and the disagreement shrinks to one step', async () => {
    const r = await fuzz({ seed: 5, runs: 300, batch: 300, maxShrink: 1, semantics: abi11, profiles: profilesOf(abi11) }, live);
    if (r.kernel.abi >= 9) return; // abi11 may well be right on a new kernel
    expect(r.disagreeing).toBeGreaterThan(0);
    expect(r.findings[0]!.scenario.steps.length).toBe(1);
    expect(r.findings[0]!.kernelResults[0]).toBe('EINVAL');
  }, 60_000);
});

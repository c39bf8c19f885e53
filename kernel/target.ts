/**
 * Which kernel runs a batch: the live one (the replayer), or one booted under qemu (kernel/vm.ts,
 * loaded only when a VM is asked for).
 */
import type { Scenario } from '../format/scenario.js';
import type { KernelInfo } from '../format/trace.js';
import { replayScenarios, type ReplayOutcome } from './replayer.js';

export interface KernelTarget {
  /** A Debian kernel version to boot under qemu (e.g. "7.3"). */
  kernel?: string;
  /** A bzImage to boot under qemu. */
  kernelImage?: string;
  timeoutMs?: number;
}

export interface BatchResult {
  kernel: KernelInfo;
  outcomes: ReplayOutcome[];
  bootSeconds?: number;
}

/** Runs one batch on the target kernel: live, or in one qemu boot. */
export async function runOnKernel(scenarios: Scenario[], t: KernelTarget): Promise<BatchResult> {
  if (t.kernel || t.kernelImage) {
    const vm = await import('./vm.js');
    const r = await vm.replayInVm(scenarios, { kernel: t.kernel, kernelImage: t.kernelImage, timeoutMs: t.timeoutMs });
    if (t.kernel) vm.checkExpectedAbi(r.kernel, t.kernel);
    return r;
  }
  return replayScenarios(scenarios, t.timeoutMs ? { timeoutMs: t.timeoutMs } : {});
}

/** The scenarios of a batch that did not complete, one line each. */
export function failedOutcomes(outcomes: readonly ReplayOutcome[]): string[] {
  return outcomes.flatMap((o, i) => (o.error ? [`scenario ${i}: ${o.error}`] : []));
}

/**
 * Which kernel runs a batch: the live one (the replayer), or one booted under qemu (kernel/vm.ts,
 * loaded only when a VM is asked for).
 */
import type { Scenario } from '../format/scenario.js';
import type { KernelInfo, TraceRow } from '../format/trace.js';
import { stepsTasks } from '../ops/index.js';
import { RECORD_PATH } from '../model/audit.js';
import { statSync } from 'node:fs';
import { InputError } from '../common/errors.js';
import { replayScenarios, type AuditOutcome, type AuditRaw, type ReplayOutcome } from './replayer.js';

export interface KernelTarget {
  /** A Debian kernel version to boot under qemu (e.g. "7.3"). */
  kernel?: string;
  /** A bzImage to boot under qemu. */
  kernelImage?: string;
  timeoutMs?: number;
  /** Scenarios answered so far (the live replayer reports as it goes; a VM answers at the end). */
  onProgress?: (done: number) => void;
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
  return replayScenarios(scenarios, { ...(t.timeoutMs ? { timeoutMs: t.timeoutMs } : {}), ...(t.onProgress ? { onProgress: t.onProgress } : {}) });
}

/** A Debian kernel version as `--kernel` takes it ("7.3"); anything else is refused before apt is asked. */
export function checkKernelVersion(v: string): void {
  if (!/^[0-9]{1,2}\.[0-9]{1,3}$/.test(v)) throw new InputError(`--kernel: "${v.slice(0, 40)}" is not a kernel version such as 7.3 (major.minor)`);
}

/** A kernel image given with --kernel-image: a regular file, checked before anything runs. */
export function checkKernelImage(p: string): void {
  let ok = false;
  try {
    ok = statSync(p).isFile();
  } catch {
    throw new InputError(`--kernel-image: ${p}: no such file`);
  }
  if (!ok) throw new InputError(`--kernel-image: ${p}: not a regular file`);
}

/** The scenarios of a batch that did not complete, one line each. */
export function failedOutcomes(outcomes: readonly ReplayOutcome[]): string[] {
  return outcomes.flatMap((o, i) => (o.error ? [`scenario ${i}: ${o.error}`] : []));
}

/**
 * A trace row from one outcome: its results and, where the replayer collected them, its audit
 * records in the text model/audit.ts writes (task indices become the scenario's task names).
 */
export function traceRowOf(s: Scenario, o: { results: string[]; audit?: AuditOutcome | undefined }): TraceRow {
  if (!o.audit) return { results: o.results };
  const tasks = stepsTasks(s.steps);
  const text = (r: AuditRaw): string => {
    if (r.type === 'allocated') return `AUDIT_LANDLOCK_DOMAIN domain=${r.domain} status=allocated`;
    const obj = r.object;
    // (a path the scenario could not have named — not printable as a record — is unmapped)
    const tail =
      obj === null ? '' : obj === 'unmapped' ? ' ?' : 'opid' in obj ? (tasks[obj.opid] ? ` opid=${tasks[obj.opid]}` : ' ?') : RECORD_PATH.test(obj.path) ? ` path=${obj.path}` : ' ?';
    return `AUDIT_LANDLOCK_ACCESS domain=${r.domain} blockers=${r.blockers.join(',')}${tail}`;
  };
  const audit = s.steps.map((_, i) => (o.audit!.steps[i] ?? []).map(text));
  return {
    results: o.results,
    audit,
    audit_freed: o.audit.freed.map((f) => `AUDIT_LANDLOCK_DOMAIN domain=${f.domain} status=deallocated denials=${f.denials}`),
    ...(o.audit.teardown?.length ? { audit_teardown: o.audit.teardown.map(text) } : {}),
  };
}

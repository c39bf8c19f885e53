/**
 * Differential fuzzing of the model against a kernel: random scenarios from one seed, built with
 * explicit restrict profiles (GenProfiles, recorded with the run), run in batches by the caller's
 * batch runner (the live replayer, or one qemu boot a batch) and in the model; each distinct
 * disagreement is shrunk by the one shrinking engine (properties/shrink.ts), its candidates run as
 * batches too, with the same profiles the scan used. Pure: the runner does the I/O.
 */
import { InputError } from '../common/errors.js';
import type { Scenario } from '../format/scenario.js';
import { auditOf, type KernelInfo, type TraceRow } from '../format/trace.js';
import type { Semantics } from '../model/hooks.js';
import { evaluate } from '../ops/engine.js';
import { buildScenario, genInputArb, sampleInputs, type GenInput, type GenProfiles } from '../properties/arbitrary.js';
import { inputShrinker, runAsync, type Shrinker } from '../properties/shrink.js';
import { diffRow, semanticsForKernel, type AuditStepDiff } from './diff.js';

/** Runs a batch on a kernel: one result list per scenario, null for one that did not complete. */
/** Runs a batch on a kernel: each scenario's results (null: it did not complete) and, where the runner collected them, its audit records. */
export type BatchRunner = (scenarios: Scenario[]) => Promise<{ kernel: KernelInfo; results: (string[] | null)[]; rows?: (TraceRow | null)[] }>;

/** Does a kernel's row disagree with the model: a result, or (where collected) an audit record? */
export function rowDisagrees(s: Scenario, row: TraceRow, sem: Semantics): boolean {
  const d = diffRow(s, row, sem);
  return d.steps.length > 0 || d.auditSteps.length > 0 || d.freed !== null;
}

export interface FuzzOptions {
  seed: number;
  runs: number;
  batch: number;
  maxShrink: number;
  /** The generator's restrict profiles (recorded with the run). */
  profiles: GenProfiles;
  /** The semantics to judge by (default: the kernel's ABI and errata, see semanticsForKernel). */
  semantics?: Semantics;
  errata?: number;
  log?: (s: string) => void;
  /** Scenarios run so far (of `runs`), and then each disagreement being shrunk. */
  progress?: (done: number, phase: string) => void;
}

export interface FuzzFinding {
  /** The scenario the scan found, before shrinking. */
  original: Scenario;
  scenario: Scenario;
  kernelResults: string[];
  modelResults: string[];
  steps: number[];
  kernel: KernelInfo;
  semantics: string;
  shrinkRounds: number;
  /** The kernel's audit records of the shrunk scenario, where the runner collected them. */
  audit?: string[][];
  audit_freed?: string[];
  audit_teardown?: string[];
}

export interface FuzzReport {
  kernel: KernelInfo;
  semantics: string;
  profiles: string;
  scenarios: number;
  incomplete: number;
  disagreeing: number;
  findings: FuzzFinding[];
}

/** Do two lists of results differ? */
export const differs = (a: readonly string[], b: readonly string[]): boolean => a.length !== b.length || a.some((x, i) => x !== b[i]);

/**
 * Runs a shrinker with the kernel as its oracle: a candidate still fails when the kernel's results
 * differ from the model's. Each round is one batch (one replayer run, or one boot). The kernel's
 * results of every candidate that disagreed are kept, so those of the final scenario come without
 * running it again.
 */
export async function shrinkOnKernel<T>(
  shrinker: Shrinker<T>,
  finalOf: (t: T) => Scenario,
  start: { scenario: Scenario; kernelResults: string[]; row?: TraceRow },
  run: BatchRunner,
  disagrees: (s: Scenario, row: TraceRow) => boolean,
): Promise<{ result: T; kernelResults: string[]; row: TraceRow }> {
  const kept = new Map<string, TraceRow>([[JSON.stringify(start.scenario.steps), start.row ?? { results: start.kernelResults }]]);
  const result = await runAsync(shrinker, async (batch) => {
    const r = await run(batch);
    const rowOf = (i: number): TraceRow | null => r.rows?.[i] ?? (r.results[i] ? { results: r.results[i]! } : null);
    const hit = batch.findIndex((s, i) => {
      const row = rowOf(i);
      return row !== null && disagrees(s, row);
    });
    if (hit >= 0) kept.set(JSON.stringify(batch[hit]!.steps), rowOf(hit)!);
    return hit;
  });
  const row = kept.get(JSON.stringify(finalOf(result).steps));
  if (!row) throw new Error('the shrunk scenario was never run on the kernel'); // internal: every shrinker result is a candidate that disagreed
  return { result, kernelResults: row.results, row };
}

/** A key grouping record disagreements: the first step whose records differ, its op and the kernel's blockers there. */
function auditSignature(s: Scenario, auditSteps: readonly AuditStepDiff[]): string {
  const a = auditSteps[0];
  if (!a) return 'freed';
  return `${s.steps[a.step]?.op}:${a.kernel.map((r) => r.replace(/ domain=\S+/, '').replace(/ (opid|path)=\S+/, '')).sort().join('+')}/${a.model.length}`;
}

/** A key grouping disagreements: the first differing step's op and the two results. */
function signature(s: Scenario, k: readonly string[], m: readonly string[]): string {
  const i = k.findIndex((x, j) => x !== m[j]);
  return `${s.steps[i]?.op}:${k[i]}/${m[i]}`;
}

export async function fuzz(o: FuzzOptions, run: BatchRunner): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const inputs = sampleInputs(o.runs, o.seed);
  const build = (g: GenInput) => buildScenario(g.actions, o.profiles);
  let kernel: KernelInfo | undefined;
  let sem: Semantics | undefined;
  const found: { g: GenInput; scenario: Scenario; kernelResults: string[]; row: TraceRow }[] = [];
  const seen = new Set<string>();
  let incomplete = 0;
  let disagreeing = 0;
  for (let start = 0; start < inputs.length; start += o.batch) {
    const chunk = inputs.slice(start, start + o.batch);
    const scenarios = chunk.map(build);
    const r = await run(scenarios);
    kernel ??= r.kernel;
    sem ??= semanticsForKernel(r.kernel, o.semantics, o.errata);
    r.results.forEach((kr, i) => {
      if (!kr) return void incomplete++;
      const row = r.rows?.[i] ?? { results: kr };
      const d = diffRow(scenarios[i]!, row, sem!);
      if (!d.steps.length && !d.auditSteps.length && !d.freed) return;
      disagreeing++;
      const sig = d.steps.length ? signature(scenarios[i]!, kr, d.model) : `audit:${auditSignature(scenarios[i]!, d.auditSteps)}`;
      if (seen.has(sig)) return;
      seen.add(sig);
      found.push({ g: chunk[i]!, scenario: scenarios[i]!, kernelResults: kr, row });
    });
    log(`${Math.min(start + o.batch, inputs.length)}/${inputs.length} scenarios, ${disagreeing} disagree`);
    o.progress?.(Math.min(start + o.batch, inputs.length), `${disagreeing} disagree`);
  }
  if (!kernel || !sem) throw new InputError('no scenario ran');
  const judge = sem;
  const model = (s: Scenario) => evaluate(s, judge).map((x) => x.result);
  const findings: FuzzFinding[] = [];
  const shrunkSeen = new Set<string>();
  for (const [n, f] of found.slice(0, o.maxShrink).entries()) {
    o.progress?.(inputs.length, `shrinking disagreement ${n + 1} of ${Math.min(found.length, o.maxShrink)}`);
    const { result: shrunk, kernelResults: fr, row } = await shrinkOnKernel(inputShrinker(genInputArb(), f.g, build), (r) => r.scenario, f, run, (s, rw) => rowDisagrees(s, rw, judge));
    const final = shrunk.scenario;
    const mr = model(final);
    log(`shrunk a disagreement from ${f.scenario.steps.length} to ${final.steps.length} steps in ${shrunk.rounds} rounds`);
    const key = JSON.stringify(final.steps);
    if (!shrunkSeen.has(key))
      findings.push({
        original: f.scenario,
        scenario: final,
        kernelResults: fr,
        modelResults: mr,
        steps: mr.flatMap((x, i) => (x !== fr[i] ? [i] : [])),
        ...auditOf(row),
        kernel,
        semantics: judge.name,
        shrinkRounds: shrunk.rounds,
      });
    shrunkSeen.add(key);
  }
  return { kernel, semantics: judge.name, profiles: o.profiles.name, scenarios: inputs.length, incomplete, disagreeing, findings };
}

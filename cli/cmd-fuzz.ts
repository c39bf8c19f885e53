/**
 * scopecheck fuzz: differential fuzzing of the model against a real kernel (the live one, or a
 * kernel booted under qemu). Random scenarios from one seed run in batches on the kernel and in
 * the model; each disagreement is shrunk with fast-check's shrinker, its candidates run in batches
 * (one replayer run or one boot per round), then saved as a trace-bearing regression file.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderOutcomes } from '../format/render.js';
import { structuralErrors, type Scenario } from '../format/scenario.js';
import { TRACE_FORMAT, type KernelInfo, type Trace } from '../format/trace.js';
import { RECORDER } from '../kernel/replayer.js';
import { evaluate } from '../model/engine.js';
import { abi7 } from '../model/semantics/index.js';
import type { Semantics } from '../model/semantics/types.js';
import { buildScenario, genInputArb, sampleInputs, type GenInput } from '../properties/arbitrary.js';
import { canonicalNames, DEFAULT_SEED } from '../properties/check.js';
import { intOption } from './cmd-check.js';
import { semanticsForTrace } from './cmd-diff.js';
import { runOnKernel, type KernelTarget } from './cmd-record.js';
import { InputError, writeFileAtomic } from './io.js';
import { errataOption, semanticsOption, type Io } from './main.js';
import { loadSemantics } from './semantics.js';

export interface FuzzOptions extends KernelTarget {
  seed: number;
  runs: number;
  batch: number;
  maxShrink: number;
  semantics?: Semantics;
  errata?: number;
  log?: (s: string) => void;
}

export interface FuzzFinding {
  original: Scenario;
  scenario: Scenario;
  kernelResults: string[];
  modelResults: string[];
  steps: number[];
  kernel: KernelInfo;
  semantics: string;
  shrinkRounds: number;
}

export interface FuzzReport {
  kernel: KernelInfo;
  semantics: string;
  scenarios: number;
  incomplete: number;
  disagreeing: number;
  findings: FuzzFinding[];
  seconds: number;
}

const differs = (a: readonly string[], b: readonly string[]) => a.some((x, i) => x !== b[i]);

/** Runs scenarios on the kernel; null results for scenarios that did not complete. */
async function onKernel(scenarios: Scenario[], t: KernelTarget): Promise<{ kernel: KernelInfo; results: (string[] | null)[] }> {
  const r = await runOnKernel(scenarios, t);
  return { kernel: r.kernel, results: r.outcomes.map((o) => (o.error ? null : o.results)) };
}

/** A key grouping disagreements: the first differing step's op and the two results. */
function signature(s: Scenario, k: readonly string[], m: readonly string[]): string {
  const i = k.findIndex((x, j) => x !== m[j]);
  return `${s.steps[i]?.op}:${k[i]}/${m[i]}`;
}

export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const inputs = sampleInputs(o.runs, o.seed);
  let kernel: KernelInfo | undefined;
  let sem: Semantics | undefined;
  const judge = (k: KernelInfo) => semanticsForTrace({ kernel: k } as Trace, o.semantics, o.errata);
  const found: { g: GenInput; kernelResults: string[] }[] = [];
  const seen = new Set<string>();
  let incomplete = 0;
  let disagreeing = 0;
  for (let start = 0; start < inputs.length; start += o.batch) {
    const chunk = inputs.slice(start, start + o.batch);
    // The generator's "every restriction" profile: the given semantics', else abi7's (valid on every ABI >= 6).
    const scenarios = chunk.map((g) => buildScenario(g.actions, o.semantics ?? abi7));
    const r = await onKernel(scenarios, o);
    kernel ??= r.kernel;
    sem ??= judge(r.kernel);
    r.results.forEach((kr, i) => {
      if (!kr) return void incomplete++;
      const mr = evaluate(scenarios[i]!, sem!).map((x) => x.result);
      if (!differs(kr, mr)) return;
      disagreeing++;
      const sig = signature(scenarios[i]!, kr, mr);
      if (seen.has(sig)) return;
      seen.add(sig);
      found.push({ g: chunk[i]!, kernelResults: kr });
    });
    log(`${Math.min(start + o.batch, inputs.length)}/${inputs.length} scenarios, ${disagreeing} disagree`);
  }
  if (!kernel || !sem) throw new InputError('no scenario ran');
  const findings: FuzzFinding[] = [];
  const shrunkSeen = new Set<string>();
  for (const f of found.slice(0, o.maxShrink)) {
    const x = await shrinkFinding(f.g, sem, kernel, o, log);
    const key = JSON.stringify(x.scenario.steps);
    if (!shrunkSeen.has(key)) findings.push(x);
    shrunkSeen.add(key);
  }
  return { kernel, semantics: sem.name, scenarios: inputs.length, incomplete, disagreeing, findings, seconds: (performance.now() - t0) / 1000 };
}

const CANDIDATES_PER_ROUND = 96;

/** Shrinks one disagreement: fast-check's shrinker on the generator input, then step deletion; candidates run in batches. */
async function shrinkFinding(g0: GenInput, sem: Semantics, kernel: KernelInfo, t: KernelTarget, log: (s: string) => void): Promise<FuzzFinding> {
  const arb = genInputArb();
  const original = buildScenario(g0.actions, sem);
  const stillDiffers = async (cands: Scenario[]): Promise<number> => {
    if (!cands.length) return -1;
    const r = await onKernel(cands, t);
    return r.results.findIndex((kr, i) => kr !== null && differs(kr, evaluate(cands[i]!, sem).map((x) => x.result)));
  };
  let cur = g0;
  let rounds = 0;
  for (;;) {
    if (!arb.canShrinkWithoutContext(cur)) break;
    const cands: GenInput[] = [];
    for (const v of arb.shrink(cur, undefined)) {
      cands.push(v.value);
      if (cands.length >= CANDIDATES_PER_ROUND) break;
    }
    rounds++;
    const hit = await stillDiffers(cands.map((c) => buildScenario(c.actions, sem)));
    if (hit < 0) break;
    cur = cands[hit]!;
  }
  let s = buildScenario(cur.actions, sem);
  for (;;) {
    const cands = s.steps.map((_, i) => ({ ...s, steps: s.steps.filter((__, j) => j !== i) })).filter((c) => structuralErrors(c).length === 0);
    rounds++;
    const hit = await stillDiffers(cands);
    if (hit < 0) break;
    s = cands[hit]!;
  }
  // The renamed scenario and the shrunk one in one run (one boot for a VM): keep the renamed one if it still disagrees.
  const named = canonicalNames(s);
  const [rn, rs] = (await onKernel([named, s], t)).results;
  const keepNamed = rn !== null && rn !== undefined && differs(rn, evaluate(named, sem).map((x) => x.result));
  const final = keepNamed ? named : s;
  const fr = (keepNamed ? rn : rs)!;
  const mr = evaluate(final, sem).map((x) => x.result);
  log(`shrunk a disagreement from ${original.steps.length} to ${final.steps.length} steps in ${rounds} rounds`);
  return {
    original,
    scenario: final,
    kernelResults: fr,
    modelResults: mr,
    steps: mr.flatMap((x, i) => (x !== fr[i] ? [i] : [])),
    kernel,
    semantics: sem.name,
    shrinkRounds: rounds,
  };
}

export function registerFuzz(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('fuzz')
    .description('differential fuzzing: random scenarios on a real kernel and in the model; shrink and save every disagreement')
    .option('--live', 'fuzz the running kernel')
    .option('--kernel <version>', 'fuzz a Debian kernel booted under qemu (one boot per batch)')
    .option('--kernel-image <bzImage>', 'fuzz a kernel image you built, under qemu')
    .addOption(intOption('--seed <n>', `seed (default ${DEFAULT_SEED})`))
    .addOption(intOption('-n, --runs <n>', 'scenarios (default 10000)', 1))
    .addOption(intOption('--batch <n>', 'scenarios per replayer run or boot (default 2000)', 1))
    .addOption(intOption('--max-shrink <n>', 'distinct disagreements to shrink and save (default 5)'))
    .addOption(semanticsOption(false))
    .addOption(errataOption())
    .option('--out <dir>', 'where disagreements are saved', join('counterexamples', 'kernel'))
    .action(async (o: { live?: boolean; kernel?: string; kernelImage?: string; seed?: number; runs?: number; batch?: number; maxShrink?: number; semantics?: string; errata?: number; out: string }) => {
      const targets = [o.live, o.kernel, o.kernelImage].filter(Boolean).length;
      if (targets !== 1) throw new InputError('say which kernel: --live, --kernel <version> or --kernel-image <bzImage>');
      const seed = o.seed ?? DEFAULT_SEED;
      const runs = o.runs ?? 10000;
      const target = o.live ? '--live' : o.kernel ? `--kernel ${o.kernel}` : `--kernel-image ${o.kernelImage}`;
      const replayCmd = `scopecheck fuzz ${target} --seed ${seed} --runs ${runs}${o.semantics ? ` --semantics ${o.semantics}` : ''}${o.errata !== undefined ? ` --errata ${o.errata}` : ''}`;
      io.out(`scopecheck fuzz: seed ${seed}, ${runs} scenarios; replay: ${replayCmd}`);
      const rep = await fuzz({
        seed,
        runs,
        batch: o.batch ?? 2000,
        maxShrink: o.maxShrink ?? 5,
        semantics: o.semantics ? await loadSemantics(o.semantics) : undefined,
        errata: o.errata,
        kernel: o.kernel,
        kernelImage: o.kernelImage,
        log: (s) => io.isTTY && io.err(`\r${s}`.padEnd(60)),
      });
      if (io.isTTY) io.err('');
      io.out(
        `kernel ${rep.kernel.release} (ABI ${rep.kernel.abi}, errata ${rep.kernel.errata}) vs model ${rep.semantics}: ${rep.scenarios} scenarios, ${rep.disagreeing} disagree, ${rep.incomplete} incomplete (timed out or crashed); ${rep.seconds.toFixed(1)} s, ${Math.round(rep.scenarios / rep.seconds)} scenarios/s`,
      );
      const given = o.semantics ? await loadSemantics(o.semantics, o.errata) : undefined;
      rep.findings.forEach((f, i) => {
        const name = `fuzz-${seed}-${i}`;
        const file = join(o.out, rep.kernel.release, `${name}.jsonl`);
        const trace: Trace = { format: TRACE_FORMAT, kernel: f.kernel, recorder: RECORDER, scenario: { ...f.scenario, name, description: `Found by ${replayCmd}; shrunk from ${f.original.steps.length} steps.` }, results: f.kernelResults };
        writeFileAtomic(file, `${JSON.stringify(trace)}\n`);
        io.out(`\n── disagreement ${i}: steps ${f.steps.map((x) => `#${x}`).join(', ')} (shrunk from ${f.original.steps.length} to ${f.scenario.steps.length} steps)`);
        io.out(renderOutcomes(f.scenario, evaluate(f.scenario, semanticsForTrace(trace, given, o.errata)), { other: { label: 'kernel', results: f.kernelResults } }));
        io.out(`   saved: ${file}    check it: scopecheck diff ${file}${o.semantics ? ` --semantics ${o.semantics}` : ''}`);
      });
      if (rep.disagreeing || rep.incomplete) setExit(1);
    });
}

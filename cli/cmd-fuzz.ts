/**
 * scopecheck fuzz: differential fuzzing of the model against a real kernel (the live one, or a
 * kernel booted under qemu): the engine is oracle/fuzz.ts; this file parses the options, hands it
 * a batch runner (kernel/target.ts) and saves every shrunk disagreement as a trace file.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderOutcomes } from '../format/render.js';
import type { Scenario } from '../format/scenario.js';
import { TRACE_FORMAT, auditOf, type Trace } from '../format/trace.js';
import { RECORDER } from '../kernel/replayer.js';
import { checkKernelImage, checkKernelVersion, runOnKernel, traceRowOf, type KernelTarget } from '../kernel/target.js';
import { abi7 } from '../model/semantics/index.js';
import { auditDiffLines, diffTrace, semanticsForKernel } from '../oracle/diff.js';
import { fuzz } from '../oracle/fuzz.js';
import { profilesOf } from '../properties/arbitrary.js';
import { DEFAULT_SEED } from '../properties/check.js';
import { intOption } from './options.js';
import { progressFor } from './progress.js';
import { MAX_GENERATED } from '../ops/limits.js';
import { InputError, writeFileAtomic } from './io.js';
import { errataOption, semanticsOption, type Io } from './options.js';
import { loadSemantics } from './semantics.js';

export function registerFuzz(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('fuzz')
    .description('differential fuzzing: random scenarios on a real kernel and in the model; shrink and save every disagreement')
    .option('--live', 'fuzz the running kernel')
    .option('--kernel <version>', 'fuzz a Debian kernel booted under qemu (one boot per batch)')
    .option('--kernel-image <bzImage>', 'fuzz a kernel image you built, under qemu')
    .addOption(intOption('--seed <n>', `seed (default ${DEFAULT_SEED})`))
    .addOption(intOption('-n, --runs <n>', 'scenarios (default 10000)', 1, MAX_GENERATED))
    .addOption(intOption('--batch <n>', 'scenarios per replayer run or boot (default 2000)', 1))
    .addOption(intOption('--max-shrink <n>', 'distinct disagreements to shrink and save (default 5)'))
    .addOption(semanticsOption(false))
    .addOption(errataOption())
    .option('--out <dir>', 'where disagreements are saved', join('counterexamples', 'kernel'))
    .action(async (o: { live?: boolean; kernel?: string; kernelImage?: string; seed?: number; runs?: number; batch?: number; maxShrink?: number; semantics?: string; errata?: number; out: string }) => {
      const targets = [o.live, o.kernel, o.kernelImage].filter(Boolean).length;
      if (targets !== 1) throw new InputError('say which kernel: --live, --kernel <version> or --kernel-image <bzImage>');
      if (o.kernel !== undefined) checkKernelVersion(o.kernel);
      if (o.kernelImage !== undefined) checkKernelImage(o.kernelImage);
      const seed = o.seed ?? DEFAULT_SEED;
      const runs = o.runs ?? 10000;
      const target = o.live ? '--live' : o.kernel ? `--kernel ${o.kernel}` : `--kernel-image ${o.kernelImage}`;
      const replayCmd = `scopecheck fuzz ${target} --seed ${seed} --runs ${runs}${o.semantics ? ` --semantics ${o.semantics}` : ''}${o.errata !== undefined ? ` --errata ${o.errata}` : ''}`;
      io.out(`scopecheck fuzz: seed ${seed}, ${runs} scenarios; replay: ${replayCmd}`);
      const semantics = o.semantics ? await loadSemantics(o.semantics) : undefined;
      // The generator's "every restriction" profile: the given semantics', else abi7's (valid on every ABI >= 6).
      const profiles = profilesOf(semantics ?? abi7);
      io.out(`generator profiles: ${profiles.name} (every restriction = ${JSON.stringify(profiles.full)})`);
      const t0 = performance.now();
      const kernelTarget: KernelTarget = { kernel: o.kernel, kernelImage: o.kernelImage };
      const runner = async (batch: Scenario[]) => {
        const r = await runOnKernel(batch, kernelTarget);
        return {
          kernel: r.kernel,
          results: r.outcomes.map((x) => (x.error ? null : x.results)),
          rows: r.outcomes.map((x, i) => (x.error ? null : traceRowOf(batch[i]!, x))),
        };
      };
      const bar = progressFor(io);
      bar.start(runs, 'scenarios');
      let rep;
      try {
        rep = await fuzz(
          { seed, runs, batch: o.batch ?? 2000, maxShrink: o.maxShrink ?? 5, profiles, semantics, errata: o.errata, progress: (d, phase) => (bar.update(d), bar.worker(0, phase)) },
          runner,
        );
      } finally {
        bar.stop();
      }
      const seconds = (performance.now() - t0) / 1000;
      io.out(
        `kernel ${rep.kernel.release} (ABI ${rep.kernel.abi}, errata ${rep.kernel.errata}) vs model ${rep.semantics}: ${rep.scenarios} scenarios, ${rep.disagreeing} disagree, ${rep.incomplete} incomplete (timed out or crashed); ${seconds.toFixed(1)} s, ${Math.round(rep.scenarios / seconds)} scenarios/s`,
      );
      const given = o.semantics ? await loadSemantics(o.semantics, o.errata) : undefined;
      rep.findings.forEach((f, i) => {
        const name = `fuzz-${seed}-${i}`;
        const file = join(o.out, rep.kernel.release, `${name}.jsonl`);
        const trace: Trace = { format: TRACE_FORMAT, kernel: f.kernel, recorder: RECORDER, scenario: { ...f.scenario, name, description: `Found by ${replayCmd}; shrunk from ${f.original.steps.length} steps.` }, results: f.kernelResults, ...auditOf(f) };
        writeFileAtomic(file, `${JSON.stringify(trace)}\n`);
        const sem = semanticsForKernel(trace.kernel, given, o.errata);
        const d = diffTrace(trace, sem);
        const what = [...(f.steps.length ? [`steps ${f.steps.map((x) => `#${x}`).join(', ')}`] : []), ...(d.auditSteps.length || d.freed ? ['audit records'] : [])].join(' and ');
        io.out(`\n── disagreement ${i}: ${what} (shrunk from ${f.original.steps.length} to ${f.scenario.steps.length} steps)`);
        io.out(renderOutcomes(f.scenario, d.outcomes, { other: { label: 'kernel', results: f.kernelResults } }));
        for (const l of auditDiffLines(d)) io.out(l);
        io.out(`   saved: ${file}    check it: scopecheck diff ${file}${o.semantics ? ` --semantics ${o.semantics}` : ''}`);
      });
      if (rep.disagreeing || rep.incomplete) setExit(1);
    });
}

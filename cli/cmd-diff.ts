/**
 * scopecheck diff <trace...>: replays every trace's scenario in the model, under the semantics
 * matching the kernel's ABI and errata unless one is given, and shows every disagreeing step.
 */
import type { Command } from 'commander';
import { renderOutcomes } from '../format/render.js';
import type { Trace } from '../format/trace.js';
import { evaluate } from '../model/engine.js';
import { quirksOfRelease, semanticsForAbi, withErrata, withQuirks } from '../model/semantics/index.js';
import type { Semantics } from '../model/semantics/types.js';
import type { StepOutcome } from '../model/state.js';
import { intOption } from './cmd-check.js';
import { InputError } from './io.js';
import { errataOption, semanticsOption, type Io } from './main.js';
import { loadSemantics } from './semantics.js';
import { readTraceSources, type TraceSource } from './store.js';

export interface Disagreement {
  file: string;
  index: number;
  trace: Trace;
  semantics: string;
  model: string[];
  steps: number[];
  outcomes: StepOutcome[];
}

export interface SourceSummary {
  file: string;
  kernel: string;
  abi: number;
  errata: number;
  semantics: string;
  traces: number;
  disagreements: number;
}

/** Every trace of every source judged against the model: per-source counts and each disagreement. */
export function diffSources(sources: readonly TraceSource[], given: Semantics | undefined, errata: number | undefined): { all: Disagreement[]; summary: SourceSummary[] } {
  const all: Disagreement[] = [];
  const summary: SourceSummary[] = [];
  for (const src of sources) {
    let n = 0;
    const semNames = new Set<string>();
    src.traces.forEach((t, index) => {
      const sem = semanticsForTrace(t, given, errata);
      semNames.add(sem.name);
      const d = diffTrace(t, sem);
      if (d.steps.length) {
        n++;
        all.push({ file: src.file, index, trace: t, semantics: sem.name, model: d.model, steps: d.steps, outcomes: d.outcomes });
      }
    });
    const k = src.traces[0]?.kernel;
    summary.push({ file: src.file, kernel: k?.release ?? '?', abi: k?.abi ?? 0, errata: k?.errata ?? 0, semantics: [...semNames].join(','), traces: src.traces.length, disagreements: n });
  }
  return { all, summary };
}

/** The semantics a trace is judged under: the given one, or the released one for its ABI with its errata. */
export function semanticsForTrace(t: Trace, given: Semantics | undefined, errata: number | undefined): Semantics {
  if (given) return errata === undefined ? given : withErrata(given, errata);
  const s = semanticsForAbi(t.kernel.abi);
  if (!s) throw new InputError(`kernel ${t.kernel.release} reports Landlock ABI ${t.kernel.abi}: no built-in semantics; pass --semantics`);
  const e = errata ?? t.kernel.errata;
  return withQuirks(e === s.errata ? s : withErrata(s, e), quirksOfRelease(t.kernel.release));
}

export function diffTrace(t: Trace, sem: Semantics): { model: string[]; steps: number[]; outcomes: ReturnType<typeof evaluate> } {
  const outcomes = evaluate(t.scenario, sem);
  const model = outcomes.map((o) => o.result);
  const steps = model.flatMap((r, i) => (r !== t.results[i] ? [i] : []));
  return { model, steps, outcomes };
}

export function registerDiff(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('diff')
    .description('compare recorded kernel traces with the model; exit 1 on any disagreement')
    .argument('<trace...>', 'trace files (.jsonl), trace sets (.results.jsonl.gz) or directories of them')
    .addOption(semanticsOption(false))
    .addOption(errataOption())
    .addOption(intOption('--show <n>', 'disagreeing traces to print in full (default 10)'))
    .option('--json', 'one JSON object: per source counts and every disagreement')
    .action(async (args: string[], o: { semantics?: string; errata?: number; show?: number; json?: boolean }) => {
      const given = o.semantics ? await loadSemantics(o.semantics) : undefined;
      const sources = readTraceSources(args);
      if (!sources.length) throw new InputError(`no trace files in ${args.join(' ')}`);
      const { all, summary } = diffSources(sources, given, o.errata);
      if (o.json) {
        io.out(
          JSON.stringify({
            sources: summary,
            disagreements: all.map((d) => ({ file: d.file, index: d.index, kernel: d.trace.kernel, semantics: d.semantics, scenario: d.trace.scenario, kernelResults: d.trace.results, modelResults: d.model, steps: d.steps })),
          }),
        );
      } else {
        for (const s of summary)
          io.out(`${s.file}: kernel ${s.kernel} (ABI ${s.abi}, errata ${s.errata}) vs model ${s.semantics}: ${s.traces} traces, ${s.disagreements} disagree`);
        const show = o.show ?? 10;
        for (const d of all.slice(0, show)) {
          io.out(`\n── ${d.file} #${d.index}${d.trace.scenario.name ? ` (${d.trace.scenario.name})` : ''}: steps ${d.steps.map((i) => `#${i}`).join(', ')} differ (model ${d.semantics}, kernel ${d.trace.kernel.release})`);
          io.out(renderOutcomes(d.trace.scenario, d.outcomes, { other: { label: 'kernel', results: d.trace.results } }));
        }
        if (all.length > show) io.out(`\n… and ${all.length - show} more disagreeing traces (--show ${all.length} to print them all)`);
        const total = summary.reduce((a, s) => a + s.traces, 0);
        io.out(`\n${total} traces, ${all.length} disagree with the model`);
      }
      if (all.length) setExit(1);
    });
}

/**
 * scopecheck diff <trace...>: replays every trace's scenario in the model, under the semantics
 * matching the kernel's ABI and errata unless one is given, and shows every disagreeing step.
 */
import type { Command } from 'commander';
import { renderOutcomes } from '../format/render.js';
import { auditDiffLines, diffSources } from '../oracle/diff.js';
import { intOption } from './options.js';
import { InputError } from './io.js';
import { errataOption, semanticsOption, type Io } from './options.js';
import { loadSemantics } from './semantics.js';
import { readTraceSources } from './store.js';

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
            disagreements: all.map((d) => ({ file: d.file, index: d.index, kernel: d.trace.kernel, semantics: d.semantics, scenario: d.trace.scenario, kernelResults: d.trace.results, modelResults: d.model, steps: d.steps, auditSteps: d.auditSteps, freed: d.freed })),
          }),
        );
      } else {
        for (const s of summary)
          io.out(
            `${s.file}: kernel ${s.kernel} (ABI ${s.abi}, errata ${s.errata}) vs model ${s.semantics}: ${s.traces} traces, ${s.disagreements} disagree` +
              (s.withAudit ? ` (audit records compared in ${s.withAudit}; ${s.auditDisagreements} disagree on records only)` : ' (no audit records: results only)'),
          );
        const show = o.show ?? 10;
        for (const d of all.slice(0, show)) {
          const what = [
            ...(d.steps.length ? [`steps ${d.steps.map((i) => `#${i}`).join(', ')} differ`] : []),
            ...(d.auditSteps.length ? [`the records of ${d.auditSteps.map((a) => `#${a.step}`).join(', ')} differ`] : []),
            ...(d.freed ? ['the deallocation records differ'] : []),
          ].join('; ');
          io.out(`\n── ${d.file} #${d.index}${d.trace.scenario.name ? ` (${d.trace.scenario.name})` : ''}: ${what} (model ${d.semantics}, kernel ${d.trace.kernel.release})`);
          io.out(renderOutcomes(d.trace.scenario, d.outcomes, { other: { label: 'kernel', results: d.trace.results } }));
          for (const l of auditDiffLines(d)) io.out(l);
        }
        if (all.length > show) io.out(`\n… and ${all.length - show} more disagreeing traces (--show ${all.length} to print them all)`);
        const total = summary.reduce((a, s) => a + s.traces, 0);
        io.out(`\n${total} traces, ${all.length} disagree with the model`);
      }
      if (all.length) setExit(1);
    });
}

/**
 * scopecheck run <file...>: evaluate scenarios in the model and show every step.
 */
import type { Command } from 'commander';
import { renderOutcomes } from '../format/render.js';
import { evaluate } from '../ops/engine.js';
import { DEFAULT_SEMANTICS } from '../model/semantics/index.js';
import { expandSome, readScenarioFile } from './io.js';
import { errataOption, semanticsOption, type Io } from './options.js';
import { loadSemantics } from './semantics.js';

export function registerRun(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('run')
    .description('evaluate scenario files in the model; mark steps whose "expect" differs (exit 1)')
    .argument('<file...>', 'scenario files or directories of them')
    .addOption(semanticsOption(false).default(DEFAULT_SEMANTICS))
    .addOption(errataOption())
    .option('--json', 'one JSON object per scenario per line')
    .action(async (files: string[], o: { semantics: string; errata?: number; json?: boolean }) => {
      const sem = await loadSemantics(o.semantics, o.errata);
      const loaded = expandSome(files, ['.json'], 'scenario files').map((file) => ({ file, scenario: readScenarioFile(file) }));
      let failed = 0;
      for (const { file, scenario } of loaded) {
        const outcomes = evaluate(scenario, sem);
        const mismatches = scenario.steps.flatMap((st, i) =>
          st.expect !== undefined && st.expect !== outcomes[i]!.result ? [i] : [],
        );
        if (mismatches.length) failed++;
        if (o.json) {
          io.out(JSON.stringify({ file, semantics: sem.name, results: outcomes.map((x) => x.result), mismatches }));
          continue;
        }
        io.out(`${file}${scenario.name ? ` (${scenario.name})` : ''} under ${sem.name}`);
        io.out(renderOutcomes(scenario, outcomes, { checkExpect: true }));
        io.out(
          mismatches.length
            ? `  ✗ ${mismatches.length} step(s) differ from "expect": ${mismatches.map((i) => `#${i}`).join(', ')}\n`
            : `  ✓ ${scenario.steps.filter((s) => s.expect !== undefined).length} expectation(s) met\n`,
        );
      }
      if (!o.json) io.out(`${loaded.length} scenario(s), ${failed} with unmet expectations (semantics ${sem.name})`);
      if (failed) setExit(1);
    });
}

/**
 * scopecheck run <file...>: evaluate scenarios in the model and show every step.
 */
import type { Command } from 'commander';
import { renderOutcomes } from '../format/render.js';
import { evaluateAll } from '../ops/engine.js';
import { freedText, recordText } from '../model/audit.js';
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
        const { outcomes, freed } = evaluateAll(scenario, sem);
        const sameRecords = (a: readonly string[], b: readonly string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
        const recordsOf = (i: number) => (outcomes[i]!.audit ?? []).map(recordText);
        const auditMismatches = scenario.steps.flatMap((st, i) => (st.expect_audit !== undefined && !sameRecords(st.expect_audit, recordsOf(i)) ? [i] : []));
        const freedTexts = freed.map(freedText);
        const freedMismatch = scenario.expect_audit_freed !== undefined && !sameRecords(scenario.expect_audit_freed, freedTexts);
        const mismatches = scenario.steps.flatMap((st, i) =>
          (st.expect !== undefined && st.expect !== outcomes[i]!.result) || auditMismatches.includes(i) ? [i] : [],
        );
        if (mismatches.length || freedMismatch) failed++;
        if (o.json) {
          io.out(
            JSON.stringify({ file, semantics: sem.name, results: outcomes.map((x) => x.result), audit: outcomes.map((x) => (x.audit ?? []).map(recordText)), auditFreed: freedTexts, mismatches, freedMismatch }),
          );
          continue;
        }
        io.out(`${file}${scenario.name ? ` (${scenario.name})` : ''} under ${sem.name}`);
        io.out(renderOutcomes(scenario, outcomes, { checkExpect: true }));
        for (const i of auditMismatches) {
          io.out(`  ✗ #${i}: expected records`);
          for (const r of scenario.steps[i]!.expect_audit!) io.out(`      ${r}`);
          if (!scenario.steps[i]!.expect_audit!.length) io.out('      (none)');
        }
        if (freed.length) io.out(`  after the scenario:\n${freedTexts.map((t) => `        audit: ${t}`).join('\n')}`);
        if (freedMismatch) io.out(`  ✗ expected after the scenario:\n${scenario.expect_audit_freed!.map((t) => `      ${t}`).join('\n') || '      (none)'}`);
        const nExpect = scenario.steps.filter((s) => s.expect !== undefined).length + scenario.steps.filter((s) => s.expect_audit !== undefined).length + (scenario.expect_audit_freed ? 1 : 0);
        io.out(
          mismatches.length || freedMismatch
            ? `  ✗ ${mismatches.length} step(s) differ from "expect"/"expect_audit": ${mismatches.map((i) => `#${i}`).join(', ')}${freedMismatch ? '; the deallocation records differ from "expect_audit_freed"' : ''}\n`
            : `  ✓ ${nExpect} expectation(s) met\n`,
        );
      }
      if (!o.json) io.out(`${loaded.length} scenario(s), ${failed} with unmet expectations (semantics ${sem.name})`);
      if (failed) setExit(1);
    });
}

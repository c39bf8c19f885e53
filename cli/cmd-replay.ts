/**
 * scopecheck replay <counterexample...>: re-evaluates saved counterexamples and checks that they
 * still reproduce (same results, same violation). Exit 1 when one no longer does.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseCounterexample } from '../format/counterexample.js';
import { renderOutcomes } from '../format/render.js';
import { recheck } from '../properties/check.js';
import { propertyByName } from '../properties/invariants.js';
import { expandFiles, InputError } from './io.js';
import type { Io } from './options.js';
import { loadSemantics } from './semantics.js';

export function registerReplay(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('replay')
    .description('replay saved counterexamples; exit 1 if one no longer reproduces')
    .argument('<file...>', 'counterexample files or directories of them')
    .action(async (files: string[]) => {
      const all = expandFiles(files, ['.json']);
      let failed = 0;
      for (const file of all) {
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(file, 'utf8'));
        } catch (e) {
          throw new InputError(`${file}: not valid JSON: ${(e as Error).message}`);
        }
        let cx;
        try {
          cx = parseCounterexample(raw, file);
        } catch (e) {
          throw new InputError((e as Error).message);
        }
        const p = propertyByName(cx.property);
        if (!p) throw new InputError(`${file}: property: unknown property "${cx.property}"`);
        const sem = await loadSemantics(cx.semantics, cx.errata);
        const { outcomes, violation } = recheck(p, sem, cx.scenario, cx.extra, cx.errata);
        const results = outcomes.map((o) => o.result);
        const sameResults = JSON.stringify(results) === JSON.stringify(cx.results);
        const ok = sameResults && violation !== null;
        if (!ok) failed++;
        io.out(`${file}: ${cx.property} under ${cx.semantics} (expected ${cx.expected})`);
        io.out(renderOutcomes(cx.scenario, outcomes, { other: sameResults ? undefined : { label: 'recorded', results: cx.results } }));
        io.out(
          violation
            ? `   ${sameResults ? '✓ reproduces' : '✗ results differ from the recording, though the property is still violated'}: ${violation.message}\n`
            : `   ✗ no longer violated: the property holds on this scenario now\n`,
        );
      }
      io.out(`${all.length} counterexample(s), ${all.length - failed} reproduce`);
      if (failed) setExit(1);
    });
}

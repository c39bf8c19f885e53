/**
 * scopecheck replay <counterexample...>: re-evaluates saved counterexamples and checks that they
 * still reproduce (same results, same violation). Exit 1 when one no longer does.
 */
import { Option, type Command } from 'commander';
import { parseJson } from '../format/json.js';
import { parseCounterexample } from '../format/counterexample.js';
import { renderOutcomes } from '../format/render.js';
import { recheck } from '../properties/check.js';
import { oneLine } from '../format/export/common.js';
import { propertyLookup } from './properties.js';
import { expandSome, InputError, readText } from './io.js';
import type { Io } from './options.js';
import { loadNamedSemantics } from './semantics.js';

export function registerReplay(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('replay')
    .description('replay saved counterexamples; exit 1 if one no longer reproduces')
    .argument('<file...>', 'counterexample files or directories of them')
    .addOption(new Option('-s, --semantics <module...>', 'semantics modules the counterexamples name (a counterexample never makes scopecheck load code it names)'))
    .addOption(new Option('-p, --property <module...>', 'modules of the user properties the counterexamples are of'))
    .action(async (files: string[], o: { semantics?: string[]; property?: string[] }) => {
      const lookup = await propertyLookup(o.property ?? []);
      const all = expandSome(files, ['.json'], 'counterexample files');
      let failed = 0;
      // Every file is read and resolved before any is replayed: a bad one stops everything, nothing printed.
      const loaded = [];
      for (const file of all) {
        const j = parseJson(readText(file));
        if (!j.ok) throw new InputError(`${file}: ${j.why}`);
        const cx = parseCounterexample(j.value, file);
        const p = lookup(cx.property);
        if (!p) throw new InputError(`${file}: property: unknown property "${oneLine(cx.property).slice(0, 80)}" (a property of your own: add --property <its module>)`);
        loaded.push({ file, cx, p, sem: await loadNamedSemantics(cx.semantics, file, o.semantics ?? [], cx.errata) });
      }
      for (const { file, cx, p, sem } of loaded) {
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

/**
 * scopecheck compare A B: what semantics B changes relative to A, one smallest example per class.
 */
import { Option, type Command } from 'commander';
import { checkCell } from '../properties/check.js';
import { progressFor } from './progress.js';
import { propertyLookup, resolvePropertyArgs } from './properties.js';
import { renderOutcomes } from '../format/render.js';
import { evaluate } from '../ops/engine.js';
import { DEFAULT_SEED } from '../properties/check.js';
import { compareSemantics } from '../properties/compare.js';
import { boundText, parseBound } from '../properties/exhaustive.js';
import { intOption } from './options.js';
import { MAX_GENERATED } from '../ops/limits.js';
import { InputError } from './io.js';
import type { Io } from './options.js';
import { loadSemantics } from './semantics.js';

export function registerCompare(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('compare')
    .description('what semantics B changes relative to A: classes of disagreeing scenarios, smallest example each')
    .argument('<a>', 'semantics A (built-in name or module path)')
    .argument('<b>', 'semantics B')
    .addOption(intOption('--seed <n>', `seed of the random search (default ${DEFAULT_SEED})`))
    .addOption(intOption('-n, --runs <n>', 'random scenarios (default 60000)', 0, MAX_GENERATED))
    .option('--bound <spec>', 'bound of the exhaustive search (default tasks=2,layers=2,sockets=2,steps=4)')
    .option('--json', 'print {"a", "b", "classes": [{"class", "example", "a", "b"}], "properties": [{"property", "a", "b"}]}')
    .addOption(new Option('-p, --property <name-or-module...>', 'also check these properties (built-in names or modules of your own) under A and B with the same seed, and show their verdicts'))
    .action(async (an: string, bn: string, o: { seed?: number; runs?: number; bound?: string; json?: boolean; property?: string[] }) => {
      const a = await loadSemantics(an);
      const b = await loadSemantics(bn);
      const props = o.property?.length ? await resolvePropertyArgs(o.property) : { names: [], modules: [] };
      const lookup = await propertyLookup(props.modules);
      let bound;
      try {
        bound = parseBound(o.bound ?? 'tasks=2,layers=2,sockets=2,steps=4');
      } catch (e) {
        throw new InputError(`--bound: ${(e as Error).message}`);
      }
      const seed = o.seed ?? DEFAULT_SEED;
      const bar = progressFor(io, Boolean(o.json));
      bar.start(o.runs ?? 60000, 'random scenarios');
      let r;
      try {
        r = compareSemantics(a, b, { seed, runs: o.runs ?? 60000, bound, progress: (d) => bar.update(d) });
      } finally {
        bar.stop();
      }
      // Each property under both semantics, with the same seed: its verdict and the expected one.
      const verdicts = props.names.map((n) => {
        const p = lookup(n)!;
        const cell = (s: typeof a) => checkCell(p, s, { seed, runs: Math.min(o.runs ?? 10000, 10000) });
        const [va, vb] = [cell(a), cell(b)];
        return { property: n, a: { verdict: va.verdict, expected: va.expected }, b: { verdict: vb.verdict, expected: vb.expected } };
      });
      if (o.json) {
        io.out(JSON.stringify({ a: a.name, b: b.name, classes: r.classes.map((c) => ({ class: c.class, example: c.example, a: c.a, b: c.b })), properties: verdicts }));
      } else {
        io.out(`What ${b.name} changes relative to ${a.name}: ${r.classes.length} class(es) of disagreement`);
        io.out(`searched ${r.randomScenarios} random scenarios (seed ${seed}) and every scenario within ${boundText(bound)} (${r.exhaustiveScenarios}); ${r.disagreeing} disagreed, ${r.consequences} of them only because a restrict_self one side rejects left a task with fewer layers (not listed)`);
        io.out(`replay: scopecheck compare ${an} ${bn} --seed ${seed}${o.runs ? ` --runs ${o.runs}` : ''}${o.bound ? ` --bound ${o.bound}` : ''}`);
        r.classes.forEach((c, i) => {
          io.out(`\n── ${i + 1}. ${c.class}   (${c.count} scenario(s); smallest: ${c.example.steps.length} steps, step #${c.step})`);
          io.out(renderOutcomes(c.example, evaluate(c.example, a), { selfLabel: a.name, other: { label: b.name, results: c.b } }));
        });
      }
      if (!r.classes.length && !o.json) io.out('\nno difference found');
      if (verdicts.length && !o.json) {
        io.out(`\nproperty verdicts (seed ${seed}):`);
        for (const v of verdicts)
          io.out(`  ${v.property}: ${a.name} ${v.a.verdict} (expected ${v.a.expected}), ${b.name} ${v.b.verdict} (expected ${v.b.expected})${v.a.verdict !== v.b.verdict ? '   ← changes' : ''}`);
      }
      setExit(0);
    });
}

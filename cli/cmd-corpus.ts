/**
 * scopecheck corpus: builds a scenario corpus (stored once, recorded on many kernels), from
 * scenario files or from the random generator with one seed.
 */
import type { Command } from 'commander';
import { abi7 } from '../model/semantics/index.js';
import { buildScenario, profilesOf, sampleInputs, type GenInput } from '../properties/arbitrary.js';
import type { Scenario } from '../format/scenario.js';
import { evaluate } from '../ops/engine.js';
import { DEFAULT_SEED } from '../properties/check.js';
import { intOption } from './options.js';
import { MAX_GENERATED } from '../ops/limits.js';
import { checkOutput, InputError } from './io.js';
import type { Io } from './options.js';
import { CORPUS_EXT, readScenarioInputs, writeCorpus } from './store.js';

export function registerCorpus(program: Command, io: Io): void {
  program
    .command('corpus')
    .description('build a scenario corpus from scenario files, or random scenarios from one seed')
    .argument('[input...]', 'scenario files or directories of them')
    .requiredOption('-o, --out <file>', `the corpus (${CORPUS_EXT})`)
    .requiredOption('--name <name>', 'corpus name')
    .addOption(intOption('--random <n>', `generate n random scenarios instead (at most ${MAX_GENERATED})`, 0, MAX_GENERATED))
    .addOption(intOption('--seed <n>', `seed of the random scenarios (default ${DEFAULT_SEED})`))
    .option('--denying', 'with --random: keep only the scenarios in which the model (abi7) predicts a Landlock denial, drawn from the same seed until there are n (for corpora of audit records)')
    .action((inputs: string[], o: { out: string; name: string; random?: number; seed?: number; denying?: boolean }) => {
      if (!o.out.endsWith(CORPUS_EXT)) throw new InputError(`--out must end in ${CORPUS_EXT}`);
      checkOutput(o.out, '--out');
      if ((o.random === undefined) === (inputs.length === 0)) throw new InputError('give scenario files or --random, not both');
      let scenarios;
      let sources: string[];
      let description: string;
      if (o.random !== undefined) {
        const seed = o.seed ?? DEFAULT_SEED;
        // Restrict profile 0 ("every restriction") follows abi7 so that the corpus runs on every kernel.
        const build = (g: GenInput) => buildScenario(g.actions, profilesOf(abi7));
        if (o.denying) {
          // Chunks of 10,000 drawn with seeds S, S+1, …, filtered in order: the first n scenarios with a
          // denial (at most 1,000 chunks).
          const denies = (s: Scenario) => evaluate(s, abi7).some((x) => x.decisions?.some((d) => d.denial));
          scenarios = [];
          let drawn = 0;
          for (let c = 0; c < 1000 && scenarios.length < o.random; c++)
            for (const g of sampleInputs(10_000, seed + c)) {
              drawn++;
              const s = build(g);
              if (denies(s)) scenarios.push(s);
              if (scenarios.length === o.random) break;
            }
          description = `${scenarios.length} random scenarios with a Landlock denial under abi7, of ${drawn} drawn (chunks of 10,000 from seeds ${seed}, ${seed + 1}, …): scopecheck corpus --random ${o.random} --seed ${seed} --denying --name ${o.name}`;
        } else {
          scenarios = sampleInputs(o.random, seed).map(build);
          description = `${o.random} random scenarios: scopecheck corpus --random ${o.random} --seed ${seed} --name ${o.name}`;
        }
        sources = [];
      } else {
        const loaded = readScenarioInputs(inputs);
        scenarios = loaded.map((l) => l.scenario);
        sources = loaded.map((l) => l.file);
        description = `scenario files: ${inputs.join(' ')}`;
      }
      const sha = writeCorpus(o.out, { header: { format: 'scopecheck-corpus/1', name: o.name, count: scenarios.length, description, ...(sources.length ? { sources } : {}) }, scenarios });
      io.out(`wrote ${scenarios.length} scenarios to ${o.out} (sha256 ${sha.slice(0, 16)}…)`);
    });
}

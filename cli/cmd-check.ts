/**
 * scopecheck check: the property × semantics matrix, random (fast-check) or bounded exhaustive,
 * on N worker threads or split over machines (--shard k/n, then `scopecheck merge`), with shrunk
 * counterexamples saved under counterexamples/ and a replay command for each. The output depends
 * only on the arguments, never on the number of workers or shards.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../common/errors.js';
import type { Semantics } from '../model/hooks.js';
import { BUILTIN_SEMANTICS } from '../model/semantics/index.js';
import { diffSources } from '../oracle/diff.js';
import type { CellResult } from '../properties/check.js';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../properties/check.js';
import { ALPHABETS, boundText, DEFAULT_BOUND, parseBound, type AlphabetName, type Bound } from '../properties/exhaustive.js';
import { oneLine } from '../format/export/common.js';
import { expectedVerdict, PROPERTIES, type PropertyDef } from '../properties/invariants.js';
import { progressFor } from './progress.js';
import { requireGivenModule } from './modules.js';
import { propertyLookup, resolvePropertyArgs } from './properties.js';
import { commandOf, counterexampleFile, jsonReport, plan, rowsOf, semanticsDirName, textReport, type JobResult, type PropertyLookup, type Row, type RunArgs } from '../properties/matrix.js';
import { htmlReport, junitReport, type KernelAgreement } from '../report/html.js';
import { parseJson } from '../format/json.js';
import { parseShard as parseShardFile, reviveResults, SHARD_FORMAT, type ShardFile } from '../properties/shard.js';
import { checkOutput, readGzText, readText, writeFileAtomic } from './io.js';
import { renderOutcomes } from '../format/render.js';
import { evaluate } from '../ops/engine.js';
import { DEFAULT_DEPTH, DEFAULT_WALKS, walk } from '../properties/simulate.js';
import { MAX_GENERATED } from '../ops/limits.js';
import { errataOption, intOption, semanticsOption, type Io } from './options.js';
import { loadLayout } from './cmd-export.js';
import { defaultWorkers, inShard, parseShard, runJobs } from './pool.js';
import { loadNamedSemantics, loadSemantics } from './semantics.js';
import { readTraceSources } from './store.js';

const loadAll = (args: RunArgs): Promise<Semantics[]> => Promise.all(args.semantics.map((s) => loadSemantics(s, args.errata)));

export function counterexamplePath(dir: string, semName: string, property: string): string {
  return join(dir, semanticsDirName(semName), `${property}.json`);
}

/** Saves counterexamples, prints the report, returns the exit code. */
export function report(a: RunArgs, rows: Row[], io: Io, json: boolean, props: readonly PropertyDef[]): number {
  const saved = new Map<Row, string>();
  if (a.save)
    for (const r of rows) {
      if (!r.counterexample) continue;
      const file = counterexamplePath(a.out, r.semantics, r.property);
      const text = `${JSON.stringify(counterexampleFile(a, r, file), null, 2)}\n`;
      if (!existsSync(file) || readGzText(file) !== text) writeFileAtomic(file, text);
      saved.set(r, file);
    }
  const unexpected = rows.filter((c) => c.verdict !== c.expected);
  if (json) io.out(JSON.stringify(jsonReport(a, rows)));
  else for (const l of textReport(a, rows, saved, { semantics: BUILTIN_SEMANTICS.map((s) => s.name), props })) io.out(l);
  return unexpected.length ? 1 : 0;
}

/** --walk k: walk k of the run under each semantics, step by step, and what it violates. */
function replayWalk(a: RunArgs, sems: Semantics[], k: number, io: Io, lookup: PropertyLookup): number {
  const props = a.properties.map((n) => lookup(n)!).filter((p) => p.kind === 'state-local');
  for (const sem of sems) {
    const w = walk(sem, k, { seed: a.seed, depth: a.depth!, bound: a.bound!, swarm: a.swarm !== false, errata: a.errata });
    io.out(`walk ${k} under ${sem.name} (seed ${a.seed}): ${w.steps.length} steps; ops ${w.ops.join(',')}`);
    const scenario = { format: 'scopecheck-scenario/1' as const, steps: w.steps };
    io.out(renderOutcomes(scenario, w.outcomes));
    for (const p of props) {
      const v = p.check({ scenario, sem, outcomes: w.outcomes, extra: { pos: 0, who: 0, profile: 0, pick: 0 }, evaluate: (x) => evaluate(x, sem, a.errata === undefined ? {} : { errata: a.errata }) });
      if (v) io.out(`   ${p.name}: violated at step #${v.step}: ${v.message}`);
    }
  }
  return 0;
}

/** --junit and --html. */
async function writeReports(a: RunArgs, rows: Row[], o: { junit?: string; html?: string; traces?: string }): Promise<void> {
  const cells = rows as unknown as CellResult[];
  const meta = { seed: a.mode === 'random' ? a.seed : undefined, runs: a.mode === 'random' ? a.runs : undefined, command: commandOf(a) };
  if (o.junit) writeFileAtomic(o.junit, junitReport(cells, meta), '--junit');
  if (!o.html) return;
  const dir = o.traces ?? (existsSync('traces') ? 'traces' : undefined);
  const kernels: KernelAgreement[] = dir
    ? diffSources(readTraceSources([dir]), undefined, undefined)
        .summary.filter((x) => x.traces > 0)
        .map((x) => ({ kernel: `${x.kernel} (${x.file})`, abi: x.abi, semantics: x.semantics, traces: x.traces, disagreements: x.disagreements }))
    : [];
  const saved = new Map<string, string>();
  for (const r of rows) if (r.counterexample && a.save) saved.set(`${r.property}/${r.semantics}`, counterexamplePath(a.out, r.semantics, r.property));
  writeFileAtomic(o.html, htmlReport(cells, { layout: await loadLayout(), meta, kernels, saved }), '--html');
}

interface CheckOpts {
  simulate?: boolean;
  walks?: number;
  depth?: number;
  walk?: number;
  swarm?: boolean;
  semantics?: string[];
  property?: string[];
  runs?: number;
  seed?: number;
  maxSteps?: number;
  errata?: number;
  json?: boolean;
  out: string;
  save: boolean;
  exhaustive?: boolean;
  bound?: string;
  alphabet?: string;
  por?: boolean;
  exact?: boolean;
  workers?: number;
  shard?: string;
  shardOut?: string;
  junit?: string;
  html?: string;
  traces?: string;
}

export function registerCheck(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('check')
    .description('check every property under every semantics (the main job); exit 1 on any unexpected verdict')
    .addOption(semanticsOption(true))
    .addOption(new Option('-p, --property <name-or-module...>', `properties (default: all built-ins): ${PROPERTIES.map((p) => p.name).join(', ')}; or a path to a module of your own properties (.ts/.js, see examples/)`))
    .addOption(intOption('-n, --runs <n>', `random mode: scenarios per property and semantics (default ${DEFAULT_RUNS})`, 1, MAX_GENERATED))
    .addOption(intOption('--seed <n>', `random mode: run seed (default ${DEFAULT_SEED})`))
    .addOption(intOption('--max-steps <n>', 'random mode: most generated actions per scenario (default 24)', 1))
    .option('--exhaustive', 'check every scenario within --bound, breadth-first (shortest counterexamples)')
    .option('--bound <spec>', `exhaustive bound (default ${boundText(DEFAULT_BOUND)}); with --simulate, its task, layer and socket limits`)
    .addOption(new Option('--alphabet <name>', 'exhaustive alphabet: v1 (the ops of format 1, as before format 1.1: counts comparable with old runs) or 1.1 (default: every op with exhaustive successors)').choices([...ALPHABETS]))
    .option('--no-por', 'exhaustive: the full search, without the reductions (sleep sets, the read-from past, the check memo); same verdicts and shortest lengths, more states extended and scenarios checked')
    .option('--exact', 'exhaustive: memos of the keys themselves instead of 96-bit fingerprints (no chance of two states taken for one; several times the memory)')
    .option('--simulate', 'random walks over the transition relation, every property checked at every step: deeper than any bound')
    .addOption(intOption('--walks <n>', `simulation: walks per semantics (default ${DEFAULT_WALKS})`, 1, MAX_GENERATED))
    .addOption(intOption('--depth <n>', `simulation: steps per walk at most (default ${DEFAULT_DEPTH})`, 1, 100_000))
    .addOption(intOption('--walk <k>', 'simulation: replay walk k alone, step by step'))
    .option('--no-swarm', 'simulation: every walk may use every op kind (default: swarm testing, each walk leaves out a random subset)')
    .addOption(intOption('--workers <n>', `worker threads (default: the cores, ${defaultWorkers()})`, 1))
    .option('--shard <k/n>', 'run only slice k of n of the work and write it to --shard-out; combine with `scopecheck merge`')
    .option('--shard-out <file>', 'where --shard writes its results')
    .addOption(errataOption())
    .option('--json', 'print one JSON object with every verdict')
    .option('--junit <file>', 'also write a JUnit XML report (one suite per semantics, one case per property)')
    .option('--html <file>', 'also write a self-contained HTML report (verdict matrix, counterexamples with diagrams, kernel agreement)')
    .option('--traces <dir>', 'traces for the report\'s kernel agreement section (default: traces/ if it exists)')
    .option('--out <dir>', 'where counterexamples are saved', 'counterexamples')
    .option('--no-save', 'do not write counterexample files')
    .action(async (o: CheckOpts) => {
      if (o.junit) checkOutput(o.junit, '--junit');
      if (o.html) checkOutput(o.html, '--html');
      if (o.shardOut) checkOutput(o.shardOut, '--shard-out');
      let bound: Bound | undefined;
      if (o.exhaustive && o.simulate) throw new InputError('--exhaustive and --simulate exclude each other');
      if (!o.simulate) for (const [k, v] of Object.entries({ '--walks': o.walks, '--depth': o.depth, '--walk': o.walk })) if (v !== undefined) throw new InputError(`${k} goes with --simulate`);
      if (!o.simulate && o.swarm === false) throw new InputError('--no-swarm goes with --simulate');
      if (o.exhaustive || o.simulate) {
        try {
          bound = parseBound(o.bound ?? '', DEFAULT_BOUND);
        } catch (e) {
          throw new InputError(`--bound: ${(e as Error).message}`);
        }
      } else if (o.bound) throw new InputError('--bound goes with --exhaustive or --simulate');
      if (!o.exhaustive && o.alphabet) throw new InputError('--alphabet goes with --exhaustive');
      if (!o.exhaustive && o.por === false) throw new InputError('--no-por goes with --exhaustive');
      if (!o.exhaustive && o.exact) throw new InputError('--exact goes with --exhaustive');
      if (o.exhaustive && bound) {
        if (o.alphabet === 'v1') bound = { ...bound, alphabet: o.alphabet as AlphabetName };
        if (o.por === false) bound = { ...bound, por: false };
        if (o.exact) bound = { ...bound, exact: true };
      }
      const { names: properties, modules: propertyModules } = await resolvePropertyArgs(o.property);
      const lookup = await propertyLookup(propertyModules);
      const args: RunArgs = {
        mode: o.exhaustive ? 'exhaustive' : o.simulate ? 'simulate' : 'random',
        ...(o.simulate ? { walks: o.walks ?? DEFAULT_WALKS, depth: o.depth ?? DEFAULT_DEPTH, swarm: o.swarm !== false } : {}),
        seed: o.seed ?? DEFAULT_SEED,
        runs: o.runs ?? DEFAULT_RUNS,
        maxSteps: o.maxSteps,
        bound,
        errata: o.errata,
        semantics: o.semantics?.length ? o.semantics : BUILTIN_SEMANTICS.map((s) => s.name),
        properties,
        ...(propertyModules.length ? { propertyModules } : {}),
        out: o.out,
        save: o.save,
      };
      const sems = await loadAll(args);
      if (o.walk !== undefined) return void setExit(replayWalk(args, sems, o.walk, io, lookup));
      const p = plan(args, sems, lookup);
      const shard = o.shard ? parseShard(o.shard) : undefined;
      if (shard && !o.shardOut) throw new InputError('--shard needs --shard-out <file>');
      const mine = p.jobs.map((j, index) => ({ j, index })).filter((x) => inShard(x.index, shard));
      const t0 = performance.now();
      const bar = progressFor(io, Boolean(o.json));
      bar.start(mine.length, 'jobs');
      const label = (j: (typeof mine)[number]['j']) =>
        j.kind === 'cell' ? `${j.property} under ${j.semantics}` : j.kind === 'unit' ? `exhaustive unit ${j.unit} under ${j.semantics}` : `walks ${j.from}–${j.to} under ${j.semantics}`;
      // Longest first: a cell expected to hold runs all its scenarios; one expected violated stops early.
      const cost = mine.map(({ j }) => {
        if (j.kind !== 'cell') return 1;
        const sem = p.sems[args.semantics.indexOf(j.semantics)]!;
        const prop = lookup(j.property)!;
        return expectedVerdict(prop, sem, args.errata ?? sem.errata) === 'holds' ? j.runs * prop.cost : j.runs / 20;
      });
      let results;
      try {
        results = await runJobs(mine.map((x) => x.j), o.workers ?? defaultWorkers(), (d) => bar.update(d), cost, (w, id) => bar.worker(w, label(mine[id]!.j)));
      } finally {
        bar.stop();
      }
      const secs = (performance.now() - t0) / 1000;
      const work = results.reduce((s, r) => s + (r.kind === 'cell' ? r.cell.runs : r.kind === 'unit' ? r.unit.scenarios : r.walks.steps), 0);
      io.err(`checked ${work} ${args.mode === 'simulate' ? 'walk steps' : 'scenarios'} in ${secs.toFixed(2)} s (${Math.round(work / secs)}/s) on ${Math.min(o.workers ?? defaultWorkers(), mine.length)} worker(s)`);
      if (shard) {
        const body: ShardFile = { format: SHARD_FORMAT, args, shard, jobs: p.jobs.length, results: mine.map((x, i) => ({ index: x.index, result: results[i]! })) };
        writeFileAtomic(o.shardOut!, JSON.stringify(body), '--shard-out');
        io.out(`shard ${shard.k}/${shard.n}: ${mine.length} of ${p.jobs.length} jobs → ${o.shardOut}; combine with: scopecheck merge <all shard files>`);
        return;
      }
      const rows = rowsOf(p, results);
      setExit(report(args, rows, io, Boolean(o.json), p.props));
      await writeReports(args, rows, o);
    });

  program
    .command('merge')
    .description('combine the shard files of one `check --shard k/n` run into its verdicts, counterexamples and output')
    .argument('<shard...>', 'shard files')
    .addOption(new Option('-s, --semantics <module...>', 'semantics modules the shards name (a shard file never makes scopecheck load code it names)'))
    .addOption(new Option('-p, --property <module...>', 'modules of user properties the shards name (likewise)'))
    .option('--json', 'print one JSON object with every verdict')
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--html <file>', 'also write a self-contained HTML report')
    .option('--out <dir>', 'where counterexamples are saved (never where a shard file says)', 'counterexamples')
    .option('--no-save', 'do not write counterexample files')
    .action(async (files: string[], o: { semantics?: string[]; property?: string[]; json?: boolean; junit?: string; html?: string; out: string; save: boolean }) => {
      if (o.junit) checkOutput(o.junit, '--junit');
      if (o.html) checkOutput(o.html, '--html');
      const shards = files.map((f) => {
        const j = parseJson(readText(f));
        if (!j.ok) throw new InputError(`${f}: ${j.why}`);
        return parseShardFile(j.value, f);
      });
      const args = shards[0]!.args;
      for (const [i, s] of shards.entries())
        if (JSON.stringify(s.args) !== JSON.stringify(args) || s.jobs !== shards[0]!.jobs)
          throw new InputError(`${files[i]}: args: this shard belongs to another run than ${files[0]}`);
      for (const m of args.propertyModules ?? []) requireGivenModule(m, files[0]!, 'args.propertyModules', o.property ?? [], '--property');
      const lookup = await propertyLookup(args.propertyModules ?? []);
      for (const n of args.properties) if (!lookup(n)) throw new InputError(`${files[0]}: args.properties: unknown property "${oneLine(n).slice(0, 80)}"`);
      const sems = await Promise.all(args.semantics.map((s) => loadNamedSemantics(s, `${files[0]}: args`, o.semantics ?? [], args.errata)));
      const p = plan(args, sems, lookup);
      if (p.jobs.length !== shards[0]!.jobs) throw new InputError(`${files[0]}: jobs: the run has ${p.jobs.length} jobs, not ${shards[0]!.jobs}`);
      const all: (JobResult | undefined)[] = Array.from({ length: p.jobs.length }, () => undefined);
      for (const [i, s] of shards.entries())
        for (const r of reviveResults(files[i]!, p, sems, s.results, lookup)) {
          if (all[r.index]) throw new InputError(`${files[i]}: results: job ${r.index} is in another shard too`);
          all[r.index] = r.result;
        }
      const missing = all.flatMap((r, i) => (r ? [] : [i]));
      if (missing.length) throw new InputError(`shards are missing ${missing.length} of ${all.length} jobs (give every shard k/n for k = 1..n)`);
      const rows = rowsOf(p, all as JobResult[]);
      // Where to write is the command line's to say, not the shard files'.
      const here: RunArgs = { ...args, out: o.out, save: o.save };
      setExit(report(here, rows, io, Boolean(o.json), p.props));
      await writeReports(here, rows, o);
    });
}


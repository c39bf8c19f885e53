/**
 * scopecheck check: the property × semantics matrix, random (fast-check) or bounded exhaustive,
 * on N worker threads or split over machines (--shard k/n, then `scopecheck merge`), with shrunk
 * counterexamples saved under counterexamples/ and a replay command for each. The output depends
 * only on the arguments, never on the number of workers or shards.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { COUNTEREXAMPLE_FORMAT, type CounterexampleFile } from '../format/counterexample.js';
import { renderOutcomes } from '../format/render.js';
import type { Scenario } from '../format/scenario.js';
import { BUILTIN_SEMANTICS } from '../model/semantics/index.js';
import type { Semantics, Verdict } from '../model/semantics/types.js';
import type { StepOutcome } from '../model/state.js';
import type { Extra } from '../properties/arbitrary.js';
import { DEFAULT_RUNS, DEFAULT_SEED, type CellResult } from '../properties/check.js';
import { diffSources } from './cmd-diff.js';
import { htmlReport, junitReport, type KernelAgreement } from './report.js';
import { readTraceSources } from './store.js';
import { ALPHABET, boundText, DEFAULT_BOUND, LOCAL_PROPERTIES, mergeUnits, parseBound, unitCount, type Bound } from '../properties/exhaustive.js';
import { expectedVerdict, PROPERTIES, propertyByName, type PropertyDef, type Violation } from '../properties/invariants.js';
import type { Job, JobResult } from './jobs.js';
import { InputError, writeFileAtomic } from './io.js';
import { errataOption, semanticsOption, type Io } from './main.js';
import { defaultWorkers, inShard, parseShard, runJobs } from './pool.js';
import { loadSemantics } from './semantics.js';

export const intOption = (flag: string, what: string, min = 0) =>
  new Option(flag, what).argParser((v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InputError(`${/--[a-z-]+/.exec(flag)?.[0] ?? flag}: "${v}" is not an integer >= ${min}`);
    return n;
  });

export function semanticsDirName(name: string): string {
  return name.replace(/^.*[/\\]/, '').replace(/[^A-Za-z0-9._+=-]/g, '_');
}

export function counterexamplePath(dir: string, semName: string, property: string): string {
  return join(dir, semanticsDirName(semName), `${property}.json`);
}

/** One verdict of the matrix, whichever mode found it. */
export interface Row {
  property: string;
  semantics: string;
  /** The --semantics argument that names it (a built-in name or a module path). */
  semanticsArg: string;
  /** The errata mask the semantics was checked with. */
  errata: number;
  verdict: Verdict;
  expected: Verdict;
  counterexample: Scenario | null;
  violation: Violation | null;
  outcomes: StepOutcome[] | null;
  /** Scenarios checked (random: fast-check runs; exhaustive: scenarios enumerated for the semantics). */
  runs: number;
  extra: Extra | null;
  cellSeed: number | null;
  foundSize: number | null;
  /** Exhaustive mode: distinct states explored for the semantics, and whether the verdict is complete up to the bound. */
  states?: number;
  complete?: boolean;
}

/** Everything that defines a run; shards of one run must agree on it. */
export interface RunArgs {
  mode: 'random' | 'exhaustive';
  seed: number;
  runs: number;
  maxSteps?: number;
  bound?: Bound;
  errata?: number;
  semantics: string[];
  properties: string[];
  out: string;
  save: boolean;
}

interface Plan {
  args: RunArgs;
  sems: Semantics[];
  props: PropertyDef[];
  jobs: Job[];
}

async function plan(args: RunArgs): Promise<Plan> {
  const sems = await Promise.all(args.semantics.map((s) => loadSemantics(s, args.errata)));
  const props = args.properties.map((n) => propertyByName(n)!);
  const jobs: Job[] = [];
  if (args.mode === 'random') {
    for (const [si, sem] of sems.entries())
      for (const p of props)
        jobs.push({ kind: 'cell', property: p.name, semantics: args.semantics[si]!, errata: args.errata, seed: args.seed, runs: args.runs, maxActions: args.maxSteps });
  } else {
    const local = props.filter((p) => LOCAL_PROPERTIES.includes(p.name)).map((p) => p.name);
    for (const [si, sem] of sems.entries()) {
      const n = unitCount(sem, args.bound!);
      for (let u = 0; u < n; u++) jobs.push({ kind: 'unit', semantics: args.semantics[si]!, errata: args.errata, bound: args.bound!, unit: u, properties: local });
    }
  }
  return { args, sems, props, jobs };
}

function rowsOf(p: Plan, results: readonly JobResult[]): Row[] {
  const { args, sems, props } = p;
  if (args.mode === 'random')
    return results.map((r, i) => {
      const c = (r as Extract<JobResult, { kind: 'cell' }>).cell;
      const si = Math.floor(i / props.length);
      return { ...c, semanticsArg: args.semantics[si]!, errata: args.errata ?? sems[si]!.errata };
    });
  const rows: Row[] = [];
  let at = 0;
  for (const [si, sem] of sems.entries()) {
    const n = unitCount(sem, args.bound!);
    const units = results.slice(at, at + n).map((r) => (r as Extract<JobResult, { kind: 'unit' }>).unit);
    at += n;
    const local = props.filter((x) => LOCAL_PROPERTIES.includes(x.name));
    const m = mergeUnits(sem, args.bound!, units, { properties: local, errata: args.errata });
    for (const pr of props) {
      const c = m.cells.find((x) => x.property === pr.name);
      if (!c) continue; // history-dependent properties are checked in random mode only
      rows.push({ ...c, semanticsArg: args.semantics[si]!, errata: args.errata ?? sem.errata, runs: m.scenarios, states: m.states, extra: c.counterexample ? { pos: 0, who: 0, profile: 0, pick: 0 } : null, cellSeed: null, foundSize: c.counterexample?.steps.length ?? null });
    }
  }
  return rows;
}

function verdictCell(r: Row): string {
  const inc = r.complete === false && r.verdict === 'holds' ? '?' : '';
  if (r.verdict === r.expected) return (r.verdict === 'holds' ? 'holds' : 'violated*') + inc;
  return r.verdict === 'holds' ? `HOLDS!${inc}` : 'VIOLATED!';
}

export function commandOf(a: RunArgs, extra = ''): string {
  const parts = ['scopecheck check'];
  if (a.mode === 'exhaustive') parts.push(`--exhaustive --bound ${boundText(a.bound!)}`);
  else parts.push(`--seed ${a.seed} --runs ${a.runs}${a.maxSteps ? ` --max-steps ${a.maxSteps}` : ''}`);
  if (a.errata !== undefined) parts.push(`--errata ${a.errata}`);
  return parts.join(' ') + extra;
}

/** Saves counterexamples, prints the report, returns the exit code. */
export function report(a: RunArgs, rows: Row[], io: Io, json: boolean): number {
  const saved = new Map<Row, string>();
  if (a.save)
    for (const r of rows) {
      if (!r.counterexample) continue;
      const file = counterexamplePath(a.out, r.semantics, r.property);
      const body: CounterexampleFile = {
        format: COUNTEREXAMPLE_FORMAT,
        property: r.property,
        semantics: r.semanticsArg,
        errata: r.errata,
        seed: a.mode === 'random' ? a.seed : 0,
        cellSeed: r.cellSeed ?? 0,
        runs: r.runs,
        expected: r.expected,
        extra: r.extra!,
        violation: { step: r.violation!.step, message: r.violation!.message },
        check: commandOf(a, ` --semantics ${r.semanticsArg} --property ${r.property}`),
        replay: `scopecheck replay ${file}`,
        scenario: { ...r.counterexample, name: `${r.property}-${semanticsDirName(r.semantics)}` },
        results: r.outcomes!.map((x) => x.result),
      };
      const text = `${JSON.stringify(body, null, 2)}\n`;
      if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileAtomic(file, text);
      saved.set(r, file);
    }
  const unexpected = rows.filter((c) => c.verdict !== c.expected);
  if (json) {
    io.out(
      JSON.stringify({
        seed: a.mode === 'random' ? a.seed : null,
        ...(a.mode === 'exhaustive' ? { bound: a.bound } : {}),
        results: rows.map((c) => ({
          property: c.property,
          semantics: c.semantics,
          verdict: c.verdict,
          expected: c.expected,
          counterexample: c.counterexample,
          runs: c.runs,
          ...(c.states !== undefined ? { states: c.states, complete: c.complete } : {}),
        })),
      }),
    );
    return unexpected.length ? 1 : 0;
  }
  const props = [...new Set(rows.map((r) => r.property))];
  const sems = [...new Set(rows.map((r) => r.semantics))];
  const cell = (p: string, s: string) => rows.find((r) => r.property === p && r.semantics === s);
  io.out(
    a.mode === 'random'
      ? `scopecheck check: seed ${a.seed}, up to ${a.runs} scenarios per cell, ${props.length} properties × ${sems.length} semantics`
      : `scopecheck check --exhaustive: every scenario within ${boundText(a.bound!)}, ${props.length} properties × ${sems.length} semantics`,
  );
  const allSems = a.semantics.join(' ') === BUILTIN_SEMANTICS.map((s) => s.name).join(' ');
  const allProps = a.properties.join(' ') === PROPERTIES.map((p) => p.name).join(' ');
  io.out(`replay this run: ${commandOf(a)}${allSems ? '' : ` --semantics ${a.semantics.join(' ')}`}${allProps ? '' : ` --property ${a.properties.join(' ')}`}\n`);
  const w = Math.max(...props.map((p) => p.length)) + 2;
  const cw = sems.map((s) => Math.max(11, s.length + 2));
  io.out(`${'property'.padEnd(w)}${sems.map((s, si) => s.padEnd(cw[si]!)).join('')}`.trimEnd());
  for (const p of props) io.out(`${p.padEnd(w)}${sems.map((s, si) => (cell(p, s) ? verdictCell(cell(p, s)!) : '-').padEnd(cw[si]!)).join('')}`.trimEnd());
  io.out(`\nholds = no counterexample; violated* = violated as expected (a documented gap or limitation); VIOLATED! / HOLDS! = unexpected`);
  if (a.mode === 'exhaustive') {
    io.out(`? = the exploration was cut short: not complete up to the bound`);
    for (const s of sems) {
      const r = rows.find((x) => x.semantics === s)!;
      io.out(`${s}: ${r.runs} scenarios checked, ${r.states} distinct states extended, ${rows.filter((x) => x.semantics === s).every((x) => x.complete) ? 'complete up to the bound' : 'NOT complete'}`);
    }
    io.out(`alphabet: ${ALPHABET}`);
    const skipped = PROPERTIES.filter((p) => a.properties.includes(p.name) && !LOCAL_PROPERTIES.includes(p.name)).map((p) => p.name);
    if (skipped.length) io.out(`not checked exhaustively (they compare a scenario with a variant of it; random mode checks them): ${skipped.join(', ')}`);
  }
  for (const c of rows) {
    if (!c.counterexample) continue;
    const how = a.mode === 'random' ? `${c.counterexample.steps.length} steps, shrunk from ${c.foundSize}; found after ${c.runs} scenarios` : `${c.counterexample.steps.length} steps, a shortest counterexample`;
    io.out(`\n── ${c.property} under ${c.semantics}: ${c.verdict === c.expected ? 'violated, as expected' : 'VIOLATED, unexpectedly'} (${how})`);
    io.out(`   ${c.violation!.message}`);
    io.out(renderOutcomes(c.counterexample, c.outcomes!));
    if (c.violation!.variant) io.out(`   compared with the variant: ${c.violation!.variant.label}`);
    const file = saved.get(c);
    if (file) io.out(`   saved: ${file}    replay: scopecheck replay ${file}`);
  }
  for (const c of unexpected.filter((x) => x.verdict === 'holds'))
    io.out(`\n── ${c.property} under ${c.semantics}: expected a violation, none found in ${c.runs} scenarios${a.mode === 'random' ? ' (try more --runs)' : ' (try a larger --bound)'}`);
  io.out(`\n${rows.length} cells, ${rows.length - unexpected.length} as expected, ${unexpected.length} unexpected`);
  return unexpected.length ? 1 : 0;
}

/** --junit and --html. */
function writeReports(a: RunArgs, rows: Row[], o: { junit?: string; html?: string; traces?: string }): void {
  const cells = rows as unknown as CellResult[];
  const meta = { seed: a.mode === 'random' ? a.seed : undefined, runs: a.mode === 'random' ? a.runs : undefined, command: commandOf(a) };
  if (o.junit) writeFileAtomic(o.junit, junitReport(cells, meta));
  if (!o.html) return;
  const dir = o.traces ?? (existsSync('traces') ? 'traces' : undefined);
  const kernels: KernelAgreement[] = dir
    ? diffSources(readTraceSources([dir]), undefined, undefined)
        .summary.filter((x) => x.traces > 0)
        .map((x) => ({ kernel: `${x.kernel} (${x.file})`, abi: x.abi, semantics: x.semantics, traces: x.traces, disagreements: x.disagreements }))
    : [];
  const saved = new Map<string, string>();
  for (const r of rows) if (r.counterexample && a.save) saved.set(`${r.property}/${r.semantics}`, counterexamplePath(a.out, r.semantics, r.property));
  writeFileAtomic(o.html, htmlReport(cells, { meta, kernels, saved }));
}

const SHARD_FORMAT = 'scopecheck-shard/1';

interface ShardFile {
  format: typeof SHARD_FORMAT;
  args: RunArgs;
  shard: { k: number; n: number };
  jobs: number;
  results: { index: number; result: JobResult }[];
}

interface CheckOpts {
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
    .addOption(new Option('-p, --property <name...>', `properties (default: all): ${PROPERTIES.map((p) => p.name).join(', ')}`))
    .addOption(intOption('-n, --runs <n>', `random mode: scenarios per property and semantics (default ${DEFAULT_RUNS})`, 1))
    .addOption(intOption('--seed <n>', `random mode: run seed (default ${DEFAULT_SEED})`))
    .addOption(intOption('--max-steps <n>', 'random mode: most generated actions per scenario (default 24)', 1))
    .option('--exhaustive', 'check every scenario within --bound, breadth-first (shortest counterexamples)')
    .option('--bound <spec>', `exhaustive bound (default ${boundText(DEFAULT_BOUND)})`)
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
      let bound: Bound | undefined;
      if (o.exhaustive) {
        try {
          bound = parseBound(o.bound ?? '', DEFAULT_BOUND);
        } catch (e) {
          throw new InputError(`--bound: ${(e as Error).message}`);
        }
      } else if (o.bound) throw new InputError('--bound goes with --exhaustive');
      const properties = o.property?.length ? o.property : PROPERTIES.map((p) => p.name);
      for (const n of properties) if (!propertyByName(n)) throw new InputError(`unknown property "${n}"; known: ${PROPERTIES.map((p) => p.name).join(', ')}`);
      const args: RunArgs = {
        mode: o.exhaustive ? 'exhaustive' : 'random',
        seed: o.seed ?? DEFAULT_SEED,
        runs: o.runs ?? DEFAULT_RUNS,
        maxSteps: o.maxSteps,
        bound,
        errata: o.errata,
        semantics: o.semantics?.length ? o.semantics : BUILTIN_SEMANTICS.map((s) => s.name),
        properties,
        out: o.out,
        save: o.save,
      };
      const p = await plan(args);
      const shard = o.shard ? parseShard(o.shard) : undefined;
      if (shard && !o.shardOut) throw new InputError('--shard needs --shard-out <file>');
      const mine = p.jobs.map((j, index) => ({ j, index })).filter((x) => inShard(x.index, shard));
      const t0 = performance.now();
      const progress = io.isTTY && !o.json ? (d: number) => io.err(`\r${d}/${mine.length} jobs`.padEnd(30)) : undefined;
      // Longest first: a cell expected to hold runs all its scenarios; one expected violated stops early.
      const cost = mine.map(({ j }) => {
        if (j.kind === 'unit') return 1;
        const sem = p.sems[args.semantics.indexOf(j.semantics)]!;
        return expectedVerdict(propertyByName(j.property)!, sem, args.errata ?? sem.errata) === 'holds' ? j.runs * (['layers-monotonic', 'fork-inherits'].includes(j.property) ? 2 : 1) : j.runs / 20;
      });
      const results = await runJobs(mine.map((x) => x.j), o.workers ?? defaultWorkers(), progress, cost);
      if (progress) io.err(`\r${' '.repeat(30)}\r`);
      const secs = (performance.now() - t0) / 1000;
      const work = results.reduce((s, r) => s + (r.kind === 'cell' ? r.cell.runs : r.unit.scenarios), 0);
      io.err(`checked ${work} scenarios in ${secs.toFixed(2)} s (${Math.round(work / secs)}/s) on ${Math.min(o.workers ?? defaultWorkers(), mine.length)} worker(s)`);
      if (shard) {
        const body: ShardFile = { format: SHARD_FORMAT, args, shard, jobs: p.jobs.length, results: mine.map((x, i) => ({ index: x.index, result: results[i]! })) };
        writeFileAtomic(o.shardOut!, JSON.stringify(body));
        io.out(`shard ${shard.k}/${shard.n}: ${mine.length} of ${p.jobs.length} jobs → ${o.shardOut}; combine with: scopecheck merge <all shard files>`);
        return;
      }
      const rows = rowsOf(p, results);
      setExit(report(args, rows, io, Boolean(o.json)));
      writeReports(args, rows, o);
    });

  program
    .command('merge')
    .description('combine the shard files of one `check --shard k/n` run into its verdicts, counterexamples and output')
    .argument('<shard...>', 'shard files')
    .option('--json', 'print one JSON object with every verdict')
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action(async (files: string[], o: { json?: boolean; junit?: string; html?: string }) => {
      const shards: ShardFile[] = files.map((f) => {
        let x: ShardFile;
        try {
          x = JSON.parse(readFileSync(f, 'utf8')) as ShardFile;
        } catch (e) {
          throw new InputError(`${f}: cannot read a shard file: ${(e as Error).message}`);
        }
        if (x.format !== SHARD_FORMAT) throw new InputError(`${f}: format: not a ${SHARD_FORMAT} file`);
        return x;
      });
      const args = shards[0]!.args;
      for (const [i, s] of shards.entries())
        if (JSON.stringify(s.args) !== JSON.stringify(args) || s.jobs !== shards[0]!.jobs)
          throw new InputError(`${files[i]}: args: this shard belongs to another run than ${files[0]}`);
      const all: (JobResult | undefined)[] = Array.from({ length: shards[0]!.jobs }, () => undefined);
      for (const s of shards) for (const r of s.results) all[r.index] = r.result;
      const missing = all.flatMap((r, i) => (r ? [] : [i]));
      if (missing.length) throw new InputError(`shards are missing ${missing.length} of ${all.length} jobs (give every shard k/n for k = 1..n)`);
      const p = await plan(args);
      const rows = rowsOf(p, all as JobResult[]);
      setExit(report(args, rows, io, Boolean(o.json)));
      writeReports(args, rows, o);
    });
}


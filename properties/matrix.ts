/**
 * The property × semantics matrix of `scopecheck check` as data: the arguments that define a run,
 * its jobs (random cells and exhaustive units, runnable anywhere and merged in job order), the
 * rows they give, the counterexample files and the report text. Pure: the CLI loads the
 * semantics, runs the jobs, writes the files and prints.
 */
import { COUNTEREXAMPLE_FORMAT, type CounterexampleFile } from '../format/counterexample.js';
import { renderOutcomes } from '../format/render.js';
import type { Scenario } from '../format/scenario.js';
import type { Semantics, Verdict } from '../model/hooks.js';
import { namedSemantics } from '../model/semantics/index.js';
import type { StepOutcome } from '../model/state.js';
import type { Extra } from './arbitrary.js';
import { SCENARIO_FORMAT } from '../format/scenario.js';
import { checkCell, recheck, withWitness, type CellResult } from './check.js';
import { shrinkScenario } from './shrink.js';
import { ALL_RULES, mergeWalks, runWalks, WALK_OPS, type WalksResult } from './simulate.js';
import { alphabetText, boundText, searchText, exploreUnit, mergeUnits, unitCount, type Bound, type UnitResult } from './exhaustive.js';
import { expectedVerdict, PROPERTIES, propertyByName, type PropertyDef, type Violation } from './invariants.js';

/** A unit of work that runs anywhere (inline, in a worker thread, on another machine via --shard) and always gives the same result. */
/** Finds a property by name: the built-ins and the user's (properties/user.ts). */
export type PropertyLookup = (name: string) => PropertyDef | undefined;

export type Job = (
  | { kind: 'cell'; property: string; semantics: string; errata?: number; seed: number; runs: number; maxActions?: number }
  | { kind: 'unit'; semantics: string; errata?: number; bound: Bound; unit: number; maxStates?: number; properties?: string[] }
  | { kind: 'walks'; semantics: string; errata?: number; seed: number; bound: Bound; from: number; to: number; depth: number; swarm: boolean; properties: string[] }
) & {
  /** Modules of user properties the job's properties may come from (loaded where the job runs). */
  propertyModules?: string[];
};

export type JobResult = { kind: 'cell'; cell: CellResult } | { kind: 'unit'; unit: UnitResult } | { kind: 'walks'; walks: WalksResult };

/** Runs a job with its semantics already loaded. */
export function runJobWith(j: Job, sem: Semantics, lookup: PropertyLookup = propertyByName): JobResult {
  const prop = (n: string) => {
    const p = lookup(n);
    if (!p) throw new Error(`unknown property ${n} in a job`); // internal: the plan resolved every name
    return p;
  };
  if (j.kind === 'cell')
    return { kind: 'cell', cell: checkCell(prop(j.property), sem, { seed: j.seed, runs: j.runs, errata: j.errata, maxActions: j.maxActions }) };
  if (j.kind === 'walks') {
    const properties = j.properties.map(prop);
    return { kind: 'walks', walks: runWalks(sem, j.from, j.to, { seed: j.seed, depth: j.depth, bound: j.bound, swarm: j.swarm, errata: j.errata, properties }) };
  }
  const properties = j.properties?.map(prop);
  return { kind: 'unit', unit: exploreUnit(sem, j.bound, j.unit, { errata: j.errata, maxStates: j.maxStates, properties }) };
}

/** Walks per job of a simulation: jobs small enough for two workers to finish together. */
export const WALKS_PER_JOB = 250;

/** Properties checked exhaustively: the state-local ones (a metamorphic one compares a scenario with a variant). */
export const exhaustiveProperties = (props: readonly PropertyDef[]) => props.filter((p) => p.kind === 'state-local');

export function semanticsDirName(name: string): string {
  return name.replace(/^.*[/\\]/, '').replace(/[^A-Za-z0-9._+=-]/g, '_');
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
  /** Simulation: the walk a counterexample came from, its op kinds (swarm), steps walked, the deepest walk, the decision rules exercised. */
  sim?: { walk: number | null; ops: string[] | null; steps: number; maxDepth: number; coverage: Record<string, number> };
  /** Exhaustive mode: distinct states explored for the semantics, and whether the verdict is complete up to the bound. */
  states?: number;
  /** Exhaustive mode: the probability that the memos took two keys for one (0 with --exact; properties/fingerprint.ts). */
  collisions?: number;
  complete?: boolean;
}

/** Everything that defines a run; shards of one run must agree on it. */
export interface RunArgs {
  mode: 'random' | 'exhaustive' | 'simulate';
  /** Simulation: walks, their depth, swarm testing. */
  walks?: number;
  depth?: number;
  swarm?: boolean;
  seed: number;
  runs: number;
  maxSteps?: number;
  bound?: Bound;
  errata?: number;
  semantics: string[];
  properties: string[];
  /** Modules of user properties (--property ./mine.ts). */
  propertyModules?: string[];
  out: string;
  save: boolean;
}

export interface Plan {
  args: RunArgs;
  sems: Semantics[];
  props: PropertyDef[];
  jobs: Job[];
}

/** The jobs of a run, with its semantics loaded by the caller (in the order of args.semantics). */
export function plan(args: RunArgs, sems: Semantics[], lookup: PropertyLookup = propertyByName): Plan {
  const props = args.properties.map((n) => lookup(n)!);
  const mods = args.propertyModules?.length ? { propertyModules: args.propertyModules } : {};
  const jobs: Job[] = [];
  if (args.mode === 'random') {
    for (const si of sems.keys())
      for (const p of props)
        jobs.push({ kind: 'cell', property: p.name, semantics: args.semantics[si]!, errata: args.errata, seed: args.seed, runs: args.runs, maxActions: args.maxSteps, ...mods });
  } else if (args.mode === 'simulate') {
    const local = exhaustiveProperties(props).map((p) => p.name);
    for (const si of sems.keys())
      for (let from = 0; from < args.walks!; from += WALKS_PER_JOB)
        jobs.push({ kind: 'walks', semantics: args.semantics[si]!, errata: args.errata, seed: args.seed, bound: args.bound!, from, to: Math.min(args.walks!, from + WALKS_PER_JOB), depth: args.depth!, swarm: args.swarm !== false, properties: local, ...mods });
  } else {
    const local = exhaustiveProperties(props).map((p) => p.name);
    for (const [si, sem] of sems.entries()) {
      const n = unitCount(sem, args.bound!);
      for (let u = 0; u < n; u++) jobs.push({ kind: 'unit', semantics: args.semantics[si]!, errata: args.errata, bound: args.bound!, unit: u, properties: local, ...mods });
    }
  }
  return { args, sems, props, jobs };
}

export function rowsOf(p: Plan, results: readonly JobResult[]): Row[] {
  const { args, sems, props } = p;
  if (args.mode === 'random')
    return results.map((r, i) => {
      const c = (r as Extract<JobResult, { kind: 'cell' }>).cell;
      const si = Math.floor(i / props.length);
      return { ...c, semanticsArg: args.semantics[si]!, errata: args.errata ?? sems[si]!.errata };
    });
  const rows: Row[] = [];
  if (args.mode === 'simulate') {
    const perSem = Math.ceil(args.walks! / WALKS_PER_JOB);
    for (const [si, sem] of sems.entries()) {
      const m = mergeWalks(results.slice(si * perSem, (si + 1) * perSem).map((r) => (r as Extract<JobResult, { kind: 'walks' }>).walks));
      const errata = args.errata ?? sem.errata;
      for (const pr of exhaustiveProperties(props)) {
        const f = m.found[pr.name];
        const base = { property: pr.name, semantics: sem.name, semanticsArg: args.semantics[si]!, errata, expected: expectedVerdict(pr, sem, errata), runs: args.walks!, cellSeed: null, extra: f ? { pos: 0, who: 0, profile: 0, pick: 0 } : null };
        const sim = { walk: f?.walk ?? null, ops: f?.ops ?? null, steps: m.steps, maxDepth: m.maxDepth, coverage: m.coverage };
        if (!f) {
          rows.push({ ...base, verdict: 'holds', counterexample: null, violation: null, outcomes: null, foundSize: null, sim });
          continue;
        }
        // Walks are scenarios: shrunk with the project's shrinker, judged by the same property.
        const zero = { pos: 0, who: 0, profile: 0, pick: 0 };
        const start: Scenario = { format: SCENARIO_FORMAT, steps: f.steps };
        const small = shrinkScenario(start, (x) => recheck(pr, sem, x, zero, args.errata).violation !== null);
        const shrunk = withWitness(small, recheck(pr, sem, small, zero, args.errata).violation, sem, args.errata);
        const { outcomes, violation } = recheck(pr, sem, shrunk, zero, args.errata);
        rows.push({ ...base, verdict: 'violated', counterexample: shrunk, violation, outcomes, foundSize: f.steps.length, sim });
      }
    }
    return rows;
  }
  let at = 0;
  for (const [si, sem] of sems.entries()) {
    const n = unitCount(sem, args.bound!);
    const units = results.slice(at, at + n).map((r) => (r as Extract<JobResult, { kind: 'unit' }>).unit);
    at += n;
    const local = exhaustiveProperties(props);
    const m = mergeUnits(sem, args.bound!, units, { properties: local, errata: args.errata });
    for (const pr of props) {
      const c = m.cells.find((x) => x.property === pr.name);
      if (!c) continue; // history-dependent properties are checked in random mode only
      rows.push({ ...c, semanticsArg: args.semantics[si]!, errata: args.errata ?? sem.errata, runs: m.scenarios, states: m.states, collisions: m.collisions, extra: c.counterexample ? { pos: 0, who: 0, profile: 0, pick: 0 } : null, cellSeed: null, foundSize: c.counterexample?.steps.length ?? null });
    }
  }
  return rows;
}

export function verdictCell(r: Row): string {
  const inc = r.complete === false && r.verdict === 'holds' ? '?' : '';
  if (r.verdict === r.expected) return (r.verdict === 'holds' ? 'holds' : 'violated*') + inc;
  return r.verdict === 'holds' ? `HOLDS!${inc}` : 'VIOLATED!';
}

export function commandOf(a: RunArgs, extra = ''): string {
  const parts = ['scopecheck check'];
  if (a.mode === 'exhaustive') parts.push(`--exhaustive --bound ${boundText(a.bound!)}${searchText(a.bound!)}`);
  else if (a.mode === 'simulate')
    parts.push(`--simulate --seed ${a.seed} --walks ${a.walks} --depth ${a.depth} --bound ${boundText(a.bound!).replace(/,steps=\d+$/, '')}${a.swarm === false ? ' --no-swarm' : ''}`);
  else parts.push(`--seed ${a.seed} --runs ${a.runs}${a.maxSteps ? ` --max-steps ${a.maxSteps}` : ''}`);
  if (a.errata !== undefined) parts.push(`--errata ${a.errata}`);
  return parts.join(' ') + extra;
}


/** The summary's note of a fingerprinted run: the chance that its memos took two keys for one. */
const collisionText = (p: number) => (p > 0 ? ` (collision probability ≤ ${p < 1e-3 ? p.toExponential(1) : p.toFixed(3)})` : '');
const builtin = (name: string) => PROPERTIES.some((p) => p.name === name);
const builtinSemanticsName = (name: string) => namedSemantics(name) !== undefined;

/** The counterexample file of a row (scopecheck-counterexample/1). */
export function counterexampleFile(a: RunArgs, r: Row, file: string): CounterexampleFile {
  return {
    format: COUNTEREXAMPLE_FORMAT,
    property: r.property,
    semantics: r.semanticsArg,
    errata: r.errata,
    seed: a.mode === 'exhaustive' ? 0 : a.seed,
    cellSeed: r.cellSeed ?? 0,
    runs: r.runs,
    expected: r.expected,
    extra: r.extra!,
    violation: { step: r.violation!.step, message: r.violation!.message },
    check: commandOf(a, ` --semantics ${r.semanticsArg} --property ${builtin(r.property) ? r.property : (a.propertyModules ?? []).join(' ')}`),
    replay: `scopecheck replay ${file}${builtinSemanticsName(r.semanticsArg) ? '' : ` --semantics ${r.semanticsArg}`}${builtin(r.property) ? '' : ` --property ${(a.propertyModules ?? []).join(' ')}`}`,
    scenario: { ...r.counterexample!, name: `${r.property}-${semanticsDirName(r.semantics)}` },
    results: r.outcomes!.map((x) => x.result),
  };
}

/** Per semantics, how often each decision rule was exercised (0 for the rules not reached). */
function coverageBySemantics(rows: readonly Row[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) if (r.sim && !out[r.semantics]) out[r.semantics] = Object.fromEntries(ALL_RULES.map((k) => [k, r.sim!.coverage[k] ?? 0]).concat(Object.entries(r.sim.coverage).filter(([k]) => !ALL_RULES.includes(k))));
  return out;
}

/** The JSON report of `check --json`. */
export function jsonReport(a: RunArgs, rows: readonly Row[]): object {
  return {
    seed: a.mode === 'exhaustive' ? null : a.seed,
    ...(a.mode === 'exhaustive' ? { bound: a.bound } : {}),
    ...(a.mode === 'simulate' ? { walks: a.walks, depth: a.depth, swarm: a.swarm !== false, coverage: coverageBySemantics(rows) } : {}),
    results: rows.map((c) => ({
      property: c.property,
      semantics: c.semantics,
      verdict: c.verdict,
      expected: c.expected,
      counterexample: c.counterexample,
      runs: c.runs,
      ...(c.states !== undefined ? { states: c.states, collisions: c.collisions, complete: c.complete } : {}),
      ...(c.sim ? { walk: c.sim.walk, ops: c.sim.ops, steps: c.sim.steps, maxDepth: c.sim.maxDepth } : {}),
    })),
  };
}

/** The text report: the matrix, every counterexample step by step, the summary. `saved`: where each row's counterexample was written. */
export function textReport(a: RunArgs, rows: readonly Row[], saved: ReadonlyMap<Row, string>, all: { semantics: readonly string[]; props: readonly PropertyDef[] }): string[] {
  const out: string[] = [];
  const unexpected = rows.filter((c) => c.verdict !== c.expected);
  const props = [...new Set(rows.map((r) => r.property))];
  const sems = [...new Set(rows.map((r) => r.semantics))];
  const cell = (p: string, s: string) => rows.find((r) => r.property === p && r.semantics === s);
  out.push(
    a.mode === 'random'
      ? `scopecheck check: seed ${a.seed}, up to ${a.runs} scenarios per cell, ${props.length} properties × ${sems.length} semantics`
      : a.mode === 'simulate'
        ? `scopecheck check --simulate: seed ${a.seed}, ${a.walks} random walks of up to ${a.depth} steps per semantics within ${boundText(a.bound!).replace(/,steps=\d+$/, '')}${a.swarm === false ? '' : ' (swarm: each walk leaves out a random subset of op kinds)'}, ${props.length} properties × ${sems.length} semantics`
        : `scopecheck check --exhaustive: every scenario within ${boundText(a.bound!)}${searchText(a.bound!)}, ${props.length} properties × ${sems.length} semantics`,
  );
  const allSems = a.semantics.join(' ') === all.semantics.join(' ');
  const allProps = a.properties.join(' ') === PROPERTIES.map((p) => p.name).join(' ');
  const propArgs = a.propertyModules?.length ? [...a.properties.filter((n) => PROPERTIES.some((p) => p.name === n)), ...a.propertyModules] : a.properties;
  out.push(`replay this run: ${commandOf(a)}${allSems ? '' : ` --semantics ${a.semantics.join(' ')}`}${allProps ? '' : ` --property ${propArgs.join(' ')}`}\n`);
  const w = Math.max(...props.map((p) => p.length)) + 2;
  const cw = sems.map((s) => Math.max(11, s.length + 2));
  out.push(`${'property'.padEnd(w)}${sems.map((s, si) => s.padEnd(cw[si]!)).join('')}`.trimEnd());
  for (const p of props) out.push(`${p.padEnd(w)}${sems.map((s, si) => (cell(p, s) ? verdictCell(cell(p, s)!) : '-').padEnd(cw[si]!)).join('')}`.trimEnd());
  out.push(`\nholds = no counterexample; violated* = violated as expected (a documented gap or limitation); VIOLATED! / HOLDS! = unexpected`);
  if (a.mode === 'exhaustive') {
    out.push(`? = the exploration was cut short: not complete up to the bound`);
    for (const s of sems) {
      const r = rows.find((x) => x.semantics === s)!;
      out.push(`${s}: ${r.runs} scenarios checked, ${r.states} distinct states extended, ${rows.filter((x) => x.semantics === s).every((x) => x.complete) ? 'complete up to the bound' : 'NOT complete'}${collisionText(r.collisions ?? 0)}`);
    }
    if (!a.bound!.exact) out.push(`states and check keys are kept as 96-bit fingerprints (properties/fingerprint.ts): the probability above is that of two taken for one, which could hide a state; --exact keeps the keys themselves`);
    out.push(`alphabet${a.bound!.alphabet === 'v1' ? ' v1' : ''}: ${alphabetText(a.bound!.alphabet)}`);
    const skipped = all.props.filter((p) => p.kind !== 'state-local').map((p) => p.name);
    if (skipped.length) out.push(`not checked exhaustively (they compare a scenario with a variant of it; random mode checks them): ${skipped.join(', ')}`);
  }
  if (a.mode === 'simulate') {
    for (const s of sems) {
      const r = rows.find((x) => x.semantics === s)!;
      out.push(`${s}: ${r.runs} walks, ${r.sim!.steps} steps, the deepest ${r.sim!.maxDepth} steps`);
    }
    out.push(`ops walked: ${WALK_OPS.join(', ')}`);
    const skipped = all.props.filter((p) => p.kind !== 'state-local').map((p) => p.name);
    if (skipped.length) out.push(`not checked by simulation (they compare a scenario with a variant of it; random mode checks them): ${skipped.join(', ')}`);
    out.push('\ncoverage: how often each decision rule was exercised (0 = the walks never reached it)');
    const cov = coverageBySemantics(rows);
    const keys = [...new Set(Object.values(cov).flatMap((c) => Object.keys(c)))];
    const kw = Math.max(...keys.map((k) => k.length)) + 2;
    out.push(`${'rule'.padEnd(kw)}${sems.map((s, si) => s.padEnd(cw[si]!)).join('')}`.trimEnd());
    for (const k of keys) out.push(`${k.padEnd(kw)}${sems.map((s, si) => String(cov[s]?.[k] ?? 0).padEnd(cw[si]!)).join('')}`.trimEnd());
  }
  for (const c of rows) {
    if (!c.counterexample) continue;
    const how =
      a.mode === 'random'
        ? `${c.counterexample.steps.length} steps, shrunk from ${c.foundSize}; found after ${c.runs} scenarios`
        : a.mode === 'simulate'
          ? `${c.counterexample.steps.length} steps, shrunk from ${c.foundSize}; walk ${c.sim!.walk} (replay it: ${commandOf(a, ` --semantics ${c.semanticsArg} --walk ${c.sim!.walk}`)}), ops ${c.sim!.ops!.join(',')}`
          : `${c.counterexample.steps.length} steps, a shortest counterexample`;
    out.push(`\n── ${c.property} under ${c.semantics}: ${c.verdict === c.expected ? 'violated, as expected' : 'VIOLATED, unexpectedly'} (${how})`);
    out.push(`   ${c.violation!.message}`);
    out.push(renderOutcomes(c.counterexample, c.outcomes!));
    if (c.violation!.variant) out.push(`   compared with the variant: ${c.violation!.variant.label}`);
    const file = saved.get(c);
    if (file) out.push(`   saved: ${file}    replay: scopecheck replay ${file}`);
  }
  for (const c of unexpected.filter((x) => x.verdict === 'holds'))
    out.push(`\n── ${c.property} under ${c.semantics}: expected a violation, none found in ${c.runs} scenarios${a.mode === 'random' ? ' (try more --runs)' : ' (try a larger --bound)'}`);
  out.push(`\n${rows.length} cells, ${rows.length - unexpected.length} as expected, ${unexpected.length} unexpected`);
  return out;
}

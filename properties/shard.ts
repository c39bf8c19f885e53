/**
 * Shard files (scopecheck-shard/1): the results of slice k of n of a `check` run, to be merged.
 * They travel between machines, so a shard file is data to check, not to trust: its schema is
 * validated, every result must be the one its job asks for, and every counterexample in it is
 * evaluated again here (its outcomes and its violation are recomputed; a claimed violation that
 * does not reproduce is an input error). Pure.
 */
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { parseScenario, SCENARIO_FORMAT } from '../format/scenario.js';
import { MAX_GENERATED, MAX_SOCKETS, MAX_STEPS, MAX_TASKS } from '../ops/limits.js';
import { OPS } from '../ops/index.js';
import { ALL_RULES } from './simulate.js';
import { expectedVerdict } from './invariants.js';
import type { Semantics } from '../model/hooks.js';
import { recheck } from './check.js';
import type { Job, JobResult, Plan, PropertyLookup, RunArgs } from './matrix.js';
import { propertyByName } from './invariants.js';

export const SHARD_FORMAT = 'scopecheck-shard/1';

/** More jobs than any run has (77 cells; a few thousand units or walk chunks). */
const MAX_JOBS = 1_000_000;

const int = z.number().int().min(0);
const verdict = z.enum(['holds', 'violated']);
const extra = z.strictObject({ pos: int, who: int, profile: int, pick: int });
const bound = z.strictObject({ tasks: int.min(1).max(MAX_TASKS), layers: int.max(16), sockets: int.max(MAX_SOCKETS), steps: int.min(1).max(64), alphabet: z.enum(['v1', '1.1']).optional(), por: z.literal(false).optional(), exact: z.literal(true).optional() });

// The same limits as the command line's (cli/cmd-check.ts): a shard file cannot ask for more work.
const argsSchema = z.strictObject({
  mode: z.enum(['random', 'exhaustive', 'simulate']),
  walks: int.max(MAX_GENERATED).optional(),
  depth: int.max(100_000).optional(),
  swarm: z.boolean().optional(),
  seed: z.number().int(),
  runs: int.max(MAX_GENERATED),
  maxSteps: int.max(MAX_STEPS).optional(),
  bound: bound.optional(),
  errata: int.optional(),
  semantics: z.array(z.string().min(1).max(4096)).min(1).max(64),
  properties: z.array(z.string().min(1).max(64)).min(1).max(256),
  propertyModules: z.array(z.string().min(1).max(4096)).optional(),
  out: z.string(),
  save: z.boolean(),
});

const cell = z.object({
  property: z.string(),
  semantics: z.string(),
  verdict,
  expected: verdict,
  runs: int,
  cellSeed: z.number().int(),
  counterexample: z.unknown().nullable(),
  extra: extra.nullable(),
  foundSize: int.nullable(),
});

const unit = z.object({
  unit: int,
  scenarios: int,
  states: int,
  reached: int,
  memoHits: int,
  collisions: z.number().min(0).max(1),
  capped: z.boolean(),
  found: z.record(z.string(), z.object({ depth: int, steps: z.array(z.unknown()) })),
});

const walks = z.object({
  from: int,
  to: int,
  steps: int,
  maxDepth: int,
  found: z.record(z.string(), z.object({ walk: int, steps: z.array(z.unknown()), ops: z.array(z.string()) })),
  coverage: z.record(z.string(), int),
});

export const shardSchema = z.strictObject({
  format: z.literal(SHARD_FORMAT, { error: `must be "${SHARD_FORMAT}"` }),
  args: argsSchema,
  shard: z.strictObject({ k: z.number().int().min(1), n: z.number().int().min(1) }),
  jobs: int.max(MAX_JOBS),
  results: z.array(
    z.strictObject({
      index: int,
      result: z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('cell'), cell }),
        z.strictObject({ kind: z.literal('unit'), unit }),
        z.strictObject({ kind: z.literal('walks'), walks }),
      ]),
    }),
  ),
});

export interface ShardFile {
  format: typeof SHARD_FORMAT;
  args: RunArgs;
  shard: { k: number; n: number };
  jobs: number;
  results: { index: number; result: JobResult }[];
}

/** The shard file's own structure (not yet its results' meaning). */
export function parseShard(raw: unknown, file: string): { args: RunArgs; shard: { k: number; n: number }; jobs: number; results: { index: number; result: unknown }[] } {
  const results = (raw as { results?: unknown } | null)?.results;
  if (Array.isArray(results) && results.length > MAX_JOBS) throw new InputError(`${file}: results: ${results.length} results; a run has at most ${MAX_JOBS} jobs`);
  const r = shardSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InputError(`${file}: ${i.path.join('.') || '(file)'}: ${i.message}${r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : ''}`);
  }
  return r.data as ReturnType<typeof parseShard>;
}

/**
 * The results of a shard file as the plan's jobs ask for them, each counterexample evaluated again
 * under its semantics. `sems` is in the order of plan.args.semantics.
 */
export function reviveResults(file: string, plan: Plan, sems: readonly Semantics[], results: readonly { index: number; result: unknown }[], lookup: PropertyLookup = propertyByName): { index: number; result: JobResult }[] {
  const { args } = plan;
  const seen = new Set<number>();
  return results.map(({ index, result }) => {
    if (seen.has(index)) throw new InputError(`${file}: results: job ${index} appears twice`);
    seen.add(index);
    const where = `${file}: results.${index}`;
    const job: Job | undefined = plan.jobs[index];
    if (!job) throw new InputError(`${where}: index: the run has ${plan.jobs.length} jobs`);
    const sem = sems[args.semantics.indexOf(job.semantics)]!;
    const r = result as JobResult;
    if (r.kind !== job.kind) throw new InputError(`${where}: kind: job ${index} is a${job.kind === 'unit' ? 'n exhaustive unit' : ' random cell'}`);
    if (r.kind === 'cell' && job.kind === 'cell') {
      const c = r.cell;
      const p = lookup(job.property)!;
      if (c.property !== job.property || c.semantics !== sem.name) throw new InputError(`${where}: cell: job ${index} checks ${job.property} under ${sem.name}`);
      // What can be recomputed is: the expected verdict, the bound on runs, a counterexample for a violation.
      const expected = expectedVerdict(p, sem, args.errata ?? sem.errata);
      if (c.expected !== expected) throw new InputError(`${where}: cell.expected: ${p.name} under ${sem.name} is expected to be ${expected}`);
      if (c.runs > job.runs) throw new InputError(`${where}: cell.runs: the job ran at most ${job.runs} scenarios`);
      if ((c.verdict === 'violated') !== (c.counterexample !== null)) throw new InputError(`${where}: cell: a violation comes with a counterexample, and only a violation does`);
      if (c.counterexample === null) return { index, result: { kind: 'cell', cell: { ...c, violation: null, outcomes: null } } };
      const scenario = parseScenario(c.counterexample, `${where}.cell.counterexample`);
      const { outcomes, violation } = recheck(p, sem, scenario, c.extra ?? { pos: 0, who: 0, profile: 0, pick: 0 }, args.errata);
      if (!violation) throw new InputError(`${where}: cell.counterexample: does not violate ${p.name} under ${sem.name}`);
      return { index, result: { kind: 'cell', cell: { ...c, counterexample: scenario, violation, outcomes } } };
    }
    if (r.kind === 'unit' && job.kind === 'unit') {
      const u = r.unit;
      if (u.unit !== job.unit) throw new InputError(`${where}: unit: job ${index} explores unit ${job.unit}`);
      const found: typeof u.found = {};
      for (const [name, f] of Object.entries(u.found)) {
        const p = lookup(name);
        if (!p || !(job.properties ?? []).includes(name)) throw new InputError(`${where}: unit.found.${name}: not a property of this job`);
        const scenario = parseScenario({ format: SCENARIO_FORMAT, steps: f.steps }, `${where}.unit.found.${name}`);
        const { outcomes, violation } = recheck(p, sem, scenario, { pos: 0, who: 0, profile: 0, pick: 0 }, args.errata);
        if (!violation) throw new InputError(`${where}: unit.found.${name}: does not violate ${name} under ${sem.name}`);
        found[name] = { depth: f.depth, steps: scenario.steps, violation, outcomes };
      }
      return { index, result: { kind: 'unit', unit: { ...u, found } } };
    }
    if (r.kind === 'walks' && job.kind === 'walks') {
      const w = r.walks;
      if (w.from !== job.from || w.to !== job.to) throw new InputError(`${where}: walks: job ${index} takes walks ${job.from} to ${job.to}`);
      const found: typeof w.found = {};
      for (const k of Object.keys(w.coverage)) if (!ALL_RULES.includes(k) && !/^af_unix: E[A-Z0-9]{1,20} before any hook$/.test(k)) throw new InputError(`${where}: walks.coverage: not a decision rule`);
      for (const [name, f] of Object.entries(w.found)) {
        if (f.walk < job.from || f.walk >= job.to || f.ops.some((op) => !(OPS as readonly string[]).includes(op))) throw new InputError(`${where}: walks.found.${name}: not a walk of this job`);
        const p = lookup(name);
        if (!p || !job.properties.includes(name)) throw new InputError(`${where}: walks.found.${name}: not a property of this job`);
        const scenario = parseScenario({ format: SCENARIO_FORMAT, steps: f.steps }, `${where}.walks.found.${name}`);
        const { violation } = recheck(p, sem, scenario, { pos: 0, who: 0, profile: 0, pick: 0 }, args.errata);
        if (!violation) throw new InputError(`${where}: walks.found.${name}: does not violate ${name} under ${sem.name}`);
        found[name] = { walk: f.walk, steps: scenario.steps, ops: f.ops, violation };
      }
      return { index, result: { kind: 'walks', walks: { ...w, found } } };
    }
    throw new InputError(`${where}: kind: does not match job ${index}`);
  });
}

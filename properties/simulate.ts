/**
 * Simulation (`check --simulate`): seeded random walks over the transition relation, as TLC's
 * -simulate and Quint's `run` do. Each walk starts from the initial world and takes up to `depth`
 * steps, each drawn uniformly among the successors the exhaustive search would enumerate in the
 * current state (properties/exhaustive.ts `successors`, within the bound's task, layer and socket
 * limits; the bound's step limit does not apply: walks go deeper than any bound). Every
 * state-local property is checked on every step of every walk.
 *
 * Randomness: walk k of a run draws from seedrandom's Alea generator seeded with the run seed, the
 * semantics and k, so a walk replays alone (`--walk k`) and a run split over workers or shards
 * gives the same result. Swarm testing (Groce et al., ISSTA 2012): each walk may leave out a
 * random subset of the op kinds, so that rare combinations get long runs.
 *
 * Pure: no I/O.
 */
import seedrandom from 'seedrandom';
import { SCENARIO_FORMAT, type Scenario, type Step } from '../format/scenario.js';
import { isUnixDecision, type Semantics } from '../model/hooks.js';
import { newWorld, type StepOutcome } from '../model/state.js';
import { step as applyStep } from '../ops/engine.js';
import { OPS, REGISTRY, type Op } from '../ops/index.js';
import { cellSeed } from './check.js';
import { successors, type Bound } from './exhaustive.js';
import { PROPERTIES, type PropertyDef, type Violation } from './invariants.js';

export const DEFAULT_WALKS = 500;
export const DEFAULT_DEPTH = 250;

/** The op kinds a walk may take: those of the exhaustive alphabet. */
export const WALK_OPS: readonly Op[] = OPS.filter((op) => REGISTRY[op].exhaustive !== null);

export interface WalkOptions {
  seed: number;
  depth: number;
  bound: Bound;
  /** Leave out a random subset of op kinds per walk (swarm testing). */
  swarm: boolean;
  errata?: number;
  properties?: readonly PropertyDef[];
}

export interface Walk {
  index: number;
  /** The op kinds this walk may use (all of WALK_OPS without swarm). */
  ops: Op[];
  steps: Step[];
  outcomes: StepOutcome[];
}

/** The seed of walk k of a run (FNV-1a over the run seed, the semantics and k, as cells are seeded). */
export const walkSeed = (seed: number, semantics: string, k: number): number => cellSeed(seed, `walk:${k}`, semantics);

/** Walk k: deterministic in (seed, semantics name, k, depth, bound, swarm). */
export function walk(sem: Semantics, k: number, o: WalkOptions): Walk {
  const rng = seedrandom.alea(String(walkSeed(o.seed, sem.name, k)));
  const pick = (n: number) => Math.floor(rng() * n);
  // Swarm: every op kind is kept with probability 1/2 (at least one is kept).
  let ops = [...WALK_OPS];
  if (o.swarm) {
    ops = WALK_OPS.filter(() => rng() < 0.5);
    if (!ops.length) ops = [WALK_OPS[pick(WALK_OPS.length)]!];
  }
  const allowed = new Set<string>(ops);
  const w = newWorld(sem, o.errata ?? sem.errata);
  const steps: Step[] = [];
  const outcomes: StepOutcome[] = [];
  for (let d = 0; d < o.depth; d++) {
    const next = successors(w, sem, o.bound).filter((s) => allowed.has(s.op));
    if (!next.length) break;
    const st = next[pick(next.length)]!;
    steps.push(st);
    outcomes.push(applyStep(w, st));
  }
  return { index: k, ops, steps, outcomes };
}

/** The decision rules the model applies, by hook: what a coverage report counts. */
export function rulesOf(o: StepOutcome): string[] {
  const out: string[] = [];
  for (const d of o.decisions ?? []) {
    if (d.hook === 'file_set_fowner') out.push(d.recorded ? 'file_set_fowner: domain recorded' : 'file_set_fowner: nothing recorded');
    else if (d.denial) out.push(`${d.hook}: denied (${d.denial.mechanism})`);
    else if (d.hook === 'file_send_sigiotask' && !d.ctx.recorded) out.push('file_send_sigiotask: allowed (nothing recorded)');
    else if (d.hook === 'file_send_sigiotask' && d.ctx.recorded?.exemptOwnProcess && d.ctx.targetInOwnerProcess) out.push("file_send_sigiotask: allowed (owner's own process)");
    else if (isUnixDecision(d) && d.hook === 'unix_may_send' && d.ctx.isPeer) out.push('unix_may_send: allowed (connected peer exemption)');
    else if (d.hook === 'task_kill' && d.ctx.sameThreadGroup) out.push('task_kill: allowed (same thread group)');
    else out.push(`${d.hook}: allowed`);
  }
  if (!o.decisions?.length && o.reach && o.result !== 'ok') out.push(`af_unix: ${o.result} before any hook`);
  return out;
}

/** Every rule a coverage report lists, reached or not. */
export const ALL_RULES = [
  'unix_find: allowed',
  'unix_find: denied (resolve_unix)',
  'unix_stream_connect: allowed',
  'unix_stream_connect: denied (abstract_unix_socket)',
  'unix_stream_connect: denied (pathname_unix_socket)',
  'unix_may_send: allowed',
  'unix_may_send: allowed (connected peer exemption)',
  'unix_may_send: denied (abstract_unix_socket)',
  'unix_may_send: denied (pathname_unix_socket)',
  'task_kill: allowed',
  'task_kill: allowed (same thread group)',
  'task_kill: denied (signal)',
  'file_set_fowner: domain recorded',
  'file_set_fowner: nothing recorded',
  'file_send_sigiotask: allowed',
  'file_send_sigiotask: allowed (nothing recorded)',
  "file_send_sigiotask: allowed (owner's own process)",
  'file_send_sigiotask: denied (signal)',
  'ptrace_access_check: allowed',
  'ptrace_access_check: denied (ptrace)',
  'ptrace_traceme: allowed',
  'ptrace_traceme: denied (ptrace)',
];

export interface SimFinding {
  walk: number;
  /** The walk up to and including the violating step. */
  steps: Step[];
  ops: Op[];
  violation: Violation;
}

export interface WalksResult {
  from: number;
  to: number;
  steps: number;
  maxDepth: number;
  /** First violation per property, by the lowest walk index. */
  found: Record<string, SimFinding>;
  coverage: Record<string, number>;
}

/** Walks [from, to) under one semantics, every state-local property checked on each. */
export function runWalks(sem: Semantics, from: number, to: number, o: WalkOptions): WalksResult {
  const props = o.properties ?? PROPERTIES.filter((p) => p.kind === 'state-local');
  const found: Record<string, SimFinding> = {};
  const coverage: Record<string, number> = {};
  let steps = 0;
  let maxDepth = 0;
  const ev = (x: Scenario) => {
    const w = newWorld(sem, o.errata ?? sem.errata);
    return x.steps.map((s) => applyStep(w, s));
  };
  for (let k = from; k < to; k++) {
    const wk = walk(sem, k, o);
    steps += wk.steps.length;
    maxDepth = Math.max(maxDepth, wk.steps.length);
    for (const out of wk.outcomes) for (const r of rulesOf(out)) coverage[r] = (coverage[r] ?? 0) + 1;
    const remaining = props.filter((p) => !found[p.name]);
    if (!remaining.length) continue;
    const scenario: Scenario = { format: SCENARIO_FORMAT, steps: wk.steps };
    for (const p of remaining) {
      // State-local: the first violating step is decided by the steps before it; the walk is cut there.
      const v = p.check({ scenario, sem, outcomes: wk.outcomes, extra: { pos: 0, who: 0, profile: 0, pick: 0 }, evaluate: ev });
      if (v) found[p.name] = { walk: k, steps: wk.steps.slice(0, v.step + 1), ops: wk.ops, violation: v };
    }
  }
  return { from, to, steps, maxDepth, found, coverage };
}

/** Merges results of any split of the walks: the same whatever the split. */
export function mergeWalks(results: readonly WalksResult[]): WalksResult {
  const sorted = [...results].sort((a, b) => a.from - b.from);
  const found: Record<string, SimFinding> = {};
  const coverage: Record<string, number> = {};
  for (const r of sorted) {
    for (const [p, f] of Object.entries(r.found)) if (!found[p] || f.walk < found[p]!.walk) found[p] = f;
    for (const [k, n] of Object.entries(r.coverage)) coverage[k] = (coverage[k] ?? 0) + n;
  }
  return {
    from: sorted[0]?.from ?? 0,
    to: sorted[sorted.length - 1]?.to ?? 0,
    steps: sorted.reduce((a, r) => a + r.steps, 0),
    maxDepth: Math.max(0, ...sorted.map((r) => r.maxDepth)),
    found,
    coverage,
  };
}

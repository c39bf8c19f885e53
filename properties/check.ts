/**
 * Runs the property × semantics matrix with fast-check: one cell per pair, each with its own seed
 * derived from the run seed, so that any cell replays alone. Pure: no I/O, no clock.
 */
import fc from 'fast-check';
import { structuralErrors, type Scenario } from '../format/scenario.js';
import { evaluate } from '../ops/engine.js';
import type { Semantics, Verdict } from '../model/semantics/types.js';
import type { StepOutcome } from '../model/state.js';
import { buildScenario, genInputArb, profilesOf, type Extra, type GenInput } from './arbitrary.js';
import { shrinkScenario } from './shrink.js';
import { expectedVerdict, reachesOf, type PropertyDef, type Violation } from './invariants.js';
import { processes } from '../ops/index.js';

export const DEFAULT_SEED = 20261128;
export const DEFAULT_RUNS = 10000;

export interface CellOptions {
  seed: number;
  runs: number;
  errata?: number;
  maxActions?: number;
}

export interface CellResult {
  property: string;
  semantics: string;
  verdict: Verdict;
  expected: Verdict;
  /** Scenarios tried (fast-check runs, up to the first failure). */
  runs: number;
  /** The seed of this cell (derived from the run seed). */
  cellSeed: number;
  counterexample: Scenario | null;
  violation: Violation | null;
  outcomes: StepOutcome[] | null;
  extra: Extra | null;
  /** Steps of the first failing scenario, before any shrinking. */
  foundSize: number | null;
}

/** FNV-1a over a string: the seed of one cell, from the run seed and the cell's names. */
export function cellSeed(seed: number, property: string, semantics: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of `${property}\u0000${semantics}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h | 0;
}

function violationOf(p: PropertyDef, sem: Semantics, s: Scenario, extra: Extra, errata: number | undefined) {
  const ev = (x: Scenario) => evaluate(x, sem, errata === undefined ? {} : { errata });
  const outcomes = ev(s);
  return { outcomes, violation: p.check({ scenario: s, sem, outcomes, extra, evaluate: ev }) };
}

/** Checks one property under one semantics. */
export function checkCell(p: PropertyDef, sem: Semantics, o: CellOptions): CellResult {
  const errata = o.errata ?? sem.errata;
  const seed = cellSeed(o.seed, p.name, sem.name);
  const expected = expectedVerdict(p, sem, errata);
  const arb = genInputArb({ maxActions: o.maxActions });
  const errataOpt = o.errata;
  const profiles = profilesOf(sem);
  // The first failing input, before fast-check shrinks it (the predicate also runs while shrinking).
  let found: Scenario | null = null;
  const r = fc.check(
    fc.property(arb, (g: GenInput) => {
      const s = buildScenario(g.actions, profiles);
      const ok = violationOf(p, sem, s, g.extra, errataOpt).violation === null;
      if (!ok) found ??= s;
      return ok;
    }),
    { seed, numRuns: o.runs },
  );
  const base = { property: p.name, semantics: sem.name, expected, cellSeed: seed };
  if (!r.failed || !r.counterexample) {
    return { ...base, verdict: 'holds', runs: r.numRuns, counterexample: null, violation: null, outcomes: null, extra: null, foundSize: null };
  }
  const g = r.counterexample[0];
  const extra = g.extra;
  const shrunk = buildScenario(g.actions, profiles);
  const fails = (x: Scenario) => violationOf(p, sem, x, extra, errataOpt).violation !== null;
  const small = shrinkScenario(shrunk, fails);
  const minimal = withWitness(small, violationOf(p, sem, small, extra, errataOpt).violation, sem, errataOpt);
  const { outcomes, violation } = violationOf(p, sem, minimal, extra, errataOpt);
  return {
    ...base,
    verdict: 'violated',
    runs: r.numRuns,
    counterexample: minimal,
    violation,
    outcomes,
    extra,
    foundSize: (found ?? shrunk).steps.length,
  };
}

/**
 * The counterexample with its violation's witness step (an await_signal of the signal's
 * recipient) inserted after the violating step, when it has one and the result is valid: the
 * results then show what the property saw, on the model and on a kernel.
 */
export function withWitness(s: Scenario, v: Violation | null, sem: Semantics, errata?: number): Scenario {
  const ev = (x: Scenario) => evaluate(x, sem, errata === undefined ? {} : { errata });
  const w = v?.witness;
  if (!v || !w || w.op !== 'await_signal') return s;
  const insert = (at: number): Scenario => ({ ...s, steps: [...s.steps.slice(0, at), w, ...s.steps.slice(at)] });
  const x = insert(v.step + 1);
  if (structuralErrors(x).length) return s;
  // The witness shows the violation only if nothing else decides its result: the signal was not
  // pending before the step, and every copy of it the step sent to that process (several group
  // members' threads, several parent-death senders) was decided alike.
  const before = insert(v.step);
  if (!structuralErrors(before).length && ev(before)[v.step]!.result === 'ok') return s;
  const { procOf } = processes(s.steps);
  const proc = procOf.get(w.by);
  const o = ev(s)[v.step]!;
  const copies = reachesOf(o, s.steps[v.step]).filter((r) => r.reach.kind === 'signal' && r.signal === w.signal && procOf.get(r.reach.targetName) === proc);
  if (new Set(copies.map((r) => r.ok)).size > 1) return s;
  return x;
}

/** Re-checks a recorded counterexample: the violation, or null if the property now holds on it. */
export function recheck(p: PropertyDef, sem: Semantics, s: Scenario, extra: Extra, errata?: number) {
  return violationOf(p, sem, s, extra, errata);
}

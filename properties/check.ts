/**
 * Runs the property × semantics matrix with fast-check: one cell per pair, each with its own seed
 * derived from the run seed, so that any cell replays alone. Pure: no I/O, no clock.
 */
import fc from 'fast-check';
import { structuralErrors, type Scenario, type Step } from '../format/scenario.js';
import { evaluate } from '../model/engine.js';
import type { Semantics, Verdict } from '../model/semantics/types.js';
import type { StepOutcome } from '../model/state.js';
import { buildScenario, genInputArb, type Extra, type GenInput } from './arbitrary.js';
import { expectedVerdict, type PropertyDef, type Violation } from './invariants.js';

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
  /** Steps of the scenario fast-check first found, before shrinking. */
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

/** Renames tasks (P0 kept) and sockets to P1, P2 … / T… / s0, s1 … in order of appearance. */
export function canonicalNames(s: Scenario): Scenario {
  const tasks = new Map<string, string>([['P0', 'P0']]);
  const socks = new Map<string, string>();
  let nt = 1;
  const task = (n: string, thread = false) => {
    if (!tasks.has(n)) tasks.set(n, `${thread ? 'T' : 'P'}${nt++}`);
    return tasks.get(n)!;
  };
  const sock = (n: string) => {
    if (!socks.has(n)) socks.set(n, `s${socks.size}`);
    return socks.get(n)!;
  };
  const steps = s.steps.map((st): Step => {
    const x = { ...st, by: task(st.by) } as Step;
    switch (x.op) {
      case 'fork':
        return { ...x, child: task(x.child) };
      case 'thread':
        return { ...x, child: task(x.child, true) };
      case 'socketpair':
        return { ...x, socks: [sock(x.socks[0]), sock(x.socks[1])] };
      case 'socket':
      case 'bind':
      case 'listen':
      case 'connect':
      case 'sendto':
      case 'send':
      case 'close':
        return { ...x, sock: sock(x.sock) };
      case 'pass':
        return { ...x, sock: sock(x.sock), to: task(x.to) };
      case 'kill':
      case 'tgkill':
        return { ...x, target: task(x.target) };
      default:
        return x;
    }
  });
  return { ...s, steps };
}

/** Greedy step deletion: drop any step whose removal keeps the scenario valid and failing. */
export function minimizeSteps(s: Scenario, fails: (x: Scenario) => boolean): Scenario {
  let cur = s;
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = cur.steps.length - 1; i >= 0; i--) {
      const cand: Scenario = { ...cur, steps: cur.steps.filter((_, j) => j !== i) };
      if (structuralErrors(cand).length === 0 && fails(cand)) {
        cur = cand;
        changed = true;
      }
    }
  }
  const named = canonicalNames(cur);
  return fails(named) ? named : cur;
}

/** Checks one property under one semantics. */
export function checkCell(p: PropertyDef, sem: Semantics, o: CellOptions): CellResult {
  const errata = o.errata ?? sem.errata;
  const seed = cellSeed(o.seed, p.name, sem.name);
  const expected = expectedVerdict(p, sem, errata);
  const arb = genInputArb({ maxActions: o.maxActions });
  const errataOpt = o.errata;
  const r = fc.check(
    fc.property(arb, (g: GenInput) => violationOf(p, sem, buildScenario(g.actions, sem), g.extra, errataOpt).violation === null),
    { seed, numRuns: o.runs },
  );
  const base = { property: p.name, semantics: sem.name, expected, cellSeed: seed };
  if (!r.failed || !r.counterexample) {
    return { ...base, verdict: 'holds', runs: r.numRuns, counterexample: null, violation: null, outcomes: null, extra: null, foundSize: null };
  }
  const g = r.counterexample[0];
  const extra = g.extra;
  const shrunk = buildScenario(g.actions, sem);
  const fails = (x: Scenario) => violationOf(p, sem, x, extra, errataOpt).violation !== null;
  const minimal = minimizeSteps(shrunk, fails);
  const { outcomes, violation } = violationOf(p, sem, minimal, extra, errataOpt);
  return {
    ...base,
    verdict: 'violated',
    runs: r.numRuns,
    counterexample: minimal,
    violation,
    outcomes,
    extra,
    foundSize: shrunk.steps.length,
  };
}

/** Re-checks a recorded counterexample: the violation, or null if the property now holds on it. */
export function recheck(p: PropertyDef, sem: Semantics, s: Scenario, extra: Extra, errata?: number) {
  return violationOf(p, sem, s, extra, errata);
}

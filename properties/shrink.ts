/**
 * The one shrinking engine: every search that found a failing scenario (a property violation in
 * `check`, a class of disagreement in `compare`, a kernel disagreement in `fuzz`) shrinks it here.
 *
 * A shrinker is a generator of candidate batches: it yields candidates and is told the index of
 * the first that still fails (-1: none). The same shrinker runs with a synchronous oracle (the
 * model: candidates are tried one by one, stopping at the first that fails) or with a batched
 * asynchronous one (a kernel: a whole batch runs in one replayer run or one boot), as fast-check's
 * `runIt` and `asyncRunIt` share one RunnerIterator.
 *
 * Phases: the generator input, with fast-check's own shrinker (only where the search ran outside
 * fast-check's runner); greedy step deletion; the canonical names.
 */
import type fc from 'fast-check';
import { structuralErrors, type Scenario } from '../format/scenario.js';
import { renameStep } from '../ops/index.js';

/** Yields candidate batches, receives the index of the first failing candidate (-1: none), returns the result. */
export type Shrinker<T> = Generator<Scenario[], T, number>;

/** Runs a shrinker with a per-candidate predicate (in order, stopping at the first that fails). */
export function runSync<T>(shrinker: Shrinker<T>, fails: (s: Scenario) => boolean): T {
  let r = shrinker.next();
  while (!r.done) r = shrinker.next(r.value.findIndex(fails));
  return r.value;
}

/** Runs a shrinker with a batch oracle: the index of the first failing candidate of a batch, or -1. */
export async function runAsync<T>(shrinker: Shrinker<T>, firstFailing: (batch: Scenario[]) => Promise<number>): Promise<T> {
  let r = shrinker.next();
  while (!r.done) r = shrinker.next(r.value.length ? await firstFailing(r.value) : -1);
  return r.value;
}

/** Renames tasks (P0 kept) and sockets to P1, P2 … / T… / s0, s1 … in order of appearance. */
export function canonicalNames(s: Scenario): Scenario {
  const tasks = new Map<string, string>([['P0', 'P0']]);
  const socks = new Map<string, string>();
  let nt = 1;
  const task = (n: string, role: string) => {
    if (!tasks.has(n)) tasks.set(n, `${role === 'newThread' ? 'T' : 'P'}${nt++}`);
    return tasks.get(n)!;
  };
  const sock = (n: string) => {
    if (!socks.has(n)) socks.set(n, `s${socks.size}`);
    return socks.get(n)!;
  };
  return { ...s, steps: s.steps.map((st) => renameStep(st, task, sock)) };
}

/**
 * Greedy step deletion: drop any step whose removal keeps the scenario valid and failing, from the
 * last step to the first, again until no step can go; then the canonical names if they still fail.
 * A batch holds every deletion from the current position down, in the order they are tried.
 */
export function* scenarioShrinker(s: Scenario): Shrinker<Scenario> {
  let cur = s;
  let changed = true;
  while (changed) {
    changed = false;
    let i = cur.steps.length - 1;
    while (i >= 0) {
      const at: number[] = [];
      const cands: Scenario[] = [];
      for (let j = i; j >= 0; j--) {
        const c: Scenario = { ...cur, steps: cur.steps.filter((_, k) => k !== j) };
        if (structuralErrors(c).length === 0) {
          cands.push(c);
          at.push(j);
        }
      }
      if (!cands.length) break;
      const hit = yield cands;
      if (hit < 0) break;
      cur = cands[hit]!;
      changed = true;
      i = at[hit]! - 1;
    }
  }
  const named = canonicalNames(cur);
  return (yield [named]) === 0 ? named : cur;
}

/**
 * fast-check's shrinker over a generator input (without context, as recorded inputs have none),
 * `perRound` candidates a round, each built into a scenario; then the scenario phases.
 */
export function* inputShrinker<I>(arb: fc.Arbitrary<I>, start: I, build: (input: I) => Scenario, perRound = 96): Shrinker<{ input: I; scenario: Scenario; rounds: number }> {
  let cur = start;
  let rounds = 0;
  while (arb.canShrinkWithoutContext(cur)) {
    const cands: I[] = [];
    for (const v of arb.shrink(cur, undefined)) {
      cands.push(v.value);
      if (cands.length >= perRound) break;
    }
    if (!cands.length) break;
    rounds++;
    const hit = yield cands.map(build);
    if (hit < 0) break;
    cur = cands[hit]!;
  }
  const counted = countRounds(scenarioShrinker(build(cur)));
  const scenario = yield* counted.shrinker;
  return { input: cur, scenario, rounds: rounds + counted.rounds() };
}

function countRounds<T>(inner: Shrinker<T>): { shrinker: Shrinker<T>; rounds: () => number } {
  let n = 0;
  function* wrap(): Shrinker<T> {
    let r = inner.next();
    while (!r.done) {
      n++;
      r = inner.next(yield r.value);
    }
    return r.value;
  }
  return { shrinker: wrap(), rounds: () => n };
}

/** Shrinks a failing scenario with the model as the oracle. */
export const shrinkScenario = (s: Scenario, fails: (x: Scenario) => boolean): Scenario => runSync(scenarioShrinker(s), fails);

/**
 * Bounded exhaustive checking: every scenario within a bound (tasks, layers, sockets, steps),
 * breadth-first so that each violation found is a shortest one.
 *
 * Reductions, all sound for the state-local properties (a violation is decided by one step's
 * outcome, which depends only on the state before it, and no property depends on names):
 * - symmetry of names: a new task or socket always takes the next name in creation order, so
 *   scenarios that differ only by renaming are generated once; and the state key lists tasks and
 *   sockets by their own state before their creation order, so worlds that differ only by which of
 *   two like tasks (or sockets) did something are one state;
 * - repeated states (which also covers steps that commute, and steps that change nothing, such
 *   as a denied connect or any kill): a scenario whose resulting state was already reached at the
 *   same or a smaller depth is checked but not extended.
 * Exploration is split into units, one per first step; each unit has its own memo, so a run split
 * over workers or machines (--shard) explores exactly the same scenarios and merges to the same
 * verdicts.
 */
import { SCENARIO_FORMAT, type Scenario, type Step } from '../format/scenario.js';
import type { Address, SocketType } from '../model/uapi.js';
import { OPS, REGISTRY, opOf } from '../ops/index.js';
import type { RestrictFields, SuccessorContext } from '../ops/types.js';
import { numLayers } from '../model/domain.js';
import type { Semantics, Verdict } from '../model/hooks.js';
import { step as applyStep } from '../ops/engine.js';
import { cloneWorld, canonicalKey } from '../model/snapshot.js';
import { cloneAuditState } from '../model/audit.js';
import { newWorld, type StepOutcome, type World } from '../model/state.js';
import { fullSandbox } from './arbitrary.js';
import { expectedVerdict, PROPERTIES, type PropertyDef, type Violation } from './invariants.js';

export interface Bound {
  tasks: number;
  layers: number;
  sockets: number;
  steps: number;
}

export const DEFAULT_BOUND: Bound = { tasks: 3, layers: 2, sockets: 2, steps: 5 };

/** Properties decided by one step's outcome: exhaustive mode is complete for them up to the bound. */
const localProperties = () => PROPERTIES.filter((p) => p.kind === 'state-local');

export function parseBound(text: string, base: Bound = DEFAULT_BOUND): Bound {
  const b = { ...base };
  for (const part of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(tasks|layers|sockets|steps)=(\d+)$/.exec(part);
    if (!m) throw new Error(`bad bound "${part}": expected tasks=N, layers=N, sockets=N or steps=N`);
    b[m[1] as keyof Bound] = Number(m[2]);
  }
  if (b.tasks < 1 || b.steps < 1) throw new Error('the bound needs tasks >= 1 and steps >= 1');
  return b;
}

export const boundText = (b: Bound) => `tasks=${b.tasks},layers=${b.layers},sockets=${b.sockets},steps=${b.steps}`;

const ADDRS: Address[] = [{ abstract: 'a' }, { pathname: 'p' }];
const TYPES: SocketType[] = ['stream', 'dgram'];

/** The restrict_self profiles exhaustive mode tries: every restriction the semantics offers, one scope at a time, and a filesystem-only ("other") domain. */
const profileCache = new WeakMap<Semantics, RestrictFields[]>();
function profiles(sem: Semantics): RestrictFields[] {
  let p = profileCache.get(sem);
  if (!p) profileCache.set(sem, (p = [fullSandbox(sem), { scoped: ['abstract_unix_socket'] }, { scoped: ['signal'] }, { handled_fs: ['read_dir'] }]));
  return p;
}

/** The ops with an exhaustive alphabet, in registry order. */
const ALPHABET_OPS = OPS.filter((op) => REGISTRY[op].exhaustive !== null);

/**
 * The alphabet of exhaustive mode, from each op's `exhaustive` (ops/*.ts); the others (exit, close,
 * pass, socketpair, mkdir; seqpacket sockets, rules and TSYNC) are left to random mode. "Complete
 * up to the bound" is over this alphabet.
 */
export const ALPHABET = ALPHABET_OPS.map((op) => REGISTRY[op].exhaustive!.label).join(', ');

const SUCCESSORS = ALPHABET_OPS.map((op) => REGISTRY[op].exhaustive!.successors as (ctx: SuccessorContext) => Step[]);

/** Every step of the alphabet that may follow in world `w` within the bound (names are positional: the next fresh one). */
export function successors(w: World, sem: Semantics, b: Bound): Step[] {
  const out: Step[] = [];
  const tasks = [...w.tasks.values()];
  const room = tasks.length < b.tasks;
  const nSock = w.sockets.size;
  const prof = profiles(sem);
  const nextTask = room ? `P${tasks.length}` : null;
  const nextThread = room ? `T${tasks.length}` : null;
  const nextSock = nSock < b.sockets ? `s${nSock}` : null;
  for (const t of tasks) {
    if (!t.proc.alive) continue;
    const ctx: SuccessorContext = { w, tasks, profiles: prof, addrs: ADDRS, types: TYPES, t, nextTask, nextThread, nextSock, canAddLayer: numLayers(t.domain) < b.layers };
    for (const f of SUCCESSORS) for (const st of f(ctx)) out.push(st);
  }
  return out;
}

export interface ExhaustiveCell {
  property: string;
  semantics: string;
  verdict: Verdict;
  expected: Verdict;
  /** Complete up to the bound (a state-local property, and no state cap hit). */
  complete: boolean;
  counterexample: Scenario | null;
  violation: Violation | null;
  outcomes: StepOutcome[] | null;
}

export interface UnitResult {
  unit: number;
  scenarios: number;
  /** Distinct states reached by scenarios shorter than the bound (the ones extended). */
  states: number;
  capped: boolean;
  /** First violation per property in this unit (BFS order), with its depth. */
  found: Record<string, { depth: number; steps: Step[]; violation: Violation; outcomes: StepOutcome[] }>;
}

interface Node {
  parent: Node | null;
  step: Step | null;
  depth: number;
  /** Held only while the node is being expanded (the frontier keeps paths, not worlds). */
  world: World | null;
  outcome: StepOutcome | null;
}

const stepsOf = (n: Node): Step[] => {
  const s: Step[] = [];
  for (let x: Node | null = n; x && x.step; x = x.parent) s.push(x.step);
  return s.reverse();
};
const outcomesOf = (n: Node): StepOutcome[] => {
  const o: StepOutcome[] = [];
  for (let x: Node | null = n; x && x.outcome; x = x.parent) o.push(x.outcome);
  return o.reverse();
};

export interface ExploreOptions {
  /** Properties to check (default: the state-local ones). */
  properties?: readonly PropertyDef[];
  errata?: number;
  /** Stop a unit after this many distinct states (the result is then not complete). */
  maxStates?: number;
}

/** The units of a run: one per first step. */
export function unitCount(sem: Semantics, b: Bound): number {
  return successors(newWorld(sem), sem, b).length;
}

/** Explores one unit (all scenarios starting with the unit's first step). */
export function exploreUnit(sem: Semantics, b: Bound, unit: number, o: ExploreOptions = {}): UnitResult {
  const props = o.properties ?? localProperties();
  const errata = o.errata ?? sem.errata;
  const root = newWorld(sem, errata);
  const first = successors(root, sem, b)[unit]!;
  const found: UnitResult['found'] = {};
  const seen = new Set<string>();
  let scenarios = 0;
  let capped = false;
  const maxStates = o.maxStates ?? Infinity;
  const rootNode: Node = { parent: null, step: null, depth: 0, world: root, outcome: null };
  let frontier: Node[] = [];
  const visit = (parent: Node, st: Step): Node | null => {
    // A step that changes nothing in the model (a ptrace check) is evaluated on the parent's world:
    // no copy, no new state — but for what logging counts, which is the step's own.
    const readOnly = opOf(st).readOnly;
    const w = readOnly ? { ...parent.world!, audit: cloneAuditState(parent.world!.audit) } : cloneWorld(parent.world!);
    const outcome = applyStep(w, st);
    const node: Node = { parent, step: st, depth: parent.depth + 1, world: w, outcome };
    scenarios++;
    // Only a step that reached something, was denied, or asked a hook can break a local property.
    const relevant = outcome.reach !== undefined || outcome.denial !== undefined || outcome.decisions !== undefined;
    const remaining = relevant ? props.filter((p) => !found[p.name]) : [];
    if (remaining.length) {
      const steps = stepsOf(node);
      const scenario: Scenario = { format: SCENARIO_FORMAT, steps };
      const outcomes = outcomesOf(node);
      const ev = (x: Scenario) => {
        const ww = newWorld(sem, errata);
        return x.steps.map((s) => applyStep(ww, s));
      };
      for (const p of remaining) {
        const v = p.check({ scenario, sem, outcomes, extra: { pos: 0, who: 0, profile: 0, pick: 0 }, evaluate: ev });
        if (v) found[p.name] = { depth: node.depth, steps, violation: v, outcomes };
      }
    }
    // Nothing extends a scenario of the bound's length: it is checked, and not remembered.
    if (readOnly || node.depth >= b.steps) return null;
    const key = canonicalKey(w);
    if (seen.has(key)) return null;
    if (seen.size >= maxStates) {
      capped = true;
      return null;
    }
    seen.add(key);
    return node;
  };
  seen.add(canonicalKey(root));
  const n1 = visit(rootNode, first);
  if (n1) frontier.push(n1);
  while (frontier.length && frontier[0]!.depth < b.steps) {
    const next: Node[] = [];
    for (const n of frontier) {
      // Rebuild the node's world from its path: the frontier then costs a few bytes per node.
      if (!n.world) {
        const w = newWorld(sem, errata);
        for (const st of stepsOf(n)) applyStep(w, st);
        n.world = w;
      }
      for (const st of successors(n.world, sem, b)) {
        const c = visit(n, st);
        if (c) {
          c.world = null;
          next.push(c);
        }
      }
      n.world = null; // expanded: free it
    }
    frontier = next;
  }
  return { unit, scenarios, states: seen.size, capped, found };
}

/** Merges unit results (from any workers or shards) into per-property verdicts, deterministically. */
export function mergeUnits(sem: Semantics, b: Bound, units: readonly UnitResult[], o: ExploreOptions = {}): { cells: ExhaustiveCell[]; scenarios: number; states: number; capped: boolean } {
  const props = o.properties ?? localProperties();
  const errata = o.errata ?? sem.errata;
  const sorted = [...units].sort((x, y) => x.unit - y.unit);
  const capped = sorted.some((u) => u.capped);
  const cells = props.map((p): ExhaustiveCell => {
    let best: UnitResult['found'][string] | undefined;
    for (const u of sorted) {
      const f = u.found[p.name];
      if (f && (!best || f.depth < best.depth)) best = f;
    }
    const expected = expectedVerdict(p, sem, errata);
    const complete = p.kind === 'state-local' && !capped;
    return best
      ? { property: p.name, semantics: sem.name, verdict: 'violated', expected, complete, counterexample: { format: SCENARIO_FORMAT, steps: best.steps }, violation: best.violation, outcomes: best.outcomes }
      : { property: p.name, semantics: sem.name, verdict: 'holds', expected, complete, counterexample: null, violation: null, outcomes: null };
  });
  return { cells, scenarios: sorted.reduce((a, u) => a + u.scenarios, 0), states: sorted.reduce((a, u) => a + u.states, 0), capped };
}

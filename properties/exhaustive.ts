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
 *   same or a smaller depth is checked but not extended; the key leaves out the details no op of
 *   the alphabet reads (OpDef.observes);
 * - with `por` (the default; --no-por is the full search): sleep sets over the ops' footprints; a
 *   step is checked only where the path lies in the past it reads from (causallyClosed), and not
 *   taken on the last level otherwise; the last level is checked while the one before it is
 *   expanded; and a check memo: a step whose check key (the step and the part of the world it
 *   reads, checkKey) was checked at the same or a smaller depth is not checked again, nor taken on
 *   the last level. A state counts as extended when some step is taken from it.
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
import { cloneWorld, canonicalForm, canonicalKey, projection, type StateDetail } from '../model/snapshot.js';
import { conflicts, keyInert, selectionOf, type Footprint } from '../ops/footprint.js';
import { cloneAuditState } from '../model/audit.js';
import { ExactTable, FingerprintTable, type KeyTable } from './fingerprint.js';
import { newWorld, type Sock, type StepOutcome, type Task, type World } from '../model/state.js';
import { fullSandbox } from './arbitrary.js';
import { expectedVerdict, PROPERTIES, type PropertyDef, type Violation } from './invariants.js';

export interface Bound {
  tasks: number;
  layers: number;
  sockets: number;
  steps: number;
  /** The alphabet (default '1.1': every op with exhaustive successors; 'v1': the version-1 ops only). */
  alphabet?: AlphabetName;
  /** The reductions beyond the state memo (sleep sets, the read-from past, the check memo); default on. */
  por?: boolean;
  /** Memos of keys' strings instead of 96-bit fingerprints (properties/fingerprint.ts); default off. */
  exact?: boolean;
}

/** The alphabets of exhaustive mode: 'v1', the ops of format version 1 (as before format 1.1); '1.1', every op with exhaustive successors. */
export const ALPHABETS = ['v1', '1.1'] as const;
export type AlphabetName = (typeof ALPHABETS)[number];

export const DEFAULT_BOUND: Bound = { tasks: 3, layers: 2, sockets: 2, steps: 5 };

/** Properties decided by one step's outcome: exhaustive mode is complete for them up to the bound. */
const localProperties = () => PROPERTIES.filter((p) => p.kind === 'state-local');

export function parseBound(text: string, base: Bound = DEFAULT_BOUND): Bound {
  const b = { ...base };
  for (const part of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(tasks|layers|sockets|steps)=(\d+)$/.exec(part);
    if (!m) throw new Error(`bad bound "${part}": expected tasks=N, layers=N, sockets=N or steps=N`);
    b[m[1] as 'tasks' | 'layers' | 'sockets' | 'steps'] = Number(m[2]);
  }
  if (b.tasks < 1 || b.steps < 1) throw new Error('the bound needs tasks >= 1 and steps >= 1');
  return b;
}

export const boundText = (b: Bound) => `tasks=${b.tasks},layers=${b.layers},sockets=${b.sockets},steps=${b.steps}`;
/** The search options that differ from the defaults, as the command line gives them (" --alphabet v1 --no-por"; "" by default). */
export const searchText = (b: Bound) => `${b.alphabet === 'v1' ? ' --alphabet v1' : ''}${b.por === false ? ' --no-por' : ''}${b.exact ? ' --exact' : ''}`;

const ADDRS: Address[] = [{ abstract: 'a' }, { pathname: 'p' }];
const TYPES: SocketType[] = ['stream', 'dgram'];

/** The restrict_self profiles exhaustive mode tries: every restriction the semantics offers, one scope at a time, and a filesystem-only ("other") domain. */
const profileCache = new WeakMap<Semantics, RestrictFields[]>();
function profiles(sem: Semantics): RestrictFields[] {
  let p = profileCache.get(sem);
  if (!p) profileCache.set(sem, (p = [fullSandbox(sem), { scoped: ['abstract_unix_socket'] }, { scoped: ['signal'] }, { handled_fs: ['read_dir'] }]));
  return p;
}

/** The ops of format version 1 (docs/scenario-format.md): the 'v1' alphabet is theirs, as exhaustive mode had it before format 1.1. */
const V1_OPS: ReadonlySet<string> = new Set(['socket', 'socketpair', 'bind', 'listen', 'connect', 'sendto', 'send', 'close', 'pass', 'fork', 'thread', 'exit', 'restrict_self', 'kill', 'tgkill', 'mkdir']);

/** The ops of an alphabet with exhaustive successors, in registry order. */
const alphabetOps = (a: AlphabetName) => OPS.filter((op) => REGISTRY[op].exhaustive !== null && (a === '1.1' || V1_OPS.has(op)));

/**
 * The alphabet of exhaustive mode, from each op's `exhaustive` (ops/*.ts); the others (exit, close,
 * pass, socketpair, mkdir; seqpacket sockets, rules and TSYNC) are left to random mode. "Complete
 * up to the bound" is over this alphabet.
 */
export const alphabetText = (a: AlphabetName = '1.1'): string => alphabetOps(a).map((op) => REGISTRY[op].exhaustive!.label).join(', ');
export const ALPHABET = alphabetText('1.1');

/** The hidden details some op of an alphabet reads (OpDef.observes): what its state key keeps. */
const DETAILS: Record<AlphabetName, ReadonlySet<StateDetail>> = {
  v1: new Set(alphabetOps('v1').flatMap((op) => REGISTRY[op].observes)),
  '1.1': new Set(alphabetOps('1.1').flatMap((op) => REGISTRY[op].observes)),
};
/** The state key of exhaustive mode for an alphabet (model/snapshot.ts canonicalKey without the details it never reads). */
export const stateKey = (w: World, a: AlphabetName = '1.1'): string => canonicalKey(w, DETAILS[a]);

type Successors = ((ctx: SuccessorContext) => Step[])[];
const successorsOf = (a: AlphabetName, asking: boolean): Successors =>
  alphabetOps(a)
    .filter((op) => !asking || REGISTRY[op].exhaustive!.asks)
    .map((op) => REGISTRY[op].exhaustive!.successors as (ctx: SuccessorContext) => Step[]);
const SUCCESSORS: Record<AlphabetName, Successors> = { v1: successorsOf('v1', false), '1.1': successorsOf('1.1', false) };
/** Only the ops that may ask a hook (ExhaustiveDef.asks): the steps worth checking where nothing follows them. */
const ASKING: Record<AlphabetName, Successors> = { v1: successorsOf('v1', true), '1.1': successorsOf('1.1', true) };

/**
 * Every step of the alphabet that may follow in world `w` within the bound (names are positional:
 * the next fresh one); with `asking`, only those of ops that may ask a hook.
 */
export function successors(w: World, sem: Semantics, b: Bound, asking = false): Step[] {
  const out: Step[] = [];
  const tasks = [...w.tasks.values()];
  const room = tasks.length < b.tasks;
  const nSock = w.sockets.size;
  const prof = profiles(sem);
  const nextTask = room ? `P${tasks.length}` : null;
  const nextThread = room ? `T${tasks.length}` : null;
  const nextSock = nSock < b.sockets ? `s${nSock}` : null;
  const succ = (asking ? ASKING : SUCCESSORS)[b.alphabet ?? '1.1'];
  for (const t of tasks) {
    if (!t.proc.alive) continue;
    const ctx: SuccessorContext = { w, tasks, profiles: prof, addrs: ADDRS, types: TYPES, t, nextTask, nextThread, nextSock, canAddLayer: numLayers(t.domain) < b.layers };
    for (const f of succ) for (const st of f(ctx)) out.push(st);
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
  /** Distinct states extended: reached by a scenario shorter than the bound, and some step taken from them. */
  states: number;
  /** Distinct states reached by scenarios shorter than the bound (the root included): the memo's size. */
  reached: number;
  /** Checks the check memo answered (steps not checked again: a step with the same check key was). */
  memoHits: number;
  /** The probability that the unit's memos took two keys for one (properties/fingerprint.ts; 0 with exact memos). */
  collisions: number;
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
  /** Partial-order reduction: the steps not to take from here (sleep set), in this node's names. */
  sleep: readonly Sleeper[];
  /** Partial-order reduction: the footprint of the step that led here, in the parent's world. */
  fp: Footprint | null;
}

/** A step in a sleep set: taking it here would only reach what an explored sibling's subtree reaches. */
interface Sleeper {
  readonly step: Step;
  readonly fp: Footprint;
  /** The step's JSON cut at the names of tasks and sockets it mentions (`refs`): canonOf writes them canonically. */
  parts: readonly string[] | null;
  refs: readonly string[] | null;
}

/** A state of the level being built, while its node waits there: the node, and the names of its world in canonical order (tasks, then sockets) for its sleep set. */
interface Entry {
  pending: Node;
  order: readonly string[] | null;
}

const NO_SLEEP: readonly Sleeper[] = [];


/** The names of a world's tasks and sockets by their place in the canonical key's order: the same in worlds with equal keys. */
function canonNames(order: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < order.length; i++) m.set(order[i]!, `#${i}`);
  return m;
}
const canonOrder = (tasks: readonly Task[], socks: readonly Sock[]): string[] => {
  const o: string[] = [];
  for (const t of tasks) o.push(t.name);
  for (const x of socks) o.push(x.name);
  return o;
};

/** The sleep set of a child reached by a step of footprint `f`: the parent's sleepers and explored siblings independent of it. */
function childSleep(f: Footprint, sleep: readonly Sleeper[], explored: readonly Sleeper[]): readonly Sleeper[] {
  if (f.global) return NO_SLEEP;
  let out: Sleeper[] | null = null;
  for (const z of sleep) if (!conflicts(f, z.fp)) (out ??= []).push(z);
  for (const z of explored) if (!conflicts(f, z.fp)) (out ??= []).push(z);
  return out ?? NO_SLEEP;
}

/**
 * The canonical form of a sleeper's step: its JSON with canonical names (a fresh name, of a task or
 * socket that does not exist yet, is the same in isomorphic worlds). The JSON is cut at its strings
 * once; names never change along a path.
 */
function canonOf(names: Map<string, string>, z: Sleeper): string {
  if (!z.parts) {
    const refs: string[] = [];
    const cut = JSON.stringify(z.step, (k, v: unknown) => {
      if (typeof v === 'string' && k !== 'op') {
        refs.push(v);
        return '\u0000';
      }
      return v;
    });
    z.parts = refs.length ? cut.split('\u0000') : [cut];
    z.refs = refs;
  }
  const parts = z.parts;
  const refs = z.refs!;
  if (!refs.length) return parts[0]!;
  let s = parts[0]!;
  for (let i = 0; i < refs.length; i++) s += (names.get(refs[i]!) ?? refs[i]!) + parts[i + 1]!;
  return s;
}

/**
 * Whether every step of the path to `n` is in the past a step of footprint `f` taken there reads
 * from: a chain of steps, each writing something the next one reads or writes, leads from it to
 * that step (a write counts as a read: an update depends on what it updates). A step outside
 * that past can be left out — every step of the past reads what it read before, so has the same
 * outcome, and so has the last one — which is a shorter scenario. (A step that only read what a
 * later one writes is not in the past: the causal order of the sleep sets counts it, and it does
 * change the world, but not what the last step sees.)
 */
function causallyClosed(n: Node, f: Footprint): boolean {
  if (f.global) return true;
  let lo = f.rlo | f.wlo;
  let hi = f.rhi | f.whi;
  for (let x: Node | null = n; x && x.fp; x = x.parent) {
    const p = x.fp;
    if (p.global) return true; // it writes everything, and reads everything before it
    if (((p.wlo & lo) | (p.whi & hi)) === 0) return false;
    lo |= p.rlo | p.wlo;
    hi |= p.rhi | p.whi;
  }
  return true;
}

/**
 * What a step's check is decided by: the step, renamed, and the projection of the world on what
 * its footprint reads and writes (model/snapshot.ts projection). Equal keys, equal outcomes up to
 * names, hence equal verdicts of every state-local property (none depends on names). Null for a
 * GLOBAL step (it reads everything: its key would be the state's).
 */
export function checkKey(w: World, st: Step, f: Footprint, cache?: Map<string, { key: string; names: Map<string, string> }>): string | null {
  if (f.global) return null;
  // Steps of one world often cover the same entities (a signal and a ptrace between the same two
  // tasks): the projection is cached by the footprint's bits.
  const observes = opOf(st).observes;
  const bits = `${f.rlo | f.wlo},${f.rhi | f.whi},${observes.join()}`;
  let p = cache?.get(bits);
  if (!p) {
    p = projection(w, selectionOf(w, f)!, new Set(observes));
    cache?.set(bits, p);
  }
  const { key, names } = p;
  const name = (v: string) => names.get(v) ?? (w.tasks.has(v) || w.sockets.has(v) ? '?' : v);
  return `${stepText(st as unknown as Record<string, unknown>, name)}#${key}`;
}

/** A step's fields as text, every string through `name` (nested objects and arrays too), quoted: a string never reads as a number. */
function stepText(x: unknown, name: (v: string) => string): string {
  if (typeof x === 'string') return `"${name(x)}"`;
  if (typeof x !== 'object' || x === null) return String(x);
  if (Array.isArray(x)) return `[${x.map((v) => stepText(v, name)).join(',')}]`;
  let out = '{';
  for (const k in x as Record<string, unknown>) out += `${k}:${k === 'op' ? (x as Record<string, string>)[k] : stepText((x as Record<string, unknown>)[k], name)};`;
  return `${out}}`;
}

/** Whether two steps are the same (fields of strings, numbers, booleans, and arrays or objects of them). */
function sameStep(a: Step, b: Step): boolean {
  if (a.op !== b.op || a.by !== b.by) return false;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    n++;
    if (!same(x[k], y[k])) return false;
  }
  for (const _ in y) n--;
  return n === 0;
}
function same(u: unknown, v: unknown): boolean {
  if (u === v) return true;
  if (typeof u !== 'object' || typeof v !== 'object' || u === null || v === null) return false;
  if (Array.isArray(u)) {
    if (!Array.isArray(v) || u.length !== v.length) return false;
    for (let i = 0; i < u.length; i++) if (!same(u[i], v[i])) return false;
    return true;
  }
  const p = u as Record<string, unknown>;
  const q = v as Record<string, unknown>;
  let n = 0;
  for (const k in p) {
    n++;
    if (!same(p[k], q[k])) return false;
  }
  for (const _ in q) n--;
  return n === 0;
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
  /** Called with the path to each distinct state kept for extension (the benchmark replays them). */
  onState?: (steps: readonly Step[]) => void;
  /** The footprints the reduction uses (default: each op's own); the soundness test gives wrong ones to see it fail. */
  footprint?: (w: World, st: Step) => Footprint;
}

/** The units of a run: one per first step. */
export function unitCount(sem: Semantics, b: Bound): number {
  return successors(newWorld(sem), sem, b).length;
}

const ownFootprint = (w: World, st: Step): Footprint => {
  const def = opOf(st);
  const f = (def.footprint as (w: World, t: Task, st: Step) => Footprint)(w, w.tasks.get(st.by)!, st);
  if (!f.quiet && def.exhaustive?.asks === false) throw new Error(`model: ${st.op}'s exhaustive successors say they ask no hook, but the footprint of ${JSON.stringify(st)} is not quiet (ops/types.ts: ExhaustiveDef.asks)`);
  return f;
};

/**
 * Explores one unit (all scenarios starting with the unit's first step).
 *
 * Partial-order reduction (Godefroid's sleep sets, over the independence of ops/footprint.ts):
 * a node does not take a step that an earlier sibling's subtree (or an ancestor's) takes with
 * only independent steps in between — it would reach a state of that subtree, and its own
 * outcome is the same there (nothing it reads changed), at the same depth. Every state within
 * the bound is still reached, and every step checked from some state whose path differs only by
 * the order of independent steps: the verdicts and the shortest counterexamples' lengths are the
 * full search's. With the memo: a state is expanded once, at its smallest depth, sleeping only
 * the steps every visit at that depth slept (the intersection; Godefroid 1996, §5.3 keeps the
 * intersection in the memo); sleep sets are compared in canonical names, since the memo merges
 * worlds up to renaming. A step independent of the step that led to a state has the outcome it
 * had one step earlier: it is not checked again, and on the last level not taken.
 */
export function exploreUnit(sem: Semantics, b: Bound, unit: number, o: ExploreOptions = {}): UnitResult {
  const props = o.properties ?? localProperties();
  const errata = o.errata ?? sem.errata;
  const por = b.por !== false;
  const footprintOf = o.footprint ?? ownFootprint;
  const detail = DETAILS[b.alphabet ?? '1.1'];
  const pendingKept = detail.has('pending');
  const root = newWorld(sem, errata);
  const firsts = successors(root, sem, b);
  const first = firsts[unit]!;
  const found: UnitResult['found'] = {};
  // The state memo: each state's place in the order states were first reached (breadth-first, so
  // by depth); the states of the level being built from `levelStart` on, with their entries.
  const seen: KeyTable = b.exact ? new ExactTable() : new FingerprintTable();
  let levelStart = 0;
  let building: (Entry | null)[] = [];
  let scenarios = 0;
  let extended = 0;
  let capped = false;
  const maxStates = o.maxStates ?? Infinity;
  const rootNode: Node = { parent: null, step: null, depth: 0, world: root, outcome: null, sleep: NO_SLEEP, fp: null };
  let frontier: Node[] = [];
  const visit = (parent: Node, st: Step, fp: Footprint | null, check: boolean, sleep: readonly Sleeper[], explored: readonly Sleeper[]): Node | null => {
    // A step that changes nothing in the model (a ptrace check) is evaluated on the parent's world:
    // no copy, no new state — but for what logging counts, which is the step's own.
    const readOnly = opOf(st).readOnly;
    const w = readOnly ? { ...parent.world!, audit: cloneAuditState(parent.world!.audit) } : cloneWorld(parent.world!);
    const outcome = applyStep(w, st);
    const node: Node = { parent, step: st, depth: parent.depth + 1, world: w, outcome, sleep: NO_SLEEP, fp };
    scenarios++;
    // Only a step that reached something, was denied, or asked a hook can break a local property.
    const relevant = outcome.reach !== undefined || outcome.denial !== undefined || outcome.decisions !== undefined;
    if (relevant && fp?.quiet) throw new Error(`model: ${st.op}'s footprint says it asks no hook, but ${JSON.stringify(st)} did (ops/footprint.ts: quiet)`);
    // (The last level is checked while the one before it is expanded: a violation found there is
    // replaced by a shorter one found later.)
    const remaining = relevant && check ? props.filter((p) => (found[p.name]?.depth ?? Infinity) > node.depth) : [];
    if (remaining.length) {
      const steps = stepsOf(node);
      const scenario: Scenario = { format: SCENARIO_FORMAT, steps };
      const outcomes = outcomesOf(node);
      const ev = (x: Scenario) => {
        const ww = newWorld(sem, errata);
        return x.steps.map((s) => applyStep(ww, s));
      };
      for (const p of remaining) {
        // The steps before were checked where they were taken (or, not causally closed there, where
        // their outcome is checked at a smaller depth): only this one is judged.
        const v = p.check({ scenario, sem, outcomes, extra: { pos: 0, who: 0, profile: 0, pick: 0 }, evaluate: ev, from: node.depth - 1 });
        if (v) found[p.name] = { depth: node.depth, steps, violation: v, outcomes };
      }
    }
    // Nothing extends a scenario of the bound's length: it is checked, and not remembered. Nor a
    // step that changes nothing the key sees (keyInert: a denied signal, a failed connect): it
    // leads back to its parent's state, seen at a smaller depth (the memo would find it there).
    if (readOnly || node.depth >= b.steps || (fp && keyInert(fp, pendingKept))) return null;
    // Without sleep sets: the full search, and the last level extended from. There the node's
    // successors are only checked, so it is expanded now, while its world is at hand, and never
    // waits in the frontier. It needs no sleep set (a step it could sleep is independent of the
    // step that led here, so not causally closed here); a second visit of its state adds nothing
    // (a step not causally closed on one path to a state has its outcome checked, or covered, at a
    // smaller depth, whatever the path).
    if (!por || node.depth === b.steps - 1) {
      const cands = por ? lastCandidates(node) : null;
      if (cands && !cands.length) return null;
      const key = canonicalKey(w, detail);
      if (seen.get(key) !== undefined) return null;
      if (seen.size >= maxStates) {
        capped = true;
        return null;
      }
      building.push(null);
      seen.set(key, seen.size);
      o.onState?.(stepsOf(node));
      if (!por) return node;
      lastLevel(node, cands!);
      return null;
    }
    const form = canonicalForm(w, detail);
    const at = seen.get(form.key);
    if (at === undefined) {
      if (seen.size >= maxStates) {
        capped = true;
        return null;
      }
      node.sleep = childSleep(fp!, sleep, explored);
      building.push({ pending: node, order: node.sleep.length ? canonOrder(form.tasks, form.socks) : null });
      seen.set(form.key, seen.size);
      o.onState?.(stepsOf(node));
      return node;
    }
    // Seen before. At a smaller depth (expanded, or waiting at the level before): nothing to do —
    // a path through a deeper visit of a state never reaches a state at its own smallest depth,
    // so the full search's checks (each state at its smallest depth) are all covered from the
    // shallowest visits. At the same depth (it waits in the frontier): the state's node sleeps the
    // intersection of the visits' sleep sets (the memo's form of "a state reached again with a
    // smaller sleep set is explored for the steps it did not sleep before").
    const entry = at >= levelStart ? building[at - levelStart] : null;
    if (!entry) return null;
    const p = entry.pending;
    if (!p.sleep.length) return null;
    const mine = childSleep(fp!, sleep, explored);
    if (!mine.length) {
      p.sleep = NO_SLEEP;
      return null;
    }
    const names = canonNames(canonOrder(form.tasks, form.socks));
    const have = new Set<string>();
    for (const z of mine) have.add(canonOf(names, z));
    const theirs = canonNames(entry.order!);
    const keep = p.sleep.filter((z) => have.has(canonOf(theirs, z)));
    if (keep.length !== p.sleep.length) p.sleep = keep.length ? keep : NO_SLEEP;
    return null;
  };
  // The check memo: the smallest depth at which a step with each check key was checked. A step
  // whose key was checked at the same or a smaller depth has the same verdicts (checkKey): it is
  // not checked again, and on the last level not taken.
  const checked: KeyTable = b.exact ? new ExactTable() : new FingerprintTable();
  let memoHits = 0;
  let cacheOf: World | null = null;
  const cache = new Map<string, { key: string; names: Map<string, string> }>();
  const unchecked = (w: World, st: Step, f: Footprint, depth: number): boolean => {
    if (cacheOf !== w) {
      cache.clear();
      cacheOf = w;
    }
    const k = checkKey(w, st, f, cache);
    if (k === null) return true;
    const at = checked.get(k);
    if (at !== undefined && at <= depth) {
      memoHits++;
      return false;
    }
    checked.set(k, depth);
    return true;
  };
  /** The steps worth checking from a node on the last level extended from: of ops that may ask a hook, not quiet, causally closed. */
  const lastCandidates = (n: Node): [Step, Footprint][] => {
    const w = n.world!;
    const out: [Step, Footprint][] = [];
    for (const st of successors(w, sem, b, true)) {
      const f = footprintOf(w, st);
      if (!f.quiet && causallyClosed(n, f)) out.push([st, f]);
    }
    return out;
  };
  /** Checks a node's candidates (lastCandidates) that the check memo has not seen; counts it extended if it takes one. */
  const lastLevel = (n: Node, cands: readonly [Step, Footprint][]): void => {
    const w = n.world!;
    let took = false;
    for (const [st, f] of cands) {
      if (!unchecked(w, st, f, n.depth + 1)) continue;
      took = true;
      visit(n, st, f, true, NO_SLEEP, NO_SLEEP);
    }
    if (took) extended++;
    n.world = null;
  };
  seen.set(canonicalKey(root, detail), 0);
  // The units before this one take their first steps from the root: this one's first step sleeps
  // those it is independent of (their subtrees are the other units').
  let firstSleep: Sleeper[] = [];
  if (por) {
    const f = footprintOf(root, first);
    for (let i = 0; i < unit; i++) {
      const g = footprintOf(root, firsts[i]!);
      if (!conflicts(f, g)) firstSleep.push({ step: firsts[i]!, fp: g, parts: null, refs: null });
    }
  }
  levelStart = seen.size;
  const n1 = visit(rootNode, first, por ? footprintOf(root, first) : null, true, NO_SLEEP, firstSleep);
  firstSleep = [];
  if (n1) frontier.push(n1);
  while (frontier.length && frontier[0]!.depth < b.steps) {
    const next: Node[] = [];
    levelStart = seen.size;
    building = [];
    for (const n of frontier) {
      // Rebuild the node's world from its path: the frontier then costs a few bytes per node.
      if (!n.world) {
        const w = newWorld(sem, errata);
        for (const st of stepsOf(n)) applyStep(w, st);
        n.world = w;
      }
      if (!por) {
        const succ = successors(n.world, sem, b);
        if (succ.length) extended++;
        for (const st of succ) {
          const c = visit(n, st, null, true, NO_SLEEP, NO_SLEEP);
          if (c) {
            c.world = null;
            next.push(c);
          }
        }
        n.world = null; // expanded: free it
        continue;
      }
      const w = n.world;
      const sleep = n.sleep;
      const explored: Sleeper[] = [];
      // A step is checked here only if every step of the path is in its causal past (a chain of
      // dependent steps leads from each to it): otherwise the steps outside it commute past it,
      // and leaving them out is a shorter scenario where it has the same outcome — checked, or
      // covered, at a smaller depth (a shortest counterexample is always causally closed). On
      // the last level (lastLevel), where a scenario is only checked, such a step is not taken.
      let took = false;
      for (const st of successors(w, sem, b)) {
        let slept = false;
        for (const z of sleep)
          if (sameStep(z.step, st)) {
            slept = true;
            break;
          }
        if (slept) continue;
        const f = footprintOf(w, st);
        // A step that can break no property is not checked either (not taken on the last level).
        const fresh = !f.quiet && causallyClosed(n, f);
        // A step taken only to reach its state, which changes nothing the key sees, would reach
        // this state again (seen at a smaller depth): it is not taken, but sleeps in its siblings
        // as if it had been (its subtree is this state's).
        if (!fresh && keyInert(f, pendingKept)) {
          explored.push({ step: st, fp: f, parts: null, refs: null });
          continue;
        }
        took = true;
        const c = visit(n, st, f, fresh, sleep, explored);
        if (c) {
          c.world = null;
          next.push(c);
        }
        explored.push({ step: st, fp: f, parts: null, refs: null });
      }
      if (took) extended++;
      n.world = null; // expanded: free it
      n.sleep = NO_SLEEP;
    }
    frontier = next;
  }
  return { unit, scenarios, states: extended, reached: seen.size, memoHits, collisions: seen.collisionBound() + checked.collisionBound(), capped, found };
}

/** Merges unit results (from any workers or shards) into per-property verdicts, deterministically. */
export function mergeUnits(sem: Semantics, b: Bound, units: readonly UnitResult[], o: ExploreOptions = {}): { cells: ExhaustiveCell[]; scenarios: number; states: number; collisions: number; capped: boolean } {
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
  // Any of the units' memos taking two keys for one (a union bound).
  const collisions = Math.min(1, sorted.reduce((a, u) => a + u.collisions, 0));
  return { cells, scenarios: sorted.reduce((a, u) => a + u.scenarios, 0), states: sorted.reduce((a, u) => a + u.states, 0), collisions, capped };
}

/**
 * What semantics B changes relative to A: scenarios on which they disagree, grouped into classes
 * (the operation, the two results, the rule that decided each, and whether the datagram peer
 * exemption was in play), each shrunk to a smallest example. Pure.
 */
import type { Scenario, Step } from '../format/scenario.js';
import { commonPrefix, numLayers, type Layer, type MaybeDomain } from '../model/domain.js';
import { addrKind } from '../model/uapi.js';
import { opOf } from '../ops/index.js';
import { ACCESS_FS_RESOLVE_UNIX, SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_PATHNAME_UNIX_SOCKET, SCOPE_SIGNAL } from '../model/limits.js';
import { evaluate } from '../ops/engine.js';
import type { Semantics } from '../model/semantics/types.js';
import type { StepOutcome } from '../model/state.js';
import { buildScenario, profilesOf, sampleInputs } from './arbitrary.js';
import { shrinkScenario } from './shrink.js';
import { exploreUnit, parseBound, unitCount, type Bound } from './exhaustive.js';
import type { PropertyDef } from './invariants.js';

export interface DiffClass {
  /** Short name, e.g. "connect pathname: EPERM (pathname_unix_socket) → EACCES (resolve_unix)". */
  class: string;
  example: Scenario;
  a: string[];
  b: string[];
  /** The step where the class shows. */
  step: number;
  /** How many generated scenarios fell in this class. */
  count: number;
}

const rule = (o: StepOutcome) => (o.denial ? `${o.denial.mechanism}/${o.denial.hook}` : o.result === 'ok' ? 'allowed' : 'af_unix');

/**
 * Which layers of the acting task and of the target restrict the step's mechanism (the seed
 * patch's pathname scope and RESOLVE_UNIX count as the same restriction). When this differs
 * between the two sides, a restrict_self one side rejected explains the difference.
 */
function shape(st: Step, o: StepOutcome): string {
  const reaches = opOf(st).reaches;
  const kind = 'addr' in st ? addrKind(st.addr) : reaches === 'signal' ? 'signal' : 'other';
  const flag = (l: Layer) =>
    kind === 'abstract' ? l.scope & SCOPE_ABSTRACT_UNIX_SOCKET : kind === 'signal' ? l.scope & SCOPE_SIGNAL : kind === 'pathname' ? (l.scope & SCOPE_PATHNAME_UNIX_SOCKET) | (l.fs & ACCESS_FS_RESOLVE_UNIX) : 1;
  const bits = (d: MaybeDomain) => (d ? d.layers.map((l) => (flag(l) ? '1' : '0')).join('') : '-');
  return o.reach ? `${bits(o.reach.client)}/${bits(o.reach.target)}/${commonPrefix(o.reach.client, o.reach.target)}` : `${numLayers(o.domain)}`;
}

/** The key of disagreements that only follow from a restrict_self one side rejected. */
export const CONSEQUENCE = 'consequence of a uAPI difference';

/** The class of the first step (other than restrict_self, whose uAPI differences are a class of their own) where A and B differ. */
export function classify(s: Scenario, oa: StepOutcome[], ob: StepOutcome[]): { key: string; step: number } | null {
  let firstUapi = -1;
  for (let i = 0; i < s.steps.length; i++) {
    if (oa[i]!.result === ob[i]!.result) continue;
    const st = s.steps[i]!;
    if (st.op === 'restrict_self') {
      if (firstUapi < 0) firstUapi = i;
      continue;
    }
    if (firstUapi >= 0 && shape(st, oa[i]!) !== shape(st, ob[i]!)) return { key: CONSEQUENCE, step: i };
    const target = 'addr' in st ? ` ${addrKind(st.addr)}` : opOf(st).reaches === 'connected' ? ' connected' : '';
    const peer = oa[i]!.reach?.isPeer || ob[i]!.reach?.isPeer ? ' to the current peer' : '';
    return { key: `${st.op}${target}${peer}: ${oa[i]!.result} (${rule(oa[i]!)}) → ${ob[i]!.result} (${rule(ob[i]!)})`, step: i };
  }
  if (firstUapi >= 0) {
    const st = s.steps[firstUapi]!;
    const what = st.op === 'restrict_self' ? [...(st.scoped ?? []), ...(st.handled_fs ?? []), ...(st.tsync ? ['tsync'] : [])].join('+') : '';
    return { key: `restrict_self ${what}: ${oa[firstUapi]!.result} → ${ob[firstUapi]!.result} (uAPI)`, step: firstUapi };
  }
  return null;
}

function keyOf(s: Scenario, a: Semantics, b: Semantics): { key: string; step: number; oa: StepOutcome[]; ob: StepOutcome[] } | null {
  const oa = evaluate(s, a);
  const ob = evaluate(s, b);
  const c = classify(s, oa, ob);
  return c && { ...c, oa, ob };
}

/** The smallest scenario of the same class, by greedy step deletion. */
const shrink = (s: Scenario, key: string, a: Semantics, b: Semantics): Scenario => shrinkScenario(s, (x) => keyOf(x, a, b)?.key === key);

export interface CompareOptions {
  seed: number;
  runs: number;
  bound?: Bound;
  /** Scenarios judged so far, of the random ones (the exhaustive ones follow). */
  progress?: (done: number) => void;
}

export interface CompareResult {
  classes: DiffClass[];
  randomScenarios: number;
  exhaustiveScenarios: number;
  disagreeing: number;
  /** Disagreements that only follow from a restrict_self one side rejected (a task or target has a different number of layers). */
  consequences: number;
}

/** Random search (scenarios generated with A's, then B's "every restriction" profile) plus a bounded exhaustive search. */
export function compareSemantics(a: Semantics, b: Semantics, o: CompareOptions): CompareResult {
  const found = new Map<string, { s: Scenario; count: number }>();
  let disagreeing = 0;
  const consider = (s: Scenario) => {
    const k = keyOf(s, a, b);
    if (!k) return;
    disagreeing++;
    const f = found.get(k.key);
    if (!f) found.set(k.key, { s, count: 1 });
    else {
      f.count++;
      if (s.steps.length < f.s.steps.length) f.s = s;
    }
  };
  const inputs = sampleInputs(o.runs, o.seed);
  // A third of the scenarios sandbox the best-effort way, as a sandboxer built for both would:
  // A's strongest profile, then B's (one of them fails on each side).
  const [pa, pb] = [profilesOf(a), profilesOf(b)];
  inputs.forEach((g, i) => {
    consider(buildScenario(g.actions, i % 3 === 1 ? pb : pa, i % 3 === 2 ? { dual: pb } : {}));
    if (i % 1000 === 999) o.progress?.(i + 1);
  });
  let exhaustiveScenarios = 0;
  const bound = o.bound ?? parseBound('tasks=2,layers=2,sockets=2,steps=4');
  for (const sem of [a, b]) {
    // Every scenario within the bound, generated with this semantics' restrict profiles: a "property" that fails on each disagreement.
    const collect: PropertyDef = {
      name: 'compare',
      statement: '',
      kind: 'state-local',
      cost: 1,
      expect: () => 'holds',
      check: ({ scenario }) => {
        exhaustiveScenarios++;
        consider(scenario);
        return null;
      },
    };
    for (let u = 0; u < unitCount(sem, bound); u++) exploreUnit(sem, bound, u, { properties: [collect] });
  }
  const consequences = found.get(CONSEQUENCE)?.count ?? 0;
  found.delete(CONSEQUENCE);
  const classes: DiffClass[] = [...found.entries()]
    .map(([key, f]) => {
      const ex = shrink(f.s, key, a, b);
      const k = keyOf(ex, a, b)!;
      return { class: key, example: ex, a: k.oa.map((x) => x.result), b: k.ob.map((x) => x.result), step: k.step, count: f.count };
    })
    .sort((x, y) => x.example.steps.length - y.example.steps.length || x.class.localeCompare(y.class));
  return { classes, randomScenarios: inputs.length, exhaustiveScenarios, disagreeing, consequences };
}

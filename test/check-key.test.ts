/**
 * The exhaustive search's check memo (properties/exhaustive.ts checkKey) is sound: two steps with
 * one check key — the step renamed, and the world projected on what its footprint reads and
 * writes (ops/footprint.ts selectionOf, model/snapshot.ts projection) — get the same verdict from
 * every state-local property, and the same outcome up to names. Checked over every world the 1.1
 * alphabet reaches within a small bound and along seeded random walks (deeper), under a semantics
 * of each family. An op whose footprint leaves out something its outcome depends on fails here.
 */
import { describe, expect, test } from 'vitest';
import { abi6, abi11, pathnameScopePatch, releaseSemantics } from '../model/semantics/index.js';
import { cloneWorld } from '../model/snapshot.js';
import { newWorld, type StepOutcome, type World } from '../model/state.js';
import { evaluate, step } from '../ops/engine.js';
import { opOf, type Step } from '../ops/index.js';
import { checkKey, successors } from '../properties/exhaustive.js';
import { walk } from '../properties/simulate.js';
import { PROPERTIES } from '../properties/invariants.js';
import { SCENARIO_FORMAT } from '../format/scenario.js';
import type { Semantics } from '../model/hooks.js';
import type { Footprint } from '../ops/footprint.js';
import { commonPrefix, isSameOrNested, type MaybeDomain } from '../model/domain.js';

const LOCAL = PROPERTIES.filter((p) => p.kind === 'state-local');

const rel = (a: MaybeDomain, b: MaybeDomain) => `${a?.layers.length ?? 0}.${b?.layers.length ?? 0}.${commonPrefix(a, b)}${isSameOrNested(a, b) ? '<' : ''}${isSameOrNested(b, a) ? '>' : ''}`;
/** An outcome without names: result, denial, reach and deliveries with the relation of their domains, hook decisions, record blockers. */
const outcomeText = (o: StepOutcome) =>
  [
    o.result,
    o.denial ? `${o.denial.hook}:${o.denial.errno}:${o.denial.mechanism}` : '',
    o.reach ? `${o.reach.kind}${o.reach.isPeer ? 'p' : ''}${o.reach.sameThreadGroup ? 't' : ''}${rel(o.reach.client, o.reach.target)}` : '',
    (o.deliveries ?? []).map((d) => `${d.signal}${d.allowed ? '+' : '-'}${rel(d.reach.client, d.reach.target)}`).sort().join(','),
    (o.decisions ?? []).map((d) => `${d.hook}${d.denial ? d.denial.errno : '+'}`).join(','),
    // (Which denial of a domain is its first logged one, hence carries the "allocated" record, is
    // the audit state's, not a resource's: ops/footprint.ts; no state-local property reads it.)
    (o.audit ?? []).flatMap((r) => (r.type === 'access' ? [r.blockers] : [])).sort().join(','),
  ].join('/');

function signature(sem: Semantics, path: readonly Step[], st: Step): string {
  const scenario = { format: SCENARIO_FORMAT, steps: [...path, st] };
  const outcomes = evaluate(scenario, sem);
  const verdicts = LOCAL.map((p) => (p.check({ scenario, sem, outcomes, extra: { pos: 0, who: 0, profile: 0, pick: 0 }, evaluate: (x) => evaluate(x, sem), from: path.length }) ? 'x' : '.')).join('');
  return `${verdicts} ${outcomeText(outcomes[path.length]!)}`;
}

const footprintOf = (w: World, st: Step): Footprint => (opOf(st).footprint as (w: World, t: unknown, st: Step) => Footprint)(w, w.tasks.get(st.by)!, st);

function mismatches(sem: Semantics, depth: number, walks: number, fpOf: (w: World, st: Step) => Footprint = footprintOf): string[] {
  const bound = { tasks: 3, layers: 2, sockets: 2, steps: depth + 1 };
  const seen = new Map<string, { sig: string; path: readonly Step[]; st: Step }>();
  const bad: string[] = [];
  const visit = (w: World, path: readonly Step[], st: Step) => {
    const k = checkKey(w, st, fpOf(w, st));
    if (!k) return;
    const sig = signature(sem, path, st);
    const prev = seen.get(k);
    if (!prev) seen.set(k, { sig, path, st });
    else if (prev.sig !== sig && bad.length < 5) bad.push(`${JSON.stringify([...prev.path, prev.st]).slice(-600)} (${prev.sig}) ~ ${JSON.stringify([...path, st]).slice(-600)} (${sig})`);
  };
  // Every world within the bound, each successor.
  let frontier: { w: World; path: Step[] }[] = [{ w: newWorld(sem), path: [] }];
  for (let d = 0; d <= depth && frontier.length; d++) {
    const next: typeof frontier = [];
    for (const n of frontier)
      for (const st of successors(n.w, sem, bound)) {
        visit(n.w, n.path, st);
        if (d < depth && !opOf(st).readOnly) {
          const c = cloneWorld(n.w);
          step(c, st);
          next.push({ w: c, path: [...n.path, st] });
        }
      }
    frontier = next.filter((_, i) => i % 7 === 0); // a seeded-free thinning: every 7th world goes on
  }
  // Random walks, deeper.
  const o = { seed: 20261201, depth: 40, bound: { tasks: 3, layers: 3, sockets: 3, steps: 40 }, swarm: true };
  for (let k = 0; k < walks; k++) {
    const wk = walk(sem, k, o);
    const w = newWorld(sem);
    for (let i = 0; i < wk.steps.length; i++) {
      visit(w, wk.steps.slice(0, i), wk.steps[i]!);
      step(w, wk.steps[i]!);
    }
  }
  expect(seen.size).toBeGreaterThan(100);
  return bad;
}

describe('the check memo of the exhaustive search', () => {
  for (const sem of [abi6, abi11, pathnameScopePatch, releaseSemantics('6.18.15')!])
    test(`steps with one check key get the same verdicts and outcomes (${sem.name})`, () => {
      expect(mismatches(sem, 3, 150)).toEqual([]);
    }, 120_000);
  test('a footprint that leaves out what a step reads is caught (kill and tgkill without the target)', () => {
    const own = (w: World, st: Step): Footprint => {
      const f = footprintOf(w, st);
      if (st.op !== 'kill' && st.op !== 'tgkill') return f;
      const t = w.tasks.get(st.by)!;
      return { ...f, rlo: 1 << (Number(/\d+$/.exec(t.name)![0]) & 7), wlo: 0 };
    };
    expect(mismatches(abi11, 3, 150, own).length).toBeGreaterThan(0);
  });
});

/**
 * The exhaustive search's state key (model/snapshot.ts canonicalKey) is sound for its alphabet:
 * two worlds with one key have the same successors — for every step of the alphabet, the same
 * result, denial, reach and signal deliveries, and successor worlds with equal keys — so that
 * extending one of them explores the other. A bounded bisimulation check over every world the
 * alphabet reaches (found by review: a process and a group owner once shared a key).
 */
import { describe, expect, test } from 'vitest';
import { releaseSemantics, abi7, abi11 } from '../model/semantics/index.js';
import { cloneWorld } from '../model/snapshot.js';
import { newWorld, type StepOutcome, type World } from '../model/state.js';
import { step } from '../ops/engine.js';
import type { Step } from '../ops/index.js';
import { stateKey, successors, type AlphabetName } from '../properties/exhaustive.js';
import type { Semantics } from '../model/hooks.js';
import { opOf } from '../ops/index.js';
import { keyInert, type Footprint } from '../ops/footprint.js';
import type { Task } from '../model/state.js';

const proj = (o: StepOutcome) =>
  [o.result, o.denial ? `${o.denial.hook}${o.denial.errno}` : '', o.reach?.kind ?? '', (o.deliveries ?? []).map((d) => `${d.signal}${d.allowed ? '+' : '-'}`).sort().join(',')].join('/');

function mismatches(sem: Semantics, depth: number, alphabet: AlphabetName = '1.1'): string[] {
  const bound = { tasks: 3, layers: 2, sockets: 2, steps: depth + 1, alphabet };
  const canonicalKey = (w: World) => stateKey(w, alphabet);
  const signature = (w: World) =>
    successors(w, sem, bound)
      .map((st) => {
        const c = cloneWorld(w);
        return `${proj(step(c, st))}=>${canonicalKey(c)}`;
      })
      .sort()
      .join('\n');
  const seen = new Map<string, { sig: string; path: Step[] }>();
  const bad: string[] = [];
  let frontier: { w: World; path: Step[] }[] = [{ w: newWorld(sem), path: [] }];
  for (let d = 0; d <= depth && frontier.length; d++) {
    const next: typeof frontier = [];
    for (const n of frontier) {
      const k = canonicalKey(n.w);
      const sig = signature(n.w);
      const prev = seen.get(k);
      if (prev) {
        if (prev.sig !== sig) bad.push(`${JSON.stringify(prev.path)} ~ ${JSON.stringify(n.path)}`);
        continue;
      }
      seen.set(k, { sig, path: n.path });
      if (d < depth)
        for (const st of successors(n.w, sem, bound)) {
          const c = cloneWorld(n.w);
          step(c, st);
          next.push({ w: c, path: [...n.path, st] });
        }
    }
    frontier = next;
  }
  return bad;
}

describe('the state key of the exhaustive search', () => {
  // Depth 4 is where a process owner and a group owner of one socket first differ (this test
  // fails with the two sharing a key); 10 s here.
  for (const [sem, depth] of [[abi11, 4], [releaseSemantics('6.18.15')!, 3]] as const)
    test(`worlds with one key have the same successors (depth ${depth}, ${sem.name})`, () => {
      expect(mismatches(sem, depth)).toEqual([]);
    }, 120_000);
  // The v1 alphabet reads no pending signal, parent or group order: its key leaves them out.
  // (Depth 4 here; depth 5, 70 s, passes too.)
  test('worlds with one v1 key have the same v1 successors (depth 4, abi7)', () => {
    expect(mismatches(abi7, 4, 'v1')).toEqual([]);
  }, 120_000);
});

/**
 * A step whose footprint writes nothing the key sees (ops/footprint.ts keyInert) leads back to the
 * state it was taken from: the search does not take it where it would only reach a state. Every
 * such step of every world of the alphabet up to `depth`; the steps it found inert, and those
 * that changed the key.
 */
function inertSteps(sem: Semantics, depth: number, alphabet: AlphabetName, inert = (f: Footprint, st: Step) => keyInert(f, alphabet === '1.1')): { inert: number; bad: string[] } {
  const bound = { tasks: 3, layers: 2, sockets: 2, steps: depth + 1, alphabet };
  const seen = new Set<string>();
  const bad: string[] = [];
  let count = 0;
  let frontier: { w: World; path: Step[] }[] = [{ w: newWorld(sem), path: [] }];
  for (let d = 0; d <= depth && frontier.length; d++) {
    const next: typeof frontier = [];
    for (const n of frontier) {
      const k = stateKey(n.w, alphabet);
      if (seen.has(k)) continue;
      seen.add(k);
      for (const st of successors(n.w, sem, bound)) {
        const f = (opOf(st).footprint as (w: World, t: Task, s: Step) => Footprint)(n.w, n.w.tasks.get(st.by)!, st);
        const c = cloneWorld(n.w);
        step(c, st);
        if (inert(f, st)) {
          count++;
          if (stateKey(c, alphabet) !== k) bad.push(`${JSON.stringify([...n.path, st])}`);
        }
        if (d < depth) next.push({ w: c, path: [...n.path, st] });
      }
    }
    frontier = next;
  }
  return { inert: count, bad };
}

describe('steps that change nothing the state key sees', () => {
  for (const alphabet of ['v1', '1.1'] as const)
    test(`are found, and lead back to their state (${alphabet}, depth 3, abi7)`, () => {
      const r = inertSteps(abi7, 3, alphabet);
      expect(r.bad).toEqual([]);
      expect(r.inert).toBeGreaterThan(100);
    }, 120_000);
  test('a footprint that leaves out a write is caught (bind written as reading only)', () => {
    const r = inertSteps(abi7, 3, 'v1', (f, st) => keyInert(f, false) || st.op === 'bind');
    expect(r.bad.length).toBeGreaterThan(0);
  }, 120_000);
});

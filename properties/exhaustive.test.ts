import { describe, expect, test } from 'vitest';
import { abi7, abi11, pathnameScopePatch } from '../model/semantics/index.js';
import { exploreUnit, mergeUnits, parseBound, unitCount, successors } from './exhaustive.js';
import { newWorld } from '../model/state.js';
import { step } from '../ops/engine.js';

const run = (sem: typeof abi7, bound: string) => {
  const b = parseBound(bound);
  const units = Array.from({ length: unitCount(sem, b) }, (_, u) => exploreUnit(sem, b, u));
  return mergeUnits(sem, b, units);
};

describe('bounded exhaustive checking', () => {
  test('finds the pathname gap under abi7 with a shortest counterexample, and the inbound limitation', () => {
    const m = run(abi7, 'tasks=2,layers=1,sockets=1,steps=4');
    const cell = (p: string) => m.cells.find((c) => c.property === p)!;
    expect(cell('sandbox-closed').verdict).toBe('violated');
    // socket, restrict (full), bind pathname, sendto self: no 3-step scenario can do it
    expect(cell('sandbox-closed').counterexample!.steps.length).toBe(4);
    expect(cell('inbound-closed').verdict).toBe('violated');
    expect(cell('inbound-closed').counterexample!.steps.length).toBe(3);
    for (const c of m.cells) expect(c.verdict, c.property).toBe(c.expected);
    expect(m.cells.every((c) => c.complete)).toBe(true);
  });
  test('the merged result does not depend on how units are grouped', () => {
    const b = parseBound('tasks=2,layers=1,sockets=1,steps=4');
    const n = unitCount(abi11, b);
    const units = Array.from({ length: n }, (_, u) => exploreUnit(abi11, b, u));
    const a = mergeUnits(abi11, b, units);
    const r = mergeUnits(abi11, b, [...units].reverse());
    expect(JSON.stringify(r)).toBe(JSON.stringify(a));
  });
  test('sandbox-closed holds under abi11 and the seed patch up to the bound', () => {
    for (const sem of [abi11, pathnameScopePatch]) {
      const m = run(sem, 'tasks=2,layers=1,sockets=2,steps=4');
      expect(m.cells.find((c) => c.property === 'sandbox-closed')!.verdict).toBe('holds');
    }
  });
  test('successors are valid steps in the current world', () => {
    const w = newWorld(abi7);
    const b = parseBound('tasks=3,layers=2,sockets=2,steps=3');
    for (const st of successors(w, abi7, b)) expect(() => step(w, st)).not.toThrow();
  });
  test('a state cap makes the verdict incomplete', () => {
    const b = parseBound('tasks=2,layers=1,sockets=1,steps=4');
    const units = Array.from({ length: unitCount(abi7, b) }, (_, u) => exploreUnit(abi7, b, u, { maxStates: 5 }));
    expect(mergeUnits(abi7, b, units).cells.every((c) => !c.complete)).toBe(true);
  });
  test('bad bounds are rejected', () => {
    expect(() => parseBound('tasks=x')).toThrow(/bad bound/);
    expect(() => parseBound('colour=3')).toThrow(/bad bound/);
  });
});

/**
 * Simulation: walks are reproducible from the seed alone, stay inside the bound, go deep, and find
 * the expected violations; a seeded mutant is caught.
 */
import { describe, expect, test } from 'vitest';
import { structuralErrors } from '../format/scenario.js';
import { numLayers } from '../model/domain.js';
import { abi7, abi11, withErrata } from '../model/semantics/index.js';
import { newWorld } from '../model/state.js';
import { step } from '../ops/engine.js';
import { parseBound } from './exhaustive.js';
import { mergeWalks, runWalks, walk, walkSeed, WALK_OPS } from './simulate.js';

const o = { seed: 20261128, depth: 250, bound: parseBound('tasks=3,layers=2,sockets=2'), swarm: true };

describe('random walks', () => {
  test('a walk replays bit for bit from (seed, semantics, index); other indices differ', () => {
    const a = walk(abi7, 17, o);
    expect(walk(abi7, 17, o)).toEqual(a);
    expect(walk(abi7, 18, o).steps).not.toEqual(a.steps);
    expect(walkSeed(1, 'abi7', 0)).not.toBe(walkSeed(2, 'abi7', 0));
  });
  test('walks are valid scenarios within the bound, and reach the depth', () => {
    for (let k = 0; k < 40; k++) {
      const w = walk(abi11, k, { ...o, swarm: false });
      expect(structuralErrors({ steps: w.steps })).toEqual([]);
      expect(w.steps.length).toBe(250);
      const world = newWorld(abi11);
      for (const s of w.steps) step(world, s);
      expect(world.tasks.size).toBeLessThanOrEqual(3);
      expect(world.sockets.size).toBeLessThanOrEqual(2);
      for (const t of world.tasks.values()) expect(numLayers(t.domain)).toBeLessThanOrEqual(2);
    }
  });
  test('swarm: a walk only takes the op kinds it kept', () => {
    for (let k = 0; k < 40; k++) {
      const w = walk(abi7, k, o);
      expect(w.ops.length).toBeGreaterThan(0);
      for (const s of w.steps) expect(w.ops).toContain(s.op);
    }
    // Different walks keep different subsets.
    expect(new Set(Array.from({ length: 20 }, (_, k) => walk(abi7, k, o).ops.join())).size).toBeGreaterThan(5);
    expect(WALK_OPS).toContain('kill');
  });
  test('the result does not depend on how the walks are split', () => {
    const whole = runWalks(abi7, 0, 120, { ...o, depth: 80 });
    const parts = [runWalks(abi7, 80, 120, { ...o, depth: 80 }), runWalks(abi7, 0, 40, { ...o, depth: 80 }), runWalks(abi7, 40, 80, { ...o, depth: 80 })];
    expect(JSON.stringify(mergeWalks(parts))).toBe(JSON.stringify(whole));
  });
  test('finds the pathname gap under abi7, not under abi11; the inbound limitation everywhere', () => {
    const a7 = runWalks(abi7, 0, 300, o);
    expect(a7.found['sandbox-closed']).toBeDefined();
    expect(a7.found['inbound-closed']).toBeDefined();
    const a11 = runWalks(abi11, 0, 300, o);
    expect(a11.found['sandbox-closed']).toBeUndefined();
    expect(a11.found['outside-unreachable']).toBeUndefined();
  });
  test('erratum 2 off: thread-group-signals is violated', () => {
    const r = runWalks(withErrata(abi7, 0), 0, 200, { ...o, errata: 0 });
    expect(r.found['thread-group-signals']).toBeDefined();
  });
  test('coverage counts what the hooks decided', () => {
    const r = runWalks(abi11, 0, 500, o); // the default run's walks: the resolve_unix denials are in few of them
    expect(r.coverage['task_kill: allowed (same thread group)']).toBeGreaterThan(0);
    expect(r.coverage['unix_find: denied (resolve_unix)']).toBeGreaterThan(0);
    expect(Object.values(r.coverage).every((n) => Number.isInteger(n) && n > 0)).toBe(true);
  });
});

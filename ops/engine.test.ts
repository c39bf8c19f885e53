import { describe, expect, test } from 'vitest';
import { parseScenario } from '../format/scenario.js';
import { evaluate, results } from './engine.js';
import { abi7, abi11, pathnameScopePatch, withErrata } from '../model/semantics/index.js';

const sc = (...steps: object[]) => parseScenario({ format: 'scopecheck-scenario/1', steps });

describe('engine', () => {
  test('erratum 2 off: a scoped thread may not signal a sibling thread outside its domain', () => {
    const s = sc(
      { op: 'thread', by: 'P0', child: 'T1' },
      { op: 'restrict_self', by: 'P0', scoped: ['signal'] },
      { op: 'tgkill', by: 'P0', target: 'T1' },
    );
    expect(results(s, abi7)).toEqual(['ok', 'ok', 'ok']);
    expect(results(s, abi7, { errata: 0 })).toEqual(['ok', 'ok', 'EPERM']);
    expect(results(s, withErrata(abi7, 0))).toEqual(['ok', 'ok', 'EPERM']);
  });
  test('threads have their own credentials; fork from a thread inherits that thread\'s domain', () => {
    const s = sc(
      { op: 'thread', by: 'P0', child: 'T1' },
      { op: 'restrict_self', by: 'T1', scoped: ['signal'] },
      { op: 'fork', by: 'T1', child: 'C' },
      { op: 'fork', by: 'P0', child: 'D' },
      { op: 'kill', by: 'C', target: 'D' },
      { op: 'kill', by: 'D', target: 'C' },
    );
    const out = evaluate(s, abi11);
    expect(out.map((o) => o.result)).toEqual(['ok', 'ok', 'ok', 'ok', 'EPERM', 'ok']);
    expect(out[4]!.denial).toMatchObject({ mechanism: 'signal', layer: 0, hook: 'task_kill' });
    expect(describeDomain(out[0]!.domain)).toBe('none');
  });
  test('denials carry the mechanism, the hook and the errno of each semantics', () => {
    const s = sc(
      { op: 'socket', by: 'P0', sock: 'srv', type: 'stream' },
      { op: 'bind', by: 'P0', sock: 'srv', addr: { pathname: 's' } },
      { op: 'listen', by: 'P0', sock: 'srv' },
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'restrict_self', by: 'P1', scoped: ['pathname_unix_socket'] },
      { op: 'restrict_self', by: 'P1', handled_fs: ['resolve_unix'] },
      { op: 'socket', by: 'P1', sock: 'c', type: 'stream' },
      { op: 'connect', by: 'P1', sock: 'c', addr: { pathname: 's' } },
    );
    const patch = evaluate(s, pathnameScopePatch);
    expect(patch.map((o) => o.result)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'EINVAL', 'ok', 'EPERM']);
    expect(patch[7]!.denial).toMatchObject({ mechanism: 'pathname_unix_socket', hook: 'unix_stream_connect' });
    const merged = evaluate(s, abi11);
    expect(merged.map((o) => o.result)).toEqual(['ok', 'ok', 'ok', 'ok', 'EINVAL', 'ok', 'ok', 'EACCES']);
    expect(merged[7]!.denial).toMatchObject({ mechanism: 'resolve_unix', hook: 'unix_find', layer: 0 });
    expect(results(s, abi7)).toEqual(['ok', 'ok', 'ok', 'ok', 'EINVAL', 'EINVAL', 'ok', 'ok']);
  });
  test('evaluation is pure: the same scenario twice gives the same outcomes', () => {
    const s = sc({ op: 'restrict_self', by: 'P0', scoped: ['signal'] }, { op: 'fork', by: 'P0', child: 'C' });
    expect(evaluate(s, abi11)).toEqual(evaluate(s, abi11));
  });
});

import { cloneWorld, canonicalKey } from '../model/snapshot.js';
import { newWorld } from '../model/state.js';
import { step } from './engine.js';
import fc from 'fast-check';
import { buildScenario, genInputArb, profilesOf } from '../properties/arbitrary.js';
import { describeDomain } from '../model/domain.js';

test('a copied world has the same canonical key and behaves the same', () => {
  fc.assert(
    fc.property(genInputArb(), (g) => {
      const s = buildScenario(g.actions, profilesOf(abi11));
      const half = Math.floor(s.steps.length / 2);
      const w = newWorld(abi11);
      for (const st of s.steps.slice(0, half)) step(w, st);
      const c = cloneWorld(w);
      expect(canonicalKey(c)).toBe(canonicalKey(w));
      const rest = s.steps.slice(half);
      expect(rest.map((st) => step(c, st).result)).toEqual(rest.map((st) => step(w, st).result));
      expect(canonicalKey(c)).toBe(canonicalKey(w));
    }),
    { seed: 17, numRuns: 500 },
  );
});

test('the canonical key merges worlds that differ only by which of two like tasks acted', () => {
  const key = (...steps: object[]) => {
    const w = newWorld(abi11);
    for (const st of sc(...steps).steps) step(w, st);
    return canonicalKey(w);
  };
  // Each child leads a group of its own, so that neither is the other's newer group member
  // (which a group owner's F_SETOWN can tell apart: see the last check).
  const forks = [
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'fork', by: 'P0', child: 'P2' },
    { op: 'setpgid', by: 'P1' },
    { op: 'setpgid', by: 'P2' },
  ];
  const a = key(...forks, { op: 'restrict_self', by: 'P1', scoped: ['abstract_unix_socket'] });
  const b = key(...forks, { op: 'restrict_self', by: 'P2', scoped: ['abstract_unix_socket'] });
  const c = key(...forks, { op: 'restrict_self', by: 'P2', scoped: ['signal'] });
  expect(a).toBe(b);
  expect(c).not.toBe(a);
  // a sandboxed socket creator is not the same as a sandboxed bystander
  const d = key(...forks, { op: 'restrict_self', by: 'P1', scoped: ['signal'] }, { op: 'socket', by: 'P1', sock: 's0', type: 'stream' });
  const e = key(...forks, { op: 'restrict_self', by: 'P1', scoped: ['signal'] }, { op: 'socket', by: 'P2', sock: 's0', type: 'stream' });
  expect(d).not.toBe(e);
  // In one group, the child that joined last is the one pid_task(pgrp) finds: not interchangeable.
  const same = forks.slice(0, 2);
  expect(key(...same, { op: 'restrict_self', by: 'P1', scoped: ['signal'] })).not.toBe(key(...same, { op: 'restrict_self', by: 'P2', scoped: ['signal'] }));
});

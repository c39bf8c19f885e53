/**
 * The property suites under vitest with fixed seeds: every verdict as expected, small
 * counterexamples for the expected violations, and a broken semantics caught.
 */
import { describe, expect, test } from 'vitest';
import { abi7, BUILTIN_SEMANTICS } from '../model/semantics/index.js';
import type { Semantics } from '../model/semantics/types.js';
import { checkCell } from './check.js';
import { PROPERTIES, propertyByName } from './invariants.js';

const RUNS = 400;

describe('property × semantics matrix (seed 7)', () => {
  for (const sem of BUILTIN_SEMANTICS)
    for (const p of PROPERTIES)
      test(`${p.name} under ${sem.name}`, () => {
        const r = checkCell(p, sem, { seed: 7, runs: RUNS });
        expect(r.verdict, r.violation?.message).toBe(r.expected);
      });
});

describe('expected violations come with small counterexamples', () => {
  for (const name of ['abi6', 'abi7', 'abi8'])
    test(`sandbox-closed under ${name}: a sandboxed task reaches by pathname a socket created outside, in 7 steps or fewer`, () => {
      const sem = BUILTIN_SEMANTICS.find((s) => s.name === name)!;
      const r = checkCell(propertyByName('sandbox-closed')!, sem, { seed: 1, runs: 2000 });
      expect(r.verdict).toBe('violated');
      const s = r.counterexample!;
      expect(s.steps.length).toBeLessThanOrEqual(7);
      const v = r.violation!;
      const st = s.steps[v.step]!;
      expect(['connect', 'sendto']).toContain(st.op);
      expect('addr' in st && 'pathname' in st.addr).toBe(true);
      expect(r.outcomes![v.step]!.result).toBe('ok');
      expect(s.steps.some((x) => x.op === 'restrict_self')).toBe(true);
    });
  test('inbound-closed is violated under every semantics, with a counterexample of 7 steps or fewer', () => {
    for (const sem of BUILTIN_SEMANTICS) {
      const r = checkCell(propertyByName('inbound-closed')!, sem, { seed: 3, runs: 2000 });
      expect(r.verdict).toBe('violated');
      expect(r.counterexample!.steps.length).toBeLessThanOrEqual(7);
    }
  });
  test('thread-group-signals is violated with erratum 2 unfixed', () => {
    const r = checkCell(propertyByName('thread-group-signals')!, abi7, { seed: 5, runs: 2000, errata: 0 });
    expect(r.expected).toBe('violated');
    expect(r.verdict).toBe('violated');
  });
});

describe('a broken semantics is caught', () => {
  const leaky: Semantics = { ...abi7, name: 'leaky', hooks: { ...abi7.hooks, unixStreamConnect: () => null } };
  test('outside-unreachable fails when stream connects are never scoped', () => {
    const r = checkCell(propertyByName('outside-unreachable')!, leaky, { seed: 11, runs: 3000 });
    expect(r.verdict).toBe('violated');
    expect(r.violation!.message).toMatch(/abstract UNIX sockets/);
  });
  const mixed: Semantics = {
    ...abi7,
    name: 'mixed',
    hooks: {
      ...abi7.hooks,
      unixStreamConnect: (ctx) => (ctx.client?.layers.some((l) => l.scope & 1) ? { errno: 'EPERM', mechanism: 'abstract_unix_socket', hook: 'unix_stream_connect', layer: 0, reason: 'bug' } : null),
    },
  };
  test('abstract-pathname-independent fails when the abstract bit denies pathname streams', () => {
    const r = checkCell(propertyByName('abstract-pathname-independent')!, mixed, { seed: 11, runs: 3000 });
    expect(r.verdict).toBe('violated');
  });
  test('inside-reachable fails for the same bug', () => {
    expect(checkCell(propertyByName('inside-reachable')!, mixed, { seed: 11, runs: 3000 }).verdict).toBe('violated');
  });
  const eacces: Semantics = { ...abi7, name: 'eacces', hooks: { ...abi7.hooks, taskKill: (ctx) => { const d = abi7.hooks.taskKill(ctx); return d && { ...d, errno: 'EACCES' }; } } };
  test('errno-by-mechanism fails for signals denied with EACCES', () => {
    expect(checkCell(propertyByName('errno-by-mechanism')!, eacces, { seed: 11, runs: 3000 }).verdict).toBe('violated');
  });
});

test('a cell is reproducible from its seed', () => {
  const p = propertyByName('sandbox-closed')!;
  const a = checkCell(p, abi7, { seed: 99, runs: 1000 });
  const b = checkCell(p, abi7, { seed: 99, runs: 1000 });
  expect(a).toEqual(b);
});

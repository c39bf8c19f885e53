/**
 * Landlock's audit records in the model (model/audit.ts): what is logged under the log flags,
 * execve(), quiet_scoped and LOG_SUBDOMAINS_OFF (security/landlock/log.c, syscalls.c), what each
 * ABI accepts, and the two audit properties, which must be able to fail.
 */
import { describe, expect, test } from 'vitest';
import { parseScenario, structuralErrors, type Scenario, type Step } from '../format/scenario.js';
import { parseTrace } from '../format/trace.js';
import { compareAudit } from '../oracle/diff.js';
import { evaluate, evaluateAll } from '../ops/engine.js';
import { propertyByName } from '../properties/invariants.js';
import { freedText, recordText } from './audit.js';
import type { Denial, Semantics } from './hooks.js';
import { abi10, abi11, abi6, abi7 } from './semantics/index.js';

const sc = (steps: Step[]): Scenario => ({ format: 'scopecheck-scenario/1', steps });
const records = (s: Scenario, sem: Semantics) => evaluate(s, sem).map((o) => (o.audit ?? []).map(recordText));
const KILL: Step = { op: 'kill', by: 'P1', target: 'P0', signal: 0 };
const ACC = (d: number) => `AUDIT_LANDLOCK_ACCESS domain=D${d} blockers=scope.signal opid=P0`;
const ALLOC = (d: number) => `AUDIT_LANDLOCK_DOMAIN domain=D${d} status=allocated`;

describe('what is logged', () => {
  test('the first denial of a domain logs it as allocated, later ones only the access; deallocation counts all', () => {
    const s = sc([{ op: 'fork', by: 'P0', child: 'P1' }, { op: 'restrict_self', by: 'P1', scoped: ['signal'] }, KILL, KILL]);
    expect(records(s, abi11)).toEqual([[], [], [ACC(1), ALLOC(1)], [ACC(1)]]);
    expect(evaluateAll(s, abi11).freed.map(freedText)).toEqual(['AUDIT_LANDLOCK_DOMAIN domain=D1 status=deallocated denials=2']);
  });

  test('before ABI 7 nothing is logged, and the LOG_* flags are EINVAL', () => {
    const s = sc([{ op: 'fork', by: 'P0', child: 'P1' }, { op: 'restrict_self', by: 'P1', scoped: ['signal'] }, KILL]);
    expect(records(s, abi6)).toEqual([[], [], []]);
    const f = sc([{ op: 'restrict_self', by: 'P0', scoped: ['signal'], log: ['new_exec_on'] }]);
    expect(evaluate(f, abi6)[0]!.result).toBe('EINVAL');
    expect(evaluate(f, abi7)[0]!.result).toBe('ok');
  });

  test('quiet_scoped: E2BIG before ABI 10, EINVAL when not scoped, and it silences only its own scope', () => {
    const q = (quiet: ('signal' | 'abstract_unix_socket')[], scoped: ('signal' | 'abstract_unix_socket')[] = ['signal']) =>
      sc([{ op: 'fork', by: 'P0', child: 'P1' }, { op: 'restrict_self', by: 'P1', scoped, quiet_scoped: quiet }, KILL]);
    expect(evaluate(q(['signal']), abi7)[1]!.result).toBe('E2BIG');
    expect(evaluate(q(['abstract_unix_socket']), abi10)[1]!.result).toBe('EINVAL');
    const quiet = evaluate(q(['signal']), abi10);
    expect(quiet.map((o) => o.result)).toEqual(['ok', 'ok', 'EPERM']);
    expect(quiet[2]!.audit).toBeUndefined();
    expect(quiet[2]!.auditSilenced).toEqual(['quiet_scoped of D1 has signal']);
    expect(records(q(['abstract_unix_socket'], ['signal', 'abstract_unix_socket']), abi11)[2]).toEqual([ACC(1), ALLOC(1)]);
  });

  test('exec: layers from before log only with LOG_NEW_EXEC_ON; a layer created after is the new program\'s', () => {
    const s = (log: ('new_exec_on' | 'same_exec_off')[]) =>
      sc([
        { op: 'fork', by: 'P0', child: 'P1' },
        { op: 'restrict_self', by: 'P1', scoped: ['signal'], log },
        KILL,
        { op: 'exec', by: 'P1' },
        KILL,
        { op: 'restrict_self', by: 'P1', scoped: ['signal'] },
        KILL,
      ]);
    expect(records(s([]), abi11)).toEqual([[], [], [ACC(1), ALLOC(1)], [], [], [], [ACC(2), ALLOC(2)]]);
    expect(records(s(['new_exec_on']), abi11)).toEqual([[], [], [ACC(1), ALLOC(1)], [], [ACC(1)], [], [ACC(2), ALLOC(2)]]);
    expect(records(s(['same_exec_off', 'new_exec_on']), abi11)).toEqual([[], [], [], [], [ACC(1), ALLOC(1)], [], [ACC(2), ALLOC(2)]]);
    // both off: LANDLOCK_LOG_DISABLED, whatever the exec
    expect(records(s(['same_exec_off']), abi11)[4]).toEqual([]);
  });

  test('LOG_SUBDOMAINS_OFF: the domain itself is logged, every later one of that task (and of its children) is not', () => {
    const s = sc([
      { op: 'restrict_self', by: 'P0', scoped: ['signal'], log: ['subdomains_off'] },
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'restrict_self', by: 'P1', scoped: ['signal'] },
      KILL,
      { op: 'fork', by: 'P0', child: 'P2' },
      { op: 'kill', by: 'P0', target: 'P2', signal: 0 },
    ]);
    const o = evaluate(s, abi11);
    expect(o.map((x) => x.result)).toEqual(['ok', 'ok', 'ok', 'EPERM', 'ok', 'ok']);
    expect(o[3]!.audit).toBeUndefined();
    expect(o[3]!.auditSilenced?.[0]).toMatch(/LANDLOCK_LOG_DISABLED/);
  });

  test('ruleset false: only LOG_SUBDOMAINS_OFF goes without a ruleset (else EBADF), and it silences later layers', () => {
    expect(evaluate(sc([{ op: 'restrict_self', by: 'P0', ruleset: false, log: ['new_exec_on'] }]), abi11)[0]!.result).toBe('EBADF');
    const s = sc([
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'restrict_self', by: 'P1', ruleset: false, log: ['subdomains_off'] },
      { op: 'restrict_self', by: 'P1', scoped: ['signal'] },
      KILL,
    ]);
    const o = evaluate(s, abi11);
    expect(o.map((x) => x.result)).toEqual(['ok', 'ok', 'ok', 'EPERM']);
    expect(o[3]!.audit).toBeUndefined();
    expect(parseScenario.bind(null, { format: 'scopecheck-scenario/1', steps: [{ op: 'restrict_self', by: 'P0', ruleset: false, scoped: ['signal'] }] })).toThrow(/must be absent/);
  });

  test('a file owner keeps the domain_exec it recorded at F_SETOWN: exec after setown still logs as the same exec', () => {
    const s = sc([
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'socketpair', by: 'P1', socks: ['a', 'b'], type: 'dgram' },
      { op: 'restrict_self', by: 'P1', scoped: ['signal'] },
      { op: 'setown', by: 'P1', sock: 'a', owner: { process: 'P0' }, signal: 'SIGIO' },
      { op: 'exec', by: 'P1' },
      { op: 'send', by: 'P1', sock: 'b' },
    ]);
    const o = evaluate(s, abi11);
    expect(o[5]!.deliveries?.[0]?.allowed).toBe(false);
    expect((o[5]!.audit ?? []).map(recordText)).toEqual([ACC(1), ALLOC(1)]);
  });

  test('ptrace blames the tracer\'s youngest layer, traceme the parent\'s, with the tracee as object', () => {
    const s = sc([
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'restrict_self', by: 'P0', handled_fs: ['read_dir'] },
      { op: 'restrict_self', by: 'P0', scoped: ['signal'] },
      { op: 'ptrace', by: 'P0', target: 'P1', mode: 'attach' },
      { op: 'ptrace_traceme', by: 'P1' },
    ]);
    expect(records(s, abi11).slice(3)).toEqual([
      ['AUDIT_LANDLOCK_ACCESS domain=D2 blockers=ptrace opid=P1', ALLOC(2)],
      ['AUDIT_LANDLOCK_ACCESS domain=D2 blockers=ptrace opid=P1'],
    ]);
  });

  test('exec is for a process without threads: a thread, or a process with one, is a validation error on "by"', () => {
    expect(structuralErrors(sc([{ op: 'thread', by: 'P0', child: 'T1' }, { op: 'exec', by: 'T1' }]))[0]).toMatchObject({ step: 1, field: 'by' });
    expect(structuralErrors(sc([{ op: 'thread', by: 'P0', child: 'T1' }, { op: 'exec', by: 'P0' }]))[0]?.message).toMatch(/has threads/);
    expect(structuralErrors(sc([{ op: 'fork', by: 'P0', child: 'P1' }, { op: 'exec', by: 'P1' }]))).toEqual([]);
  });
});

describe('the audit properties can fail', () => {
  const s = sc([{ op: 'fork', by: 'P0', child: 'P1' }, { op: 'restrict_self', by: 'P1', scoped: ['signal'] }, { op: 'restrict_self', by: 'P1', scoped: ['signal'] }, KILL]);
  test('denial-logged: a semantics blaming the oldest layer is caught', () => {
    const p = propertyByName('denial-logged')!;
    const blamesOldest: Semantics = {
      ...abi11,
      name: 'blames-oldest',
      hooks: { ...abi11.hooks, taskKill: (ctx) => { const d = abi11.hooks.taskKill(ctx); return d ? ({ ...d, layer: 0 } satisfies Denial) : null; } },
    };
    const check = (sem: Semantics) => p.check({ scenario: s, sem, outcomes: evaluate(s, sem), extra: { pos: 0, who: 0, profile: 0, pick: 0 }, evaluate: (x) => evaluate(x, sem) });
    expect(check(abi11)).toBeNull();
    expect(check(blamesOldest)?.message).toMatch(/should log D2 scope\.signal, but its records are D1 scope\.signal/);
  });
  test('quiet-only-silences: a variant whose results change is reported with it', () => {
    const p = propertyByName('quiet-only-silences')!;
    const outcomes = evaluate(s, abi11);
    const v = p.check({ scenario: s, sem: abi11, outcomes, extra: { pos: 0, who: 0, profile: 0, pick: 0 }, evaluate: (x) => evaluate(x, abi11).map((o, i) => (i === 3 ? { ...o, result: 'ok' } : o)) });
    expect(v?.message).toMatch(/step 3 gives EPERM, but ok once step 1 also asks for/);
    expect(p.check({ scenario: s, sem: abi11, outcomes, extra: { pos: 0, who: 0, profile: 0, pick: 0 }, evaluate: (x) => evaluate(x, abi11) })).toBeNull();
  });
});

describe('records in traces and their comparison', () => {
  const s = sc([{ op: 'fork', by: 'P0', child: 'P1' }, { op: 'restrict_self', by: 'P1', scoped: ['signal'] }, KILL]);
  const trace = (audit: unknown, freed: unknown = []) => ({
    format: 'scopecheck-trace/1',
    kernel: { release: '7.3.4', abi: 11, errata: 15, arch: 'x86_64' },
    recorder: { name: 'scopecheck-replay', version: '0.1.0' },
    scenario: s,
    results: ['ok', 'ok', 'EPERM'],
    audit,
    audit_freed: freed,
  });
  test('a bad record is refused naming the step and the field', () => {
    expect(() => parseTrace(trace([[], [], ['AUDIT_LANDLOCK_ACCESS domain=1 blockers=x']]), 'f.jsonl', 3)).toThrow(/^f\.jsonl:3: step 2: audit\.0: must be an audit record/);
    expect(() => parseTrace(trace([[], []]), 'f.jsonl')).toThrow(/audit: has records for 2 steps, not 3/);
  });
  test('a missing, extra or differently blamed record is a disagreement; the same records in another order are not', () => {
    const { outcomes, freed } = evaluateAll(s, abi11);
    const F = ['AUDIT_LANDLOCK_DOMAIN domain=D1 status=deallocated denials=1'];
    expect(compareAudit(outcomes, freed, [[], [], [ALLOC(1), ACC(1)]], F)).toEqual({ auditSteps: [], freed: null });
    expect(compareAudit(outcomes, freed, [[], [], [ALLOC(1)]], F).auditSteps.map((a) => a.step)).toEqual([2]);
    expect(compareAudit(outcomes, freed, [[], [ACC(1)], [ACC(1), ALLOC(1)]], F).auditSteps.map((a) => a.step)).toEqual([1]);
    expect(compareAudit(outcomes, freed, [[], [], [ACC(2), ALLOC(2)]], F).auditSteps.length).toBe(1);
    expect(compareAudit(outcomes, freed, [[], [], [ACC(1), ALLOC(1)]], ['AUDIT_LANDLOCK_DOMAIN domain=D1 status=deallocated denials=2']).freed).not.toBeNull();
    expect(compareAudit(outcomes, freed, [[], [], [ACC(1), ALLOC(1)]], []).freed).not.toBeNull();
  });
});

describe('fuzz shrinks a record disagreement', () => {
  test('a kernel that logs nothing for a denial the model logs: found, and shrunk to the few steps that show it', async () => {
    const { fuzz } = await import('../oracle/fuzz.js');
    const { profilesOf } = await import('../properties/arbitrary.js');
    // A fake kernel: the model's own results, but no audit record at all (deallocations neither).
    const kernel = { release: '7.3.4', abi: 11, errata: 15, arch: 'x86_64' };
    const run = async (batch: Scenario[]) => {
      const results = batch.map((s) => evaluate(s, abi11).map((o) => o.result));
      return { kernel, results, rows: results.map((r) => ({ results: r, audit: r.map(() => []), audit_freed: [] })) };
    };
    const rep = await fuzz({ seed: 7, runs: 300, batch: 100, maxShrink: 1, profiles: profilesOf(abi11) }, run);
    expect(rep.disagreeing).toBeGreaterThan(0);
    const f = rep.findings[0]!;
    expect(f.steps).toEqual([]); // the results agree: it is the records
    expect(f.scenario.steps.length).toBeLessThanOrEqual(4);
    expect(f.audit?.every((r) => r.length === 0)).toBe(true);
  });
});

describe('the comparison is strict where the model is sure', () => {
  // D1: a sure denial at step 3, an unsure one (a parent-death signal a sibling thread may re-send) after it.
  const s = sc([
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'restrict_self', by: 'P1', scoped: ['signal'] },
    { op: 'thread', by: 'P1', child: 'T1' },
    KILL,
    { op: 'fork', by: 'P1', child: 'P2' },
    { op: 'pdeathsig', by: 'P2', signal: 'SIGUSR1' },
  ]);
  test('an allocation twice, a stray allocation, a missing or duplicated deallocation are disagreements', () => {
    const { outcomes, freed } = evaluateAll(s, abi11);
    const k = outcomes.map((o) => (o.audit ?? []).map(recordText));
    const F = freed.map(freedText);
    expect(compareAudit(outcomes, freed, k, F)).toEqual({ auditSteps: [], freed: null });
    const twice = k.map((r, i) => (i === 4 ? [...r, ALLOC(1)] : r));
    expect(compareAudit(outcomes, freed, twice, F).auditSteps.map((a) => a.step)).toEqual([4]);
    expect(compareAudit(outcomes, freed, k, []).freed).not.toBeNull();
    expect(compareAudit(outcomes, freed, k, [...F, ...F], ['AUDIT_LANDLOCK_ACCESS domain=D1 blockers=scope.signal opid=P2']).freed).not.toBeNull();
  });
});

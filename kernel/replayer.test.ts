/**
 * Live-kernel tests of the replayer. They run scenarios on this machine's kernel; where
 * Landlock is absent they are skipped with a visible message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario, Step } from '../format/scenario.js';
import { abi11 } from '../model/semantics/index.js';
import { buildScenario, profilesOf, sampleInputs } from '../properties/arbitrary.js';
import { parseTrace, tracesOf } from '../format/trace.js';
import { ensureReplayer } from './build-replayer.js';
import {
  encodeScenario,
  kernelInfo,
  parseResultLine,
  kernelInfoSync,
  landlockAvailable,
  privateTmpAvailable,
  replayEncoded,
  ReplayerError,
  RECORDER,
  replayScenarios,
  type ReplayOutcome,
} from './replayer.js';

const BIN = ensureReplayer();
const LANDLOCK = landlockAvailable();
const ABI = kernelInfoSync().abi;
if (!LANDLOCK)
  console.warn(`[kernel/replayer.test.ts] SKIPPING live-kernel tests: Landlock is not available on ${release()}`);
/** Whether the replayer's working tree is a private tmpfs here (a mount namespace of its own). */
const PRIVATE_TMP = privateTmpAvailable(BIN, tmpdir());
if (LANDLOCK && !PRIVATE_TMP)
  console.warn('[kernel/replayer.test.ts] SKIPPING private-tmpfs tests: the replayer cannot have a mount namespace here (it falls back to a directory in TMPDIR)');

const sc = (steps: Step[], name?: string): Scenario => ({
  format: 'scopecheck-scenario/1',
  ...(name ? { name } : {}),
  steps,
});

/** Mismatches between the `expect` fields of a scenario and an outcome. */
function mismatches(s: Scenario, o: ReplayOutcome): string[] {
  if (o.error) return [o.error];
  const out: string[] = [];
  s.steps.forEach((st, i) => {
    if (st.expect !== undefined && o.results[i] !== st.expect)
      out.push(`${s.name ?? '?'} step ${i} (${st.op} by ${st.by}): expected ${st.expect}, got ${o.results[i]}`);
  });
  return out;
}

async function runAndCheck(scenarios: Scenario[]) {
  const { outcomes } = await replayScenarios(scenarios);
  expect(outcomes).toHaveLength(scenarios.length);
  const bad = scenarios.flatMap((s, i) => mismatches(s, outcomes[i]!));
  expect(bad).toEqual([]);
  scenarios.forEach((s, i) => expect(outcomes[i]!.results).toHaveLength(s.steps.length));
  return outcomes;
}

/** Live processes whose executable is `exe`. */
function processesOf(exe: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/exe`) === exe) pids.push(Number(d));
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return pids;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

describe('kernel info', () => {
  it('reports release, arch, ABI and errata', async () => {
    const k = await kernelInfo();
    expect(k.release).toBe(release());
    expect(k.arch).toBe(spawnSync('uname', ['-m'], { encoding: 'utf8' }).stdout.trim());
    expect(k.abi).toBeGreaterThanOrEqual(0);
    expect(k.errata).toBeGreaterThanOrEqual(0);
    if (LANDLOCK) expect(k.abi).toBeGreaterThanOrEqual(1);
    const v = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
    expect(v.stdout.trim()).toBe('scopecheck-replay 0.1.0');
  });
});

describe('encoding', () => {
  it('encodes names as indices and rejects invalid scenarios', () => {
    const s = sc([
      { op: 'fork', by: 'P0', child: 'A' },
      { op: 'socket', by: 'A', sock: 'x', type: 'dgram' },
      { op: 'restrict_self', by: 'A', scoped: ['signal'], handled_fs: ['read_dir', 'resolve_unix'], rules: [{ path: 'd/e', access: ['read_dir'] }] },
      { op: 'sendto', by: 'A', sock: 'x', addr: { abstract: 'srv' } },
      { op: 'kill', by: 'P0', target: 'A', signal: 'SIGUSR1' },
    ]);
    expect(encodeScenario(s)).toBe(
      `5 drop fork 0 1 socket 1 0 dgram restrict_self 1 2 ${8 + 65536} 0 0 1 1 d/e 8 sendto 1 0 a srv kill 0 1 USR1`,
    );
    expect(() => encodeScenario(sc([{ op: 'listen', by: 'P0', sock: 'nope' }]))).toThrow(/not introduced/);
  });

  it('writes restrict_self in the 1.2 layout: SCOPED HANDLED FLAGS QUIET RULESET NRULES (TSYNC is FLAGS 8)', () => {
    const line = encodeScenario(
      sc([
        { op: 'thread', by: 'P0', child: 'T' },
        { op: 'restrict_self', by: 'T', scoped: ['signal'], tsync: true },
        { op: 'restrict_self', by: 'P0' },
      ]),
    );
    expect(line).toBe('3 drop thread 0 1 restrict_self 1 2 0 8 0 1 0 restrict_self 0 0 0 0 0 1 0');
  });
});

describe('result lines and audit records', () => {
  const s3 = sc([
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'restrict_self', by: 'P1', scoped: ['signal'] },
    { op: 'kill', by: 'P1', target: 'P0' },
  ]);
  it('a line without "|" has no audit', () => {
    expect(parseResultLine('R ok ok EPERM', 0, s3, 2000)).toEqual({ results: ['ok', 'ok', 'EPERM'] });
  });
  it('decodes access, allocated and deallocated records, per step', () => {
    const o = parseResultLine('R ok ok EPERM | A2:D1:scope.signal:opid=0 N2:D1 X:D1:1', 0, s3, 2000);
    expect(o.results).toEqual(['ok', 'ok', 'EPERM']);
    expect(o.audit).toEqual({
      steps: [[], [], [{ type: 'access', domain: 'D1', blockers: ['scope.signal'], object: { opid: 0 } }, { type: 'allocated', domain: 'D1' }]],
      freed: [{ domain: 'D1', denials: 1 }],
    });
    expect(parseResultLine('R ok ok EPERM |', 0, s3, 2000).audit).toEqual({ steps: [[], [], []], freed: [] });
  });
  it('paths, unmapped and absent objects, comma lists, unknown domains, teardown records', () => {
    const o = parseResultLine(
      'R ok ok EPERM | A2:D2:fs.make_sock,fs.resolve_unix:path=d/s A2:D1:scope.abstract_unix_socket:path=@srv A2:Dx1f3a:ptrace:? A2:D1:fs.execute:- At:D1:scope.signal:? Nt:D3 X:Dx1f3a:2',
      0,
      s3,
      2000,
    );
    expect(o.audit!.steps[2]).toEqual([
      { type: 'access', domain: 'D2', blockers: ['fs.make_sock', 'fs.resolve_unix'], object: { path: 'd/s' } },
      { type: 'access', domain: 'D1', blockers: ['scope.abstract_unix_socket'], object: { path: '@srv' } },
      { type: 'access', domain: 'Dx1f3a', blockers: ['ptrace'], object: 'unmapped' },
      { type: 'access', domain: 'D1', blockers: ['fs.execute'], object: null },
    ]);
    expect(o.audit!.teardown).toEqual([
      { type: 'access', domain: 'D1', blockers: ['scope.signal'], object: 'unmapped' },
      { type: 'allocated', domain: 'D3' },
    ]);
    expect(o.audit!.freed).toEqual([{ domain: 'Dx1f3a', denials: 2 }]);
  });
  it('an F line: the failing step has its records too', () => {
    const o = parseResultLine('F timeout ok ok | A2:D1:scope.signal:opid=0', 3, s3, 2000);
    expect(o.error).toMatch(/scenario 3: timed out after 2000 ms at step 2/);
    expect(o.audit!.steps).toHaveLength(3);
  });
  it('rejects a malformed token, naming the scenario', () => {
    for (const bad of ['A2:D1:scope.signal', 'A9:D1:scope.signal:-', 'N2:E1', 'X:D1:x', 'A2:D0:ptrace:-', 'A2:D1:ptrace:opid=x', 'hello'])
      expect(() => parseResultLine(`R ok ok EPERM | ${bad}`, 4, { ...s3, name: 'sig' }, 2000), bad).toThrow(/scenario 4 \(sig\)/);
  });
});

describe.skipIf(!LANDLOCK)('known kernel facts', () => {
  it('runs the example of the format document', async () => {
    await runAndCheck([
      sc(
        [
          { op: 'fork', by: 'P0', child: 'P1' },
          { op: 'socket', by: 'P0', sock: 'srv', type: 'stream' },
          { op: 'bind', by: 'P0', sock: 'srv', addr: { abstract: 'srv' } },
          { op: 'listen', by: 'P0', sock: 'srv' },
          { op: 'restrict_self', by: 'P1', scoped: ['abstract_unix_socket'] },
          { op: 'socket', by: 'P1', sock: 'cli', type: 'stream' },
          { op: 'connect', by: 'P1', sock: 'cli', addr: { abstract: 'srv' }, expect: 'EPERM' },
        ],
        'abstract-stream-connect-to-parent',
      ),
    ]);
  });

  // Kernel selftests, tools/testing/selftests/landlock/scoped_base_variants.h: P1 = P0 (parent), P2 = child.
  // P1->P2 allowed iff !domain_parent; P2->P1 allowed iff !domain_child.
  const variants: [string, boolean, boolean, boolean][] = [
    ['without_domain', false, false, false],
    ['child_domain', false, false, true],
    ['parent_domain', false, true, false],
    ['sibling_domain', false, true, true],
    ['inherited_domain', true, false, false],
    ['nested_domain', true, false, true],
    ['nested_and_parent_domain', true, true, false],
    ['forked_domains', true, true, true],
  ];
  const matrix = (kind: 'abstract-stream' | 'abstract-dgram' | 'signal'): Scenario[] =>
    variants.map(([name, both, parent, child]) => {
      const scope = kind === 'signal' ? ('signal' as const) : ('abstract_unix_socket' as const);
      const type = kind === 'abstract-dgram' ? ('dgram' as const) : ('stream' as const);
      const p1p2 = parent ? 'EPERM' : 'ok';
      const p2p1 = child ? 'EPERM' : 'ok';
      const steps: Step[] = [];
      if (both) steps.push({ op: 'restrict_self', by: 'P0', scoped: [scope], expect: 'ok' });
      steps.push({ op: 'fork', by: 'P0', child: 'P2', expect: 'ok' });
      if (parent) steps.push({ op: 'restrict_self', by: 'P0', scoped: [scope], expect: 'ok' });
      if (child) steps.push({ op: 'restrict_self', by: 'P2', scoped: [scope], expect: 'ok' });
      if (kind === 'signal') {
        steps.push({ op: 'kill', by: 'P0', target: 'P2', expect: p1p2 });
        steps.push({ op: 'kill', by: 'P2', target: 'P0', expect: p2p1 });
        steps.push({ op: 'tgkill', by: 'P0', target: 'P0', signal: 'SIGUSR1', expect: 'ok' });
      } else {
        for (const [srvBy, srv] of [['P0', 'p1srv'], ['P2', 'p2srv']] as const) {
          steps.push({ op: 'socket', by: srvBy, sock: srv, type });
          steps.push({ op: 'bind', by: srvBy, sock: srv, addr: { abstract: srv }, expect: 'ok' });
          if (type === 'stream') steps.push({ op: 'listen', by: srvBy, sock: srv, expect: 'ok' });
        }
        steps.push({ op: 'socket', by: 'P2', sock: 'c2', type });
        steps.push({ op: 'connect', by: 'P2', sock: 'c2', addr: { abstract: 'p1srv' }, expect: p2p1 });
        steps.push({ op: 'socket', by: 'P0', sock: 'c1', type });
        steps.push({ op: 'connect', by: 'P0', sock: 'c1', addr: { abstract: 'p2srv' }, expect: p1p2 });
      }
      return sc(steps, `${kind}.${name}`);
    });

  it('matches the selftest matrix for abstract stream connect', async () => {
    await runAndCheck(matrix('abstract-stream'));
  });
  it('matches the selftest matrix for abstract dgram connect', async () => {
    await runAndCheck(matrix('abstract-dgram'));
  });
  it('matches the selftest matrix for kill(pid, 0)', async () => {
    await runAndCheck(matrix('signal'));
  });

  it('pathname sockets are not scoped (ABI < 9, or RESOLVE_UNIX not handled)', async () => {
    await runAndCheck([
      sc([
        { op: 'mkdir', by: 'P0', path: 'd', expect: 'ok' },
        { op: 'socket', by: 'P0', sock: 'srv', type: 'stream' },
        { op: 'bind', by: 'P0', sock: 'srv', addr: { pathname: 'd/srv' }, expect: 'ok' },
        { op: 'listen', by: 'P0', sock: 'srv', expect: 'ok' },
        { op: 'socket', by: 'P0', sock: 'dg', type: 'dgram' },
        { op: 'bind', by: 'P0', sock: 'dg', addr: { pathname: 'dg' }, expect: 'ok' },
        { op: 'fork', by: 'P0', child: 'P1' },
        { op: 'restrict_self', by: 'P1', scoped: ['abstract_unix_socket', 'signal'], expect: 'ok' },
        { op: 'socket', by: 'P1', sock: 'cli', type: 'stream' },
        { op: 'connect', by: 'P1', sock: 'cli', addr: { pathname: 'd/srv' }, expect: 'ok' },
        { op: 'socket', by: 'P1', sock: 'c2', type: 'dgram' },
        { op: 'sendto', by: 'P1', sock: 'c2', addr: { pathname: 'dg' }, expect: 'ok' },
        { op: 'socket', by: 'P1', sock: 'c3', type: 'seqpacket' },
        { op: 'connect', by: 'P1', sock: 'c3', addr: { pathname: 'd/srv' }, expect: 'EPROTOTYPE' },
        { op: 'socket', by: 'P1', sock: 'c4', type: 'seqpacket' },
        { op: 'connect', by: 'P1', sock: 'c4', addr: { abstract: 'nothing' }, expect: 'ECONNREFUSED' },
        { op: 'sendto', by: 'P1', sock: 'cli', addr: { pathname: 'dg' }, expect: 'EISCONN' },
      ]),
    ]);
  });

  it('rejects the unmerged pathname_unix_socket scope, empty rulesets and (before ABI 8) tsync', async () => {
    await runAndCheck([
      sc([
        { op: 'restrict_self', by: 'P0', scoped: ['pathname_unix_socket'], expect: 'EINVAL' },
        { op: 'restrict_self', by: 'P0', expect: 'ENOMSG' },
        { op: 'restrict_self', by: 'P0', scoped: ['signal'], tsync: true, expect: ABI < 8 ? 'EINVAL' : 'ok' },
        { op: 'restrict_self', by: 'P0', handled_fs: ['read_dir'], rules: [{ path: 'missing', access: ['read_dir'] }], expect: 'ENOENT' },
        { op: 'mkdir', by: 'P0', path: 'r', expect: 'ok' },
        { op: 'restrict_self', by: 'P0', handled_fs: ['read_dir'], rules: [{ path: 'r', access: ['make_dir'] }], expect: 'EINVAL' },
        { op: 'mkdir', by: 'P0', path: 'r', expect: 'EEXIST' },
      ]),
    ]);
  });

  it('allows 16 nested domains, the 17th is E2BIG', async () => {
    const steps: Step[] = [];
    for (let i = 0; i < 16; i++) steps.push({ op: 'restrict_self', by: 'P0', scoped: ['signal'], expect: 'ok' });
    steps.push({ op: 'restrict_self', by: 'P0', scoped: ['signal'], expect: 'E2BIG' });
    await runAndCheck([sc(steps)]);
  });

  it('listen(16): 17 connections pending, then EAGAIN', async () => {
    const steps: Step[] = [
      { op: 'socket', by: 'P0', sock: 'srv', type: 'stream' },
      { op: 'bind', by: 'P0', sock: 'srv', addr: { abstract: 'srv' } },
      { op: 'listen', by: 'P0', sock: 'srv' },
    ];
    for (let i = 0; i < 18; i++) {
      steps.push({ op: 'socket', by: 'P0', sock: `c${i}`, type: 'stream' });
      steps.push({ op: 'connect', by: 'P0', sock: `c${i}`, addr: { abstract: 'srv' }, expect: i < 17 ? 'ok' : 'EAGAIN' });
    }
    await runAndCheck([sc(steps)]);
  });

  it('signals to an exited task fail with ESRCH; exited tasks are reaped', async () => {
    await runAndCheck([
      sc([
        { op: 'fork', by: 'P0', child: 'P1' },
        { op: 'fork', by: 'P1', child: 'P2' },
        { op: 'thread', by: 'P2', child: 'T2' },
        { op: 'exit', by: 'P1', expect: 'ok' },
        { op: 'kill', by: 'P0', target: 'P1', expect: 'ESRCH' },
        { op: 'tgkill', by: 'P0', target: 'P1', signal: 'SIGUSR1', expect: 'ESRCH' },
        { op: 'kill', by: 'P0', target: 'P2', signal: 'SIGUSR1', expect: 'ok' },
        { op: 'tgkill', by: 'P0', target: 'T2', signal: 'SIGUSR1', expect: 'ok' },
        { op: 'exit', by: 'T2', expect: 'ok' },
        { op: 'kill', by: 'P0', target: 'P2', expect: 'ESRCH' },
        { op: 'tgkill', by: 'P0', target: 'T2', expect: 'ESRCH' },
        { op: 'fork', by: 'P0', child: 'P3' },
        { op: 'exit', by: 'P0', expect: 'ok' },
        { op: 'kill', by: 'P3', target: 'P0', expect: 'ESRCH' },
      ]),
    ]);
  });

  it('threads: per-thread domains, signals within a process always allowed (erratum 2)', async () => {
    const k = await kernelInfo();
    const erratum2 = (k.errata & 2) !== 0;
    await runAndCheck([
      sc([
        { op: 'thread', by: 'P0', child: 'T1' },
        { op: 'restrict_self', by: 'T1', scoped: ['signal', 'abstract_unix_socket'], expect: 'ok' },
        { op: 'tgkill', by: 'T1', target: 'P0', expect: erratum2 ? 'ok' : 'EPERM' },
        { op: 'kill', by: 'T1', target: 'P0', expect: erratum2 ? 'ok' : 'EPERM' },
        { op: 'fork', by: 'T1', child: 'P2' },
        { op: 'fork', by: 'P0', child: 'P3' },
        { op: 'socket', by: 'P0', sock: 'srv', type: 'stream' },
        { op: 'bind', by: 'P0', sock: 'srv', addr: { abstract: 'srv' } },
        { op: 'listen', by: 'P0', sock: 'srv' },
        { op: 'socket', by: 'P2', sock: 'c2', type: 'stream' },
        { op: 'connect', by: 'P2', sock: 'c2', addr: { abstract: 'srv' }, expect: 'EPERM' },
        { op: 'socket', by: 'P3', sock: 'c3', type: 'stream' },
        { op: 'connect', by: 'P3', sock: 'c3', addr: { abstract: 'srv' }, expect: 'ok' },
        // kill checks the thread-group leader; tgkill the named thread
        { op: 'kill', by: 'P2', target: 'T1', expect: 'EPERM' },
        { op: 'tgkill', by: 'P2', target: 'T1', expect: 'ok' },
        { op: 'tgkill', by: 'P2', target: 'P0', expect: 'EPERM' },
        // P2 is a child of thread T1; the main thread P0 reaps it
        { op: 'exit', by: 'P2', expect: 'ok' },
        { op: 'kill', by: 'P0', target: 'P2', expect: 'ESRCH' },
        { op: 'kill', by: 'P3', target: 'T1', expect: 'ok' },
      ]),
    ]);
  });

  it('descriptors: fork copies, pass installs, close forgets, unknown ones are EBADF', async () => {
    await runAndCheck([
      sc([
        { op: 'fork', by: 'P0', child: 'P1' },
        { op: 'socketpair', by: 'P0', socks: ['a', 'b'], type: 'dgram', expect: 'ok' },
        { op: 'send', by: 'P1', sock: 'a', expect: 'EBADF' },
        { op: 'pass', by: 'P1', sock: 'a', to: 'P0', expect: 'EBADF' },
        { op: 'pass', by: 'P0', sock: 'a', to: 'P1', expect: 'ok' },
        { op: 'send', by: 'P1', sock: 'a', expect: 'ok' },
        { op: 'pass', by: 'P0', sock: 'a', to: 'P1', expect: 'ok' },
        { op: 'close', by: 'P1', sock: 'a', expect: 'ok' },
        { op: 'send', by: 'P1', sock: 'a', expect: 'EBADF' },
        { op: 'close', by: 'P1', sock: 'a', expect: 'EBADF' },
        { op: 'fork', by: 'P0', child: 'P2' },
        { op: 'close', by: 'P0', sock: 'b', expect: 'ok' },
        { op: 'send', by: 'P2', sock: 'a', expect: 'ok' },
        { op: 'close', by: 'P2', sock: 'b', expect: 'ok' },
        { op: 'send', by: 'P2', sock: 'a', expect: 'ECONNREFUSED' },
        { op: 'socket', by: 'P0', sock: 's', type: 'stream' },
        { op: 'send', by: 'P0', sock: 's', expect: 'ENOTCONN' },
        { op: 'listen', by: 'P0', sock: 's', expect: 'EINVAL' },
        { op: 'sendto', by: 'P0', sock: 's', addr: { abstract: 'x' }, expect: 'EOPNOTSUPP' },
      ]),
    ]);
  });

  it('abstract names and pathnames are private to each run', async () => {
    const s = sc([
      { op: 'mkdir', by: 'P0', path: 'd', expect: 'ok' },
      { op: 'socket', by: 'P0', sock: 'a', type: 'stream' },
      { op: 'bind', by: 'P0', sock: 'a', addr: { abstract: 'same' }, expect: 'ok' },
      { op: 'socket', by: 'P0', sock: 'p', type: 'stream' },
      { op: 'bind', by: 'P0', sock: 'p', addr: { pathname: 'd/same' }, expect: 'ok' },
      { op: 'socket', by: 'P0', sock: 'b', type: 'stream' },
      { op: 'bind', by: 'P0', sock: 'b', addr: { abstract: 'same' }, expect: 'EADDRINUSE' },
    ]);
    await runAndCheck(Array.from({ length: 50 }, () => s));
  });

  it('records scopecheck-trace/1 records', async () => {
    const s = sc([{ op: 'restrict_self', by: 'P0', scoped: ['signal'] }]);
    const r = await replayScenarios([s]);
    const [t] = tracesOf([s], r.kernel, RECORDER, r.outcomes.map((o) => ({ results: o.results })));
    expect(t!.recorder).toEqual({ name: 'scopecheck-replay', version: '0.1.0' });
    expect(t!.results).toEqual(['ok']);
    const back = parseTrace(JSON.parse(JSON.stringify(t)));
    expect(back.kernel).toEqual(await kernelInfo());
  });
});

describe.skipIf(!LANDLOCK)('containment and cleanup', () => {
  // A private copy of the binary, so that processes of this test can be told apart from
  // replayers that other test files may be running concurrently.
  let work: string;
  let bin: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'scopecheck-replay-test-'));
    bin = join(work, 'scopecheck-replay-copy');
    copyFileSync(BIN, bin);
    spawnSync('chmod', ['755', bin]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const normal = sc([
    { op: 'mkdir', by: 'P0', path: 'd' },
    { op: 'socket', by: 'P0', sock: 's', type: 'stream' },
    { op: 'bind', by: 'P0', sock: 's', addr: { pathname: 'd/s' } },
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'thread', by: 'P1', child: 'T1' },
    { op: 'fork', by: 'T1', child: 'P2' },
  ]);

  it('a crashing and a hanging scenario fail alone; nothing is left behind', async () => {
    const tmp = mkdtempSync(join(work, 'batch-'));
    const lines = [
      encodeScenario(normal),
      `${encodeScenario(normal).replace(/^6 drop /, '8 drop ')} crash 2 socket 0 1 stream`,
      encodeScenario(normal),
      `${encodeScenario(normal).replace(/^6 drop /, '8 drop ')} hang 3 socket 0 1 stream`,
      encodeScenario(normal),
    ];
    const t0 = Date.now();
    const out = await replayEncoded(lines, { binary: bin, tmpdir: tmp, timeoutMs: 300, testHooks: true });
    expect(Date.now() - t0).toBeLessThan(15_000) // bounded by the 300 ms watchdogs, with room for a loaded machine;
    expect(out[0]).toEqual({ results: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'] });
    expect(out[2]).toEqual(out[0]);
    expect(out[4]).toEqual(out[0]);
    expect(out[1]!.results).toHaveLength(6);
    expect(out[1]!.error).toMatch(/scenario 1: crashed .* at step 6/);
    expect(out[3]!.results).toHaveLength(6);
    expect(out[3]!.error).toMatch(/scenario 3: timed out after 300 ms at step 6/);
    expect(processesOf(bin)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    // without the test-hook environment the hook ops do not exist
    await expect(replayEncoded([lines[1]!], { binary: bin, tmpdir: tmp })).rejects.toThrow(/unknown op "crash"/);
  });

  it('SIGKILL of the replayer mid-batch leaves no process, socket or directory', async () => {
    const tmp = mkdtempSync(join(work, 'batch-'));
    let pid = 0;
    const lines = Array.from({ length: 20 }, () => `${encodeScenario(normal).replace(/^6 drop /, '7 drop ')} hang 2`);
    const p = replayEncoded(lines, {
      binary: bin,
      tmpdir: tmp,
      timeoutMs: 60_000,
      testHooks: true,
      onSpawn: (x) => (pid = x),
    });
    // wait until both workers hold a hanging scenario with all its processes
    expect(await waitFor(() => processesOf(bin).length >= 2 + 2 * 4, 5000)).toBe(true);
    const before = processesOf(bin);
    process.kill(pid, 'SIGKILL');
    await expect(p).rejects.toThrow(/killed by SIGKILL/);
    // gone = not even a zombie any more (a zombie has no readable /proc/PID/exe)
    const gone = (q: number) => {
      try {
        process.kill(q, 0);
        return false;
      } catch {
        return true;
      }
    };
    expect(await waitFor(() => processesOf(bin).length === 0 && before.every(gone), 5000)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    const unix = readFileSync('/proc/net/unix', 'utf8');
    expect(unix.includes(`@sc${pid}.`)).toBe(false);
  });

  /** The tasks of this test's binary whose cwd is a scenario directory under dir. */
  const tasksIn = (dir: string) =>
    processesOf(bin).filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(`${dir}/`);
      } catch {
        return false;
      }
    });
  const gone = (q: number) => {
    try {
      process.kill(q, 0);
      return false;
    } catch {
      return true;
    }
  };
  const hanging = () => Array.from({ length: 20 }, () => `${encodeScenario(normal).replace(/^6 drop /, '7 drop ')} hang 2`);

  it.skipIf(!PRIVATE_TMP)('the working tree is a private tmpfs: scenario directories and sockets exist only in its mount namespace', async () => {
    const tmp = mkdtempSync(join(work, 'batch-'));
    let pid = 0;
    const p = replayEncoded(hanging(), { binary: bin, tmpdir: tmp, timeoutMs: 60_000, testHooks: true, onSpawn: (x) => (pid = x) });
    expect(await waitFor(() => tasksIn(tmp).length >= 2, 5000)).toBe(true);
    const [task] = tasksIn(tmp);
    // seen from a task: its scenario directory, with the directory and the socket of the scenario
    expect(readdirSync(`/proc/${task}/cwd`)).toEqual(['d']);
    expect(readdirSync(`/proc/${task}/cwd/d`)).toEqual(['s']);
    const mount = readFileSync(`/proc/${task}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === tmp);
    expect(mount).toMatch(/ - tmpfs scopecheck-replay rw,size=65536k,nr_inodes=\d+,mode=700/);
    expect(mount).toMatch(/nosuid,nodev,noexec/);
    // seen from the host: nothing, nothing mounted, the replayer in a mount namespace of its own
    expect(readdirSync(tmp)).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8').includes(tmp)).toBe(false);
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).not.toBe(readlinkSync('/proc/self/ns/mnt'));
    const before = processesOf(bin);
    process.kill(pid, 'SIGKILL');
    await expect(p).rejects.toThrow(/killed by SIGKILL/);
    expect(await waitFor(() => processesOf(bin).length === 0 && before.every(gone), 5000)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it.skipIf(!PRIVATE_TMP)('SIGKILL of the standalone replayer (no --tmpdir) leaves nothing in $TMPDIR', async () => {
    const tmp = mkdtempSync(join(work, 'batch-'));
    const child = spawn(bin, ['--timeout-ms', '60000'], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, TMPDIR: tmp, SCOPECHECK_REPLAY_TEST_HOOKS: '1' },
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(hanging().join('\n') + '\n');
    expect(await waitFor(() => tasksIn(tmp).length >= 2, 5000)).toBe(true);
    const before = processesOf(bin);
    child.kill('SIGKILL');
    expect(await waitFor(() => processesOf(bin).length === 0 && before.every(gone), 5000)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('where the private tmpfs is refused (forced here), the driver falls back to a batch directory it removes', async () => {
    const tmp = mkdtempSync(join(work, 'batch-'));
    let pid = 0;
    const p = replayEncoded(hanging(), { binary: bin, tmpdir: tmp, timeoutMs: 60_000, testHooks: true, privateTmp: false, onSpawn: (x) => (pid = x) });
    expect(await waitFor(() => tasksIn(tmp).length >= 2, 5000)).toBe(true);
    expect(readdirSync(tmp)).toEqual([expect.stringMatching(/^scopecheck-replay-/)]);
    expect(readFileSync(`/proc/${tasksIn(tmp)[0]}/mountinfo`, 'utf8').includes(tmp)).toBe(false);
    const before = processesOf(bin);
    process.kill(pid, 'SIGKILL');
    await expect(p).rejects.toThrow(/killed by SIGKILL/);
    expect(await waitFor(() => processesOf(bin).length === 0 && before.every(gone), 5000)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    // and a batch that runs to its end gives the same results as on the private tmpfs
    const lines = Array.from({ length: 40 }, () => encodeScenario(normal));
    const a = await replayEncoded(lines, { binary: bin, tmpdir: tmp, privateTmp: false });
    expect(a).toEqual(await replayEncoded(lines, { binary: bin, tmpdir: tmp }));
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('--check-private-tmp: "tmpdir" without namespaces, for a missing base or with --no-private-tmp', () => {
    const check = (...args: string[]) => spawnSync(bin, ['--check-private-tmp', ...args], { encoding: 'utf8' });
    for (const args of [['--no-namespaces'], ['--no-private-tmp'], ['--tmpdir', join(work, 'nonexistent')], ['--tmpdir', '/']]) {
      const r = check(...args);
      expect([r.status, r.stdout, r.stderr]).toEqual([0, 'tmpdir\n', '']);
    }
    expect(check('--tmpdir', work).stdout).toBe(PRIVATE_TMP ? 'private-tmpfs\n' : 'tmpdir\n');
  });

  it('signals never reach a process outside the scenario', async () => {
    const sentinel: ChildProcess = spawn('bash', ['-c', 'trap "echo USR1" USR1; echo ready; while :; do sleep 0.02; done'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let got = '';
    sentinel.stdout!.setEncoding('utf8');
    sentinel.stdout!.on('data', (d: string) => (got += d));
    expect(await waitFor(() => got.includes('ready'), 5000)).toBe(true);
    try {
      const s = sc([
        { op: 'fork', by: 'P0', child: 'P1' },
        { op: 'thread', by: 'P1', child: 'T1' },
        { op: 'fork', by: 'P0', child: 'P2' },
        { op: 'kill', by: 'P0', target: 'P1', signal: 'SIGUSR1', expect: 'ok' },
        { op: 'tgkill', by: 'P2', target: 'T1', signal: 'SIGUSR1', expect: 'ok' },
        { op: 'exit', by: 'P1' },
        { op: 'kill', by: 'P0', target: 'P1', signal: 'SIGUSR1', expect: 'ESRCH' },
        { op: 'tgkill', by: 'P0', target: 'T1', signal: 'SIGUSR1', expect: 'ESRCH' },
        { op: 'kill', by: 'P2', target: 'P0', signal: 'SIGUSR1', expect: 'ok' },
        { op: 'exit', by: 'P0' },
        { op: 'kill', by: 'P2', target: 'P0', signal: 'SIGUSR1', expect: 'ESRCH' },
        { op: 'kill', by: 'P2', target: 'P2', signal: 'SIGUSR1', expect: 'ok' },
      ]);
      const { outcomes } = await replayScenarios(Array.from({ length: 300 }, () => s), { binary: bin });
      expect(outcomes.flatMap((o) => mismatches(s, o))).toEqual([]);
      await new Promise((r) => setTimeout(r, 100));
      expect(got.includes('USR1')).toBe(false);
      expect(sentinel.exitCode).toBe(null);
    } finally {
      sentinel.kill('SIGKILL');
    }
  });
});

describe.skipIf(!LANDLOCK)('containment of the 1.1 signal paths', () => {
  /** A process outside every scenario that reports each of the scenario signals it receives. */
  function sentinel(): { got: () => string; proc: ChildProcess } {
    const proc = spawn('bash', ['-c', 'for s in USR1 USR2 IO URG; do trap "echo $s" $s; done; echo ready; while :; do sleep 0.02; done'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let got = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => (got += d));
    return { got: () => got, proc };
  }
  const GROUP_OPS = new Set(['kill_all', 'killpg', 'pidfd_send_signal', 'setown']);

  it('kill(-1), process groups, pidfds and group owners over 20,000 fuzzed scenarios reach nothing outside (4 workers)', async () => {
    const s = sentinel();
    expect(await waitFor(() => s.got().includes('ready'), 5000)).toBe(true);
    try {
      const scenarios: Scenario[] = [];
      for (let seed = 1; scenarios.length < 20000; seed++)
        for (const g of sampleInputs(5000, seed)) {
          const sc = buildScenario(g.actions, profilesOf(abi11));
          if (sc.steps.some((st) => GROUP_OPS.has(st.op) && (st.op !== 'setown' || 'pgrp' in st.owner))) scenarios.push(sc);
          if (scenarios.length === 20000) break;
        }
      const kills = scenarios.reduce((n, sc) => n + sc.steps.filter((st) => st.op === 'kill_all' && st.signal).length, 0);
      expect(kills).toBeGreaterThan(1000);
      const { outcomes } = await replayScenarios(scenarios, { binary: BIN, workers: 4 });
      expect(outcomes.filter((o) => o.error).map((o) => o.error)).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
      expect(s.got().replace('ready\n', '')).toBe('');
      expect(s.proc.exitCode).toBe(null);
    } finally {
      s.proc.kill('SIGKILL');
    }
  }, 120_000);
});

describe('build', () => {
  it('reports a missing compiler clearly', () => {
    const saved = process.env.CC;
    process.env.CC = '/nonexistent/gcc';
    try {
      expect(() => ensureReplayer({ force: true, quiet: true })).toThrow(/C compiler "\/nonexistent\/gcc" was not found.*needs gcc/);
    } finally {
      if (saved === undefined) delete process.env.CC;
      else process.env.CC = saved;
    }
    expect(ensureReplayer()).toBe(BIN);
  });
});

describe('bad input', () => {
  const run = (input: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync(BIN, ['--no-namespaces', '--workers', '1'], {
      input,
      encoding: 'utf8',
      env: { ...process.env, SCOPECHECK_REPLAY_TEST_HOOKS: '', ...env },
      maxBuffer: 64 << 20,
    });

  it.each([
    ['garbage', 'hello world', /step count: not a number/],
    ['no capabilities word', '1 mkdir 0 d', /caps|capabilit/],
    ['unknown op', '1 drop frobnicate 0', /step 0: unknown op "frobnicate"/],
    ['test op without test mode', '1 drop hang 0', /step 0: unknown op "hang"/],
    ['too many steps', `1025 drop ${'mkdir 0 d '.repeat(1025).trim()}`, /at most 1024/],
    ['too many tasks', `64 drop ${Array.from({ length: 64 }, (_, i) => `fork 0 ${i + 1}`).join(' ')}`, /too many tasks/],
    ['too many sockets', `257 drop ${Array.from({ length: 257 }, (_, i) => `socket 0 ${i} dgram`).join(' ')}`, /too many sockets and pidfds/],
    ['task out of range', '1 drop kill 0 7 0', /task 7 is not introduced/],
    ['exited actor', '2 drop exit 0 mkdir 0 d', /step 1: by: task 0 has exited/],
    ['socket out of order', '1 drop socket 0 3 stream', /next index 0/],
    ['long abstract name', `2 drop socket 0 0 dgram bind 0 0 a ${'x'.repeat(65)}`, /longer than 64/],
    ['dot-dot path', '1 drop mkdir 0 a/../b', /"\.\." component/],
    ['bad signal', '2 drop fork 0 1 kill 0 1 9', /signal: must be 0, USR1, USR2, IO or URG/],
    ['missing tokens', '2 drop mkdir 0 d', /step 1: missing/],
    ['trailing tokens', '1 drop mkdir 0 d extra', /trailing tokens/],
    ['line too long', `1 drop mkdir 0 ${'x'.repeat((1 << 20) + 10)}`, /longer than 1048576 bytes/],
  ])('%s: clear error, exit status 2, no partial output', (_name, line, re) => {
    const r = run(`1 drop mkdir 0 ok\n${line}\n1 drop mkdir 0 never\n`);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('R ok\n'); // the scenario before is answered, nothing after
    expect(r.stderr).toMatch(/scenario index 1/);
    expect(r.stderr).toMatch(re);
  });

  it('the TS driver reports a rejected input as a ReplayerError', async () => {
    const err = await replayEncoded(['1 drop bogus 0'], {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayerError);
    expect((err as ReplayerError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/unknown op "bogus"/);
  });
});

describe.skipIf(!LANDLOCK)('throughput', () => {
  it('replays 4000 scenarios of 10-20 steps', async () => {
    const gen = (i: number): Scenario => {
      const steps: Step[] = [
        { op: 'fork', by: 'P0', child: 'P1' },
        { op: 'socket', by: 'P0', sock: 'srv', type: i % 2 ? 'stream' : 'seqpacket' },
        { op: 'bind', by: 'P0', sock: 'srv', addr: { abstract: 'srv' } },
        { op: 'listen', by: 'P0', sock: 'srv' },
        { op: 'restrict_self', by: 'P1', scoped: i % 3 ? ['abstract_unix_socket'] : ['signal'] },
        { op: 'socket', by: 'P1', sock: 'cli', type: i % 2 ? 'stream' : 'seqpacket' },
        { op: 'connect', by: 'P1', sock: 'cli', addr: { abstract: 'srv' } },
        { op: 'kill', by: 'P1', target: 'P0' },
        { op: 'socketpair', by: 'P0', socks: ['a', 'b'], type: 'dgram' },
        { op: 'pass', by: 'P0', sock: 'a', to: 'P1' },
        { op: 'send', by: 'P1', sock: 'a' },
      ];
      for (let k = 0; k < i % 10; k++) steps.push({ op: 'kill', by: 'P0', target: 'P1', signal: k % 2 ? 'SIGUSR1' : 0 });
      return sc(steps);
    };
    const scenarios = Array.from({ length: 4000 }, (_, i) => gen(i));
    const steps = scenarios.reduce((n, s) => n + s.steps.length, 0);
    const t0 = performance.now();
    const { outcomes } = await replayScenarios(scenarios);
    const secs = (performance.now() - t0) / 1000;
    console.log(
      `[throughput] ${scenarios.length} scenarios (${(steps / scenarios.length).toFixed(1)} steps avg) in ${secs.toFixed(2)} s: ` +
        `${Math.round(scenarios.length / secs)} scenarios/s`,
    );
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes[1]!.results.slice(0, 8)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'EPERM', 'ok']);
    expect(outcomes[3]!.results.slice(0, 8)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'EPERM']);
    // generous bound so a loaded CI machine does not fail; the goal is >= 2000/s
    expect(scenarios.length / secs).toBeGreaterThan(300);
  });
});

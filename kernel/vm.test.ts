/**
 * Tests of replaying scenarios inside qemu VMs on Debian's cloud kernels (kernel/vm.ts).
 * The live tests boot 7.3 (ABI 11) and 6.12 (ABI 6) once each. They are skipped with a
 * visible message only when qemu is missing or a kernel cannot be downloaded (no
 * network); any other problem fails. Kernels are cached in ~/.cache/scopecheck.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Scenario, Step } from '../format/scenario.js';
import { DebianKernelError, EXPECTED_ABI, releaseMatches, resolveDebianKernel, type DebianKernel } from './debian.js';
import { ensureReplayer } from './build-replayer.js';
import { guestInitramfs, newcArchive } from './initramfs.js';
import type { ReplayOutcome } from './replayer.js';
import { checkExpectedAbi, parseGuestReport, qemuAvailable, replayInVm, replayLinesInVm, VmError, type VmResult } from './vm.js';

const QEMU = qemuAvailable();
if (!QEMU)
  console.warn('[kernel/vm.test.ts] SKIPPING VM tests: qemu-system-x86_64 is not installed (Debian package qemu-system-x86)');

const sc = (steps: Step[], name?: string): Scenario => ({ format: 'scopecheck-scenario/1', ...(name ? { name } : {}), steps });

/** Mismatches between the `expect` fields of scenarios and their outcomes. */
function mismatches(scenarios: Scenario[], outcomes: ReplayOutcome[]): string[] {
  return scenarios.flatMap((s, i) => {
    const o = outcomes[i]!;
    if (o.error) return [o.error];
    return s.steps.flatMap((st, k) =>
      st.expect !== undefined && o.results[k] !== st.expect
        ? [`${s.name ?? i} step ${k} (${st.op} by ${st.by}): expected ${st.expect}, got ${o.results[k]}`]
        : [],
    );
  });
}

function abstractScoping(): Scenario {
  return sc(
    [
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'socket', by: 'P0', sock: 'srv', type: 'stream' },
      { op: 'bind', by: 'P0', sock: 'srv', addr: { abstract: 'srv' } },
      { op: 'listen', by: 'P0', sock: 'srv' },
      { op: 'restrict_self', by: 'P1', scoped: ['abstract_unix_socket'], expect: 'ok' },
      { op: 'socket', by: 'P1', sock: 'cli', type: 'stream' },
      { op: 'connect', by: 'P1', sock: 'cli', addr: { abstract: 'srv' }, expect: 'EPERM' },
      { op: 'kill', by: 'P1', target: 'P0', expect: 'ok' },
    ],
    'abstract-connect-to-parent',
  );
}

/** RESOLVE_UNIX (ABI 9, Linux 7.1): EACCES from 7.1; an unknown access right (EINVAL) before. */
function resolveUnix(abi: number): Scenario {
  const has = abi >= 9;
  return sc(
    [
      { op: 'mkdir', by: 'P0', path: 'd', expect: 'ok' },
      { op: 'socket', by: 'P0', sock: 'srv', type: 'stream' },
      { op: 'bind', by: 'P0', sock: 'srv', addr: { pathname: 'd/srv' }, expect: 'ok' },
      { op: 'listen', by: 'P0', sock: 'srv' },
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'restrict_self', by: 'P1', handled_fs: ['resolve_unix'], expect: has ? 'ok' : 'EINVAL' },
      { op: 'socket', by: 'P1', sock: 'cli', type: 'stream' },
      { op: 'connect', by: 'P1', sock: 'cli', addr: { pathname: 'd/srv' }, expect: has ? 'EACCES' : 'ok' },
    ],
    'resolve-unix-connect',
  );
}

/** TSYNC (ABI 8): EINVAL before; with it, the sibling thread's own domain is replaced (scenarios/edge-abi8/34-tsync-replaces.json). */
function tsync(abi: number): Scenario {
  const has = abi >= 8;
  return sc(
    [
      { op: 'thread', by: 'P0', child: 'T1' },
      { op: 'restrict_self', by: 'T1', scoped: ['signal'], expect: 'ok' },
      { op: 'restrict_self', by: 'P0', scoped: ['signal'], tsync: true, expect: has ? 'ok' : 'EINVAL' },
      { op: 'fork', by: 'T1', child: 'C' },
      { op: 'kill', by: 'C', target: 'P0', expect: has ? 'ok' : 'EPERM' },
      { op: 'restrict_self', by: 'P0', scoped: ['pathname_unix_socket'], expect: 'EINVAL' },
    ],
    'tsync',
  );
}

// ------------------------------------------------------------------------------------------
// Without a VM

describe('guest report parsing', () => {
  const s1 = sc([{ op: 'socket', by: 'P0', sock: 's', type: 'stream' }]);
  const s2 = sc([
    { op: 'socket', by: 'P0', sock: 's', type: 'stream' },
    { op: 'bind', by: 'P0', sock: 's', addr: { abstract: 'x' } },
  ]);
  const fnv = (s: string) => {
    let h = 0x811c9dc5;
    for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 16777619) >>> 0;
    return h.toString(16).padStart(8, '0');
  };
  const info = 'I {"release":"7.3.4+deb13-cloud-amd64","abi":11,"errata":15,"arch":"x86_64"}';
  const report = (body: string[], count = body.length - 1, status = 0, hash = fnv(body.map((l) => `${l}\n`).join(''))) =>
    `console noise\r\nSCOPECHECK-BEGIN 1\n${body.join('\n')}\nSCOPECHECK-END ${count} ${hash} ${status}\n`;

  it('parses an intact report (CRs tolerated) into the kernel info and outcomes', () => {
    const r = parseGuestReport(report([info, 'R ok', 'F timeout ok']).replace(/\n/g, '\r\n'), [s1, s2], 500);
    expect(r.kernel).toEqual({ release: '7.3.4+deb13-cloud-amd64', abi: 11, errata: 15, arch: 'x86_64' });
    expect(r.outcomes[0]).toEqual({ results: ['ok'] });
    expect(r.outcomes[1]!.results).toEqual(['ok']);
    expect(r.outcomes[1]!.error).toMatch(/scenario 1: timed out after 500 ms at step 1 \(bind by P0\)/);
  });

  it('parses the audit records after "|"', () => {
    const r = parseGuestReport(report([info, 'R ok |', 'R ok EPERM | A1:D1:scope.abstract_unix_socket:path=@x N1:D1 X:D1:1']), [s1, s2]);
    expect(r.outcomes[0]).toEqual({ results: ['ok'], audit: { steps: [[]], freed: [] } });
    expect(r.outcomes[1]!.audit).toEqual({
      steps: [[], [{ type: 'access', domain: 'D1', blockers: ['scope.abstract_unix_socket'], object: { path: '@x' } }, { type: 'allocated', domain: 'D1' }]],
      freed: [{ domain: 'D1', denials: 1 }],
    });
  });

  it('rejects missing, truncated, garbled and failed reports', () => {
    const bad = (text: string, reason: string, msg: RegExp) => {
      let err: unknown;
      try {
        parseGuestReport(text, [s1, s2]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VmError);
      expect((err as VmError).reason).toBe(reason);
      expect((err as VmError).message).toMatch(msg);
    };
    bad('', 'no-report', /no report/);
    bad(`SCOPECHECK-BEGIN 1\n${info}\nR ok\n`, 'crash', /truncated/);
    bad(report([info, 'R ok', 'R ok oK']).replace('oK', 'ok'), 'garbled', /garbled/); // hash of other bytes
    bad(report([info, 'R ok'], 2), 'garbled', /1 result line\(s\) for a count of 2/);
    bad(report([info, 'R ok', 'R ok ok'], 2, 0, '00000000'), 'garbled', /hash/);
    bad(report([info, 'R ok', 'R ok']), 'garbled', /1 results for 2 steps/);
    bad(report([info, 'R ok', 'X ok ok']), 'garbled', /unexpected result line 2/);
    bad(report([info, 'R ok |', 'R ok ok | A1:D1:scope.signal']), 'garbled', /unexpected result line 2 .*scenario 1: malformed audit record token "A1:D1:scope.signal"/);
    bad(report([info, 'R ok']), 'garbled', /answered 1 of 2/);
    bad(report([info], 0, 2), 'rejected', /rejected its input/);
    bad(report([info, 'R ok'], 1, 1), 'crash', /exited with status 1/);
    bad(`SCOPECHECK-BEGIN 1\n${info}\nSCOPECHECK-ERROR mount proc on /proc: ENODEV\n`, 'crash', /mount proc/);
    bad(report(['I {"release":1}', 'R ok', 'R ok ok']), 'garbled', /kernel info line is garbled/);
  });
});

describe('initramfs', () => {
  it('writes a newc archive with /init, the batch and /dev/console', () => {
    const a = newcArchive([
      { name: 'dev', type: 'dir' },
      { name: 'dev/console', type: 'chardev', rdev: [5, 1] },
      { name: 'init', type: 'file', perm: 0o755, data: Buffer.from('abc') },
    ]);
    // walk the archive
    const seen: { name: string; mode: number; size: number; rdev: number[]; data: string }[] = [];
    let off = 0;
    for (;;) {
      expect(a.subarray(off, off + 6).toString()).toBe('070701');
      const f = (i: number) => parseInt(a.subarray(off + 6 + 8 * i, off + 14 + 8 * i).toString(), 16);
      const namesize = f(11);
      const size = f(6);
      const name = a.subarray(off + 110, off + 110 + namesize - 1).toString();
      const dataOff = off + Math.ceil((110 + namesize) / 4) * 4;
      seen.push({ name, mode: f(1), size, rdev: [f(9), f(10)], data: a.subarray(dataOff, dataOff + size).toString() });
      off = dataOff + Math.ceil(size / 4) * 4;
      if (name === 'TRAILER!!!') break;
    }
    expect(off).toBe(a.length);
    expect(seen.map((e) => e.name)).toEqual(['dev', 'dev/console', 'init', 'TRAILER!!!']);
    expect(seen[0]!.mode).toBe(0o40755);
    expect(seen[1]).toMatchObject({ mode: 0o20600, rdev: [5, 1] });
    expect(seen[2]).toMatchObject({ mode: 0o100755, size: 3, data: 'abc' });
    const img = gunzipSync(guestInitramfs(ensureReplayer(), '1 socket 0 0 stream\n'));
    expect(img.includes(Buffer.from('scopecheck/batch\0'))).toBe(true);
    expect(img.includes(Buffer.from('1 socket 0 0 stream\n'))).toBe(true);
  });
});

describe('Debian kernel versions', () => {
  it('matches releases by version prefix and knows the expected ABIs', () => {
    expect(releaseMatches('7.3.4+deb13-cloud-amd64', '7.3')).toBe(true);
    expect(releaseMatches('7.3.4+deb13-cloud-amd64', '7.3.4')).toBe(true);
    expect(releaseMatches('7.3.4+deb13-cloud-amd64', '7.3.4+deb13-cloud-amd64')).toBe(true);
    expect(releaseMatches('7.30.1+deb13-cloud-amd64', '7.3')).toBe(false);
    expect(releaseMatches('7.3.40+deb13-cloud-amd64', '7.3.4')).toBe(false);
    expect(EXPECTED_ABI['7.3']!.abi).toBe(11);
    expect(() => checkExpectedAbi({ release: '7.3.4+deb13-cloud-amd64', abi: 11, errata: 15, arch: 'x86_64' }, '7.3')).not.toThrow();
    expect(() => checkExpectedAbi({ release: '6.16.3+deb13-cloud-amd64', abi: 7, errata: 7, arch: 'x86_64' }, '6.16')).not.toThrow();
    expect(() => checkExpectedAbi({ release: '7.2.13+deb13-cloud-amd64', abi: 9, errata: 7, arch: 'x86_64' }, '7.2')).toThrow(
      /ABI 9, but Debian 7.2 is expected to have ABI 10/,
    );
  });

  it('rejects a malformed version without touching the network', async () => {
    await expect(resolveDebianKernel('7')).rejects.toMatchObject({ reason: 'bad-version' });
  });
});

// ------------------------------------------------------------------------------------------
// Live VMs

/** Resolves a kernel; undefined (after a visible warning) only when it cannot be downloaded. */
async function kernelOrSkip(version: string): Promise<DebianKernel | undefined> {
  try {
    return await resolveDebianKernel(version, { log: (m) => console.warn(`[kernel/vm.test.ts] ${m}`) });
  } catch (e) {
    if (e instanceof DebianKernelError && e.reason === 'network') {
      console.warn(`[kernel/vm.test.ts] SKIPPING the ${version} VM test: the kernel cannot be downloaded:\n${e.message}`);
      return undefined;
    }
    throw e;
  }
}

describe.skipIf(!QEMU)('replayInVm on Debian kernels', () => {
  const boot = async (version: string, abi: number): Promise<VmResult | undefined> => {
    const k = await kernelOrSkip(version);
    if (!k) return undefined;
    expect(k.expectedAbi).toBe(abi);
    const scenarios = [abstractScoping(), resolveUnix(abi), tsync(abi)];
    const r = await replayInVm(scenarios, { kernel: version, accel: 'tcg' });
    console.info(
      `[kernel/vm.test.ts] ${r.kernel.release}: ABI ${r.kernel.abi} errata ${r.kernel.errata}, ` +
        `${scenarios.length} scenarios in ${r.bootSeconds.toFixed(2)} s (${r.accel}, ${r.boots} boot(s))`,
    );
    expect(r.kernel.release).toBe(k.version);
    expect(r.kernel.abi).toBe(abi);
    expect(r.kernel.arch).toBe('x86_64');
    checkExpectedAbi(r.kernel, version);
    expect(r.outcomes).toHaveLength(scenarios.length);
    expect(mismatches(scenarios, r.outcomes)).toEqual([]);
    return r;
  };

  it('7.3: ABI 11, abstract scoping EPERM, RESOLVE_UNIX EACCES, TSYNC', async (ctx) => {
    const r = await boot('7.3', 11);
    if (!r) ctx.skip('the 7.3 kernel cannot be downloaded');
  }, 600_000);

  it('6.12: ABI 6, abstract scoping EPERM, RESOLVE_UNIX and TSYNC EINVAL', async (ctx) => {
    const r = await boot('6.12', 6);
    if (!r) ctx.skip('the 6.12 kernel cannot be downloaded');
  }, 600_000);

  /*
   * Audit records (wire 1.2), raw lines: "expected line | input line". The replayer is the audit
   * daemon of the guest; records are mapped to the scenario's steps, domains (D<k>) and tasks.
   */
  const AUDIT_CASES = (abi: number): [string, string][] => {
    const sixteen = Array.from({ length: 16 }, () => 'restrict_self 0 2 0 0 0 1 0').join(' ');
    return [
      // a scoped child's kill of its parent: one access record, the domain's allocation, its freeing
      ['R ok ok EPERM | A2:D1:scope.signal:opid=0 N2:D1 X:D1:1', '3 drop fork 0 1 restrict_self 1 2 0 0 0 1 0 kill 1 0 USR1'],
      // a second denial in the same domain: an access record, no second allocation
      ['R ok ok EPERM EPERM | A2:D1:scope.signal:opid=0 N2:D1 A3:D1:scope.signal:opid=0 X:D1:2', '4 drop fork 0 1 restrict_self 1 2 0 0 0 1 0 kill 1 0 USR1 kill 1 0 USR2'],
      // LOG_SAME_EXEC_OFF: nothing logged, and a domain never logged is not logged freed
      ['R ok ok EPERM |', '3 drop fork 0 1 restrict_self 1 2 0 1 0 1 0 kill 1 0 USR1'],
      // LOG_SAME_EXEC_OFF | LOG_NEW_EXEC_ON: logged only after an exec; caps stay empty across it
      ['R ok ok EPERM ok EPERM ok | A4:D1:scope.signal:opid=0 N4:D1 X:D1:2', '6 drop fork 0 1 restrict_self 1 2 0 3 0 1 0 kill 1 0 USR1 exec 1 kill 1 0 USR1 caps 1'],
      // the default flags: logged before an exec, not after
      ['R ok ok EPERM ok EPERM | A2:D1:scope.signal:opid=0 N2:D1 X:D1:2', '5 drop fork 0 1 restrict_self 1 2 0 0 0 1 0 kill 1 0 USR1 exec 1 kill 1 0 USR2'],
      // quiet_scoped = signal (ABI 10): the denial is not logged; E2BIG before
      abi >= 10 ? ['R ok ok EPERM |', '3 drop fork 0 1 restrict_self 1 2 0 0 2 1 0 kill 1 0 USR1'] : ['R ok E2BIG ok |', '3 drop fork 0 1 restrict_self 1 2 0 0 2 1 0 kill 1 0 USR1'],
      // nested domains: the inner one (D2) denies
      ['R ok ok ok EPERM | A3:D2:scope.signal:opid=0 N3:D2 X:D2:1', '4 drop fork 0 1 restrict_self 1 1 0 0 0 1 0 restrict_self 1 2 0 0 0 1 0 kill 1 0 USR1'],
      // abstract unix socket scoping: the name without the replayer's prefix
      ['R ok ok ok ok ok ok EPERM | A6:D1:scope.abstract_unix_socket:path=@srv N6:D1 X:D1:1', '7 drop socket 0 0 stream bind 0 0 a srv listen 0 0 fork 0 1 restrict_self 1 1 0 0 0 1 0 socket 1 1 stream connect 1 1 a srv'],
      // ptrace of a process outside the domain
      ['R ok ok EPERM | A2:D1:ptrace:opid=0 N2:D1 X:D1:1', '3 drop fork 0 1 restrict_self 1 0 8 0 0 1 0 ptrace 1 0 attach'],
      // 16 nested layers, then a 17th: E2BIG (no denial: nothing logged)
      [`R ${Array(16).fill('ok').join(' ')} E2BIG |`, `17 drop ${sixteen} restrict_self 0 2 0 0 0 1 0`],
    ];
  };

  it.each([
    ['7.3', 11],
    ['6.18', 7],
  ] as const)('%s: the Landlock audit records of each step (raw wire lines)', async (version, abi, ctx) => {
    const k = await kernelOrSkip(version);
    if (!k) return ctx.skip(`the ${version} kernel cannot be downloaded`);
    const cases = AUDIT_CASES(abi);
    const r = await replayLinesInVm(cases.map((c) => c[1]), [], { kernel: version, accel: 'tcg', testHooks: true });
    expect(r.kernel.abi).toBe(abi);
    console.info(`[kernel/vm.test.ts] audit cases on ${r.kernel.release}: ${cases.length} in ${r.bootSeconds.toFixed(2)} s`);
    const got = r.outcomes.map((o) => {
      const a = o.audit!;
      const tok = (st: string, x: (typeof a.steps)[number][number]) =>
        x.type === 'allocated' ? `N${st}:${x.domain}` : `A${st}:${x.domain}:${x.blockers.join(',')}:${x.object === null ? '-' : x.object === 'unmapped' ? '?' : 'opid' in x.object ? `opid=${x.object.opid}` : `path=${x.object.path}`}`;
      return [
        `${o.error ? 'F' : 'R'} ${o.results.join(' ')} |`,
        ...a.steps.flatMap((xs, i) => xs.map((x) => tok(String(i), x))),
        ...a.freed.map((f) => `X:${f.domain}:${f.denials}`),
      ].join(' ');
    });
    expect(got).toEqual(cases.map((c) => c[0]));
  }, 600_000);

  it('a hanging guest is a clear error within its bound, and qemu is killed', async () => {
    // A fake bzImage whose real-mode entry point (offset 0x200) is "jmp $": qemu loads it
    // and the guest spins forever.
    const dir = mkdtempSync(join(tmpdir(), 'scopecheck-vmtest-'));
    try {
      const img = Buffer.alloc(8192, 0);
      img[0x1f1] = 4; // setup_sects
      img.writeUInt16LE(0xaa55, 0x1fe);
      img.writeUInt16LE(0xfeeb, 0x200); // EB FE: jmp $
      img.write('HdrS', 0x202, 'ascii');
      img.writeUInt16LE(0x0206, 0x206);
      img[0x211] = 0x01; // LOADED_HIGH
      img.writeUInt32LE(0x37ffffff, 0x22c); // initrd_addr_max
      img.writeUInt32LE(2048, 0x238); // cmdline_size
      const image = join(dir, 'bzImage');
      writeFileSync(image, img);
      let pid: number | undefined;
      const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('scopecheck-vm-')));
      const t0 = Date.now();
      const err = await replayInVm([abstractScoping()], {
        kernelImage: image,
        accel: 'tcg',
        bootTimeoutMs: 4000,
        onSpawn: (p) => (pid = p),
      }).catch((e: unknown) => e);
      const ms = Date.now() - t0;
      expect(err).toBeInstanceOf(VmError);
      expect((err as VmError).reason).toBe('timeout');
      expect((err as VmError).message).toMatch(/did not power off within 4000 ms \(the boot bound\); killed qemu/);
      expect((err as VmError).message).toMatch(/console/);
      expect(ms).toBeGreaterThanOrEqual(4000);
      expect(ms).toBeLessThan(30_000) // bounded by the 4 s boot bound, with room for a loaded machine;
      expect(pid).toBeDefined();
      expect(() => process.kill(pid!, 0)).toThrow(); // qemu is gone
      const after = readdirSync(tmpdir()).filter((f) => f.startsWith('scopecheck-vm-') && !before.has(f));
      expect(after).toEqual([]); // its temporary directory is removed
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a garbage kernel image is a clear qemu error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scopecheck-vmtest-'));
    try {
      const image = join(dir, 'garbage');
      writeFileSync(image, Buffer.alloc(4096, 0x42));
      const err = await replayInVm([abstractScoping()], { kernelImage: image, accel: 'tcg', bootTimeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VmError);
      expect((err as VmError).message).toMatch(/qemu exited with status|did not power off/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

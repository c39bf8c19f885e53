/**
 * Runs a batch of scenarios inside a qemu VM booted on another kernel (a Debian cloud
 * kernel fetched by kernel/debian.ts, or a bzImage the user built), in ONE boot: the
 * statically linked replayer is /init of an initramfs (kernel/initramfs.ts) that also
 * holds the encoded batch; it runs the batch exactly as `scopecheck-replay --serve` does
 * and writes a framed report on the VM's second serial port (see guest_main() in
 * replayer/replayer.c), then powers the VM off.
 *
 * Every boot is bounded in time (scaled with the batch size); qemu is killed and the
 * temporary directory removed on every path. A guest that panics, hangs, or writes a
 * truncated or garbled report is a VmError carrying the tail of the console log — never
 * partial results. Scenarios that time out or crash inside the guest are outcomes with
 * `error` set, as with replayScenarios.
 */
import { EnvironmentError } from '../common/errors.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../format/scenario.js';
import type { KernelInfo } from '../format/trace.js';
import { ensureReplayer } from './build-replayer.js';
import { expectedAbiOf, resolveDebianKernel, type DebianKernel, type ResolveOptions } from './debian.js';
import { killAndWait, onInterrupt } from './cleanup.js';
import { buildInitramfs } from './initramfs.js';
import { buildInitramfsOf, type CpioEntry } from './initramfs.js';
import { DEFAULT_TIMEOUT_MS, encodeBatch, parseResultLine, ResultLineError, type ReplayOutcome } from './replayer.js';

export type Accel = 'tcg' | 'kvm' | 'auto';

export interface VmOptions {
  /** A Debian kernel version ("7.3", "6.12.117", "7.3.4+deb13-cloud-amd64"); see kernel/debian.ts. */
  kernel?: string;
  /** A kernel image (bzImage) to boot instead of a Debian kernel. */
  kernelImage?: string;
  /** Per-scenario watchdog inside the guest, in ms (default 2000): as ReplayOptions.timeoutMs of replayScenarios. */
  timeoutMs?: number;
  /** Bound of the whole boot, launch to power-off, in ms (default: bootBoundMs(n, timeoutMs)). */
  bootTimeoutMs?: number;
  /** 'auto' (default) uses KVM only when it really works (probed once per process). */
  accel?: Accel;
  /** Guest memory in MiB (default 512). */
  memoryMb?: number;
  /** Replayer workers inside the guest (default 1: the guest has one vCPU). */
  workers?: number;
  /** qemu binary (default qemu-system-x86_64 on PATH, or $SCOPECHECK_QEMU). */
  qemu?: string;
  /** Replayer binary (default build/scopecheck-replay, built on demand; must be static). */
  binary?: string;
  /** Options for resolveDebianKernel (cache directory, mirror). */
  resolve?: ResolveOptions;
  /** Enables the replayer's test-only ops ("hang", "crash") in the guest. For tests. */
  testHooks?: boolean;
  /**
   * Collect the Landlock audit records of every step (ReplayOutcome.audit; default true): the
   * kernel boots with audit on and the replayer, PID 1, is its audit daemon (one worker then).
   * false: audit off on the kernel command line, no records, result lines as on the live kernel.
   */
  audit?: boolean;
  /** Print every raw audit record on the guest's console (the replayer's --audit-debug). For debugging. */
  auditDebug?: boolean;
  /** Copy the guest's whole console log to this file after the boot. For debugging. */
  consoleLog?: string;
  /** Called with qemu's pid once it is spawned. For tests. */
  onSpawn?: (pid: number) => void;
  /** Parent of the temporary directory (default os.tmpdir()). */
  tmpdir?: string;
}

export interface VmResult {
  kernel: KernelInfo;
  outcomes: ReplayOutcome[];
  /** Wall time of the boot that produced the results, launch to power-off, in seconds. */
  bootSeconds: number;
  /** outcomes.length / bootSeconds. */
  scenariosPerBootSecond: number;
  accel: 'tcg' | 'kvm';
  /** The Debian kernel booted, when `kernel` was given. */
  debian?: DebianKernel;
  /** Number of boots it took (2 when an early crash was retried). */
  boots: number;
}

export type VmErrorReason = 'setup' | 'qemu' | 'timeout' | 'crash' | 'no-report' | 'garbled' | 'rejected' | 'abi';

export class VmError extends EnvironmentError {
  constructor(
    message: string,
    readonly reason: VmErrorReason,
    /** Last lines of the guest's console (kernel messages, replayer stderr). */
    readonly consoleTail = '',
  ) {
    super(message);
    this.name = 'VmError';
  }
}

/**
 * Time allowed for a boot of n scenarios of `steps` steps in all: 60 s of boot + 30 ms per
 * scenario + 8 ms per step (collecting audit records fences every step of a sandboxed scenario
 * with a round trip through the audit daemon) + two scenario watchdogs.
 */
export function bootBoundMs(n: number, scenarioTimeoutMs = DEFAULT_TIMEOUT_MS, steps = 0): number {
  return 60_000 + 30 * n + 8 * steps + 2 * scenarioTimeoutMs;
}

/** The steps of encoded scenario lines (each starts with its step count). */
const stepsOf = (lines: readonly string[]): number => lines.reduce((a, l) => a + (Number.parseInt(l, 10) || 0), 0);

// ------------------------------------------------------------------------------------------
// The guest's report

const BEGIN = 'SCOPECHECK-BEGIN 1';

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}


/**
 * Parses the guest's report (the second serial port's bytes) of a batch of `scenarios`.
 * Throws VmError('garbled' | 'rejected' | 'crash') unless it is complete and intact.
 */
export function parseGuestReport(
  text: string,
  scenarios: Scenario[],
  scenarioTimeoutMs = DEFAULT_TIMEOUT_MS,
  /** The number of scenarios of the batch (default scenarios.length; more for raw lines). */
  expected = scenarios.length,
): { kernel: KernelInfo; outcomes: ReplayOutcome[] } {
  const lines = text.replace(/\r/g, '').split('\n');
  const b = lines.indexOf(BEGIN);
  if (b < 0) throw new VmError('the guest wrote no report (no SCOPECHECK-BEGIN line): it did not get to run the batch', 'no-report');
  const body: string[] = [];
  let end: string | undefined;
  for (const l of lines.slice(b + 1)) {
    if (l.startsWith('SCOPECHECK-END') || l.startsWith('SCOPECHECK-ERROR')) {
      end = l;
      break;
    }
    body.push(l);
  }
  if (end === undefined)
    throw new VmError(`the guest's report is truncated after ${Math.max(0, body.length - 1)} result line(s) (no SCOPECHECK-END line)`, 'crash');
  if (end.startsWith('SCOPECHECK-ERROR')) throw new VmError(`the guest failed: ${end.slice('SCOPECHECK-ERROR '.length)}`, 'crash');
  const m = /^SCOPECHECK-END (\d+) ([0-9a-f]{8}) (\d+)$/.exec(end);
  if (!m) throw new VmError(`the guest's report ends with a garbled line: ${JSON.stringify(end.slice(0, 200))}`, 'garbled');
  const [count, hash, status] = [Number(m[1]), m[2]!, Number(m[3])];
  const info = body[0];
  const results = body.slice(1);
  if (!info?.startsWith('I ')) throw new VmError(`the guest's report has no kernel info line`, 'garbled');
  if (results.length !== count || fnv1a(body.map((l) => `${l}\n`).join('')) !== hash)
    throw new VmError(
      `the guest's report is garbled: ${results.length} result line(s) for a count of ${count}, ` +
        `hash ${fnv1a(body.map((l) => `${l}\n`).join(''))} for ${hash}`,
      'garbled',
    );
  if (status === 2) throw new VmError('the replayer in the guest rejected its input (exit status 2)', 'rejected');
  if (status !== 0)
    throw new VmError(`the replayer in the guest exited with status ${status} after ${count} of ${expected} scenarios`, 'crash');
  if (count !== expected)
    throw new VmError(`the guest answered ${count} of ${expected} scenarios`, 'garbled');
  let kernel: KernelInfo;
  try {
    const j = JSON.parse(info.slice(2)) as Partial<KernelInfo>;
    if (typeof j.release !== 'string' || typeof j.abi !== 'number' || typeof j.errata !== 'number' || typeof j.arch !== 'string')
      throw new Error('missing field');
    kernel = { release: j.release, abi: j.abi, errata: j.errata, arch: j.arch };
  } catch {
    throw new VmError(`the guest's kernel info line is garbled: ${JSON.stringify(info.slice(0, 200))}`, 'garbled');
  }
  const outcomes = results.map((l, i): ReplayOutcome => {
    try {
      return parseResultLine(l, i, scenarios[i], scenarioTimeoutMs);
    } catch (e) {
      if (e instanceof ResultLineError) throw new VmError(`unexpected result line ${i + 1} in the guest's report: ${e.message}`, 'garbled');
      throw e;
    }
  });
  return { kernel, outcomes };
}

// ------------------------------------------------------------------------------------------
// qemu

export function findQemu(explicit?: string): string | undefined {
  const q = explicit ?? process.env.SCOPECHECK_QEMU ?? 'qemu-system-x86_64';
  if (q.includes('/')) return existsSync(q) ? q : undefined;
  for (const d of (process.env.PATH ?? '').split(':'))
    if (d && existsSync(join(d, q))) return join(d, q);
  return undefined;
}

/** Whether qemu-system-x86_64 is installed (for test-time decisions). */
export function qemuAvailable(qemu?: string): boolean {
  return findQemu(qemu) !== undefined;
}

/** Cheap check: /dev/kvm is usable and the CPU advertises hardware virtualisation. */
function kvmPlausible(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

const live = new Set<ChildProcess>();
let exitHook = false;
function track(c: ChildProcess) {
  live.add(c);
  const unregister = onInterrupt(() => killAndWait(c.pid));
  c.on('close', () => {
    live.delete(c);
    unregister();
  });
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const q of live) q.kill('SIGKILL');
    });
  }
}

/** The last lines of the console log; from the first panic/oops line when there is one. */
function consoleTail(path: string, n = 25): string {
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').replace(/\r/g, '').trimEnd().split('\n');
  } catch {
    return '';
  }
  if (lines.length === 1 && lines[0] === '') return '';
  const p = lines.findIndex((l) => /Kernel panic|BUG:|Oops:|general protection fault|scopecheck-replay:/.test(l));
  if (p >= 0) {
    const from = Math.max(0, p - 3);
    const to = Math.min(lines.length, from + 40);
    return [...lines.slice(from, to), ...(to < lines.length ? [`[... ${lines.length - to} more line(s)]`] : [])].join('\n');
  }
  return lines.slice(-n).join('\n');
}

interface BootResult {
  kernel: KernelInfo;
  outcomes: ReplayOutcome[];
  seconds: number;
}

/** One boot of the batch. Throws VmError. */
async function bootOnce(
  image: string,
  lines: string[],
  scenarios: Scenario[],
  accel: 'tcg' | 'kvm',
  boundMs: number,
  o: VmOptions & { qemu: string; binary: string },
): Promise<BootResult> {
  const scenarioTimeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ram = buildInitramfs(o.binary, lines, o.tmpdir);
  const initArgs = ['--guest', '--workers', String(o.workers ?? 1), '--timeout-ms', String(scenarioTimeoutMs)];
  if (o.testHooks) initArgs.push('--test-hooks');
  const audit = o.audit ?? true;
  if (!audit) initArgs.push('--no-audit');
  if (o.auditDebug) initArgs.push('--audit-debug');
  const b = await bootQemu(o.qemu, image, accel, ram, initArgs, boundMs, ` (the boot bound)`, { ...o, audit });
  try {
    return { ...parseGuestReport(b.report, scenarios, scenarioTimeoutMs, lines.length), seconds: b.seconds };
  } catch (e) {
    if (!(e instanceof VmError)) throw e;
    throw new VmError(`${e.message} (kernel ${image}, ${accel})${shownTail(b.consoleTail)}`, e.reason, b.consoleTail);
  }
}

const shownTail = (t: string) => (t ? `\n--- console (last lines) ---\n${t}` : '\n(the console is empty)');

/**
 * One boot of `image` with the initramfs `ram` (removed afterwards, also on SIGINT/SIGTERM), the
 * guest's /init given `initArgs`: the kernel log on the first serial port, the guest's report on
 * the second. qemu is killed at `boundMs`. Throws VmError (qemu failed, or the bound ran out).
 */
async function bootQemu(
  qemu: string,
  image: string,
  accel: 'tcg' | 'kvm',
  ram: { dir: string; path: string; cleanup: () => void },
  initArgs: readonly string[],
  boundMs: number,
  boundText: string,
  o: { memoryMb?: number; onSpawn?: (pid: number) => void; audit?: boolean; consoleLog?: string },
): Promise<{ report: string; consoleTail: string; seconds: number }> {
  const unregisterRam = onInterrupt(ram.cleanup);
  const consolePath = join(ram.dir, 'console.log');
  const reportPath = join(ram.dir, 'report.txt');
  const args = [
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-machine', 'pc', '-accel', accel, ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp', '1', '-m', String(o.memoryMb ?? 512),
    '-kernel', image, '-initrd', ram.path,
    // Full kernel log on the console (costs no measurable boot time, and its tail explains
    // a failed boot); panic=-1 + -no-reboot: a panic ends qemu at once.
    // audit=1: the replayer (PID 1) registers as the audit daemon and collects the Landlock
    // records (audit_backlog_limit: room for the records queued before it does).
    '-append', `console=ttyS0 panic=-1 ${o.audit ? 'audit=1 audit_backlog_limit=8192 ' : ''}-- ${initArgs.join(' ')}`,
    '-serial', `file:${consolePath}`, '-serial', `file:${reportPath}`,
  ];
  const t0 = Date.now();
  let child: ChildProcess | undefined;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    if (child.pid !== undefined) o.onSpawn?.(child.pid);
    let qemuOut = '';
    const grab = (d: Buffer) => {
      if (qemuOut.length < 16384) qemuOut += d.toString('utf8');
    };
    child.stdout!.on('data', grab);
    child.stderr!.on('data', grab);
    const c = child;
    const done = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((res) => {
      c.on('error', (error) => res({ code: null, signal: null, error }));
      c.on('close', (code, signal) => res({ code, signal }));
      timer = setTimeout(() => {
        timedOut = true;
        c.kill('SIGKILL');
      }, boundMs);
    });
    const seconds = (Date.now() - t0) / 1000;
    const tailText = consoleTail(consolePath);
    if (o.consoleLog) {
      try {
        copyFileSync(consolePath, o.consoleLog);
      } catch {
        /* no console: nothing to keep */
      }
    }
    if (done.error) throw new VmError(`cannot run ${qemu}: ${done.error.message}`, 'qemu');
    if (timedOut)
      throw new VmError(`the VM (${accel}, kernel ${image}) did not power off within ${boundMs} ms${boundText}; killed qemu${shownTail(tailText)}`, 'timeout', tailText);
    if (done.code !== 0)
      throw new VmError(
        `qemu exited with ${done.signal ? `signal ${done.signal}` : `status ${done.code}`} (kernel ${image})${qemuOut.trim() ? `:\n${qemuOut.trim()}` : ''}${shownTail(tailText)}`,
        'qemu',
        tailText,
      );
    let report = '';
    try {
      report = readFileSync(reportPath, 'utf8');
    } catch {
      /* no report: the caller says what that means */
    }
    return { report, consoleTail: tailText, seconds };
  } finally {
    if (timer) clearTimeout(timer);
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('close', r));
    }
    ram.cleanup();
    unregisterRam();
  }
}

let kvmWorks: Promise<boolean> | undefined;

async function chooseAccel(accel: Accel, image: string, o: VmOptions & { qemu: string; binary: string }): Promise<'tcg' | 'kvm'> {
  if (accel !== 'auto') return accel;
  if (!kvmPlausible()) return 'tcg';
  kvmWorks ??= bootOnce(image, [], [], 'kvm', 20_000, o).then(
    () => true,
    () => false,
  );
  return (await kvmWorks) ? 'kvm' : 'tcg';
}

/**
 * Runs a batch of scenarios in ONE boot of a VM and returns the guest kernel's info and one
 * outcome per scenario (as replayScenarios does for this machine's kernel). Give `kernel`
 * (a Debian version) or `kernelImage`. Throws VmError when the VM does not deliver a
 * complete, intact report within its bound; an early crash (no report started) is retried
 * once. Does not check the ABI: see checkExpectedAbi.
 */
export async function replayInVm(scenarios: Scenario[], opts: VmOptions = {}): Promise<VmResult> {
  return replayLinesInVm(encodeBatch(scenarios), scenarios, opts);
}

/**
 * As replayInVm, for lines already in the replayer's wire format (encodeScenario, or written by
 * hand: tests of the wire). `scenarios`, when given, names the scenarios in messages and checks
 * the result counts.
 */
export async function replayLinesInVm(lines: string[], scenarios: Scenario[] = [], opts: VmOptions = {}): Promise<VmResult> {
  if (!opts.kernel === !opts.kernelImage) throw new VmError('replayInVm: give exactly one of `kernel` (a Debian version) and `kernelImage`', 'setup');
  const qemu = findQemu(opts.qemu);
  if (!qemu)
    throw new VmError(
      `qemu-system-x86_64 not found${opts.qemu ? ` (${opts.qemu})` : ''}: install the Debian package qemu-system-x86 ` +
        `(apt-get install --no-install-recommends qemu-system-x86) or set SCOPECHECK_QEMU`,
      'setup',
    );
  const binary = opts.binary ?? ensureReplayer();
  const fileOut = spawnSync('file', ['-b', binary], { encoding: 'utf8' });
  if (fileOut.status === 0 && /dynamically linked/.test(fileOut.stdout))
    throw new VmError(`${binary} is dynamically linked: it cannot be /init of the VM (install the static C library, e.g. libc6-dev)`, 'setup');
  let debian: DebianKernel | undefined;
  let image = opts.kernelImage;
  if (opts.kernel) {
    debian = await resolveDebianKernel(opts.kernel, opts.resolve);
    image = debian.vmlinuz;
  }
  if (!image || !existsSync(image)) throw new VmError(`kernel image ${image} does not exist`, 'setup');
  const o = { ...opts, qemu, binary };
  const accel = await chooseAccel(opts.accel ?? 'auto', image, o);
  const bound = opts.bootTimeoutMs ?? bootBoundMs(lines.length, opts.timeoutMs, stepsOf(lines));
  let boots = 1;
  let r: BootResult;
  try {
    r = await bootOnce(image, lines, scenarios, accel, bound, o);
  } catch (e) {
    // An early crash (the guest never started its report; e.g. 7.3.4 once crashed early in
    // boot) is retried once. A timeout, a rejected batch or a garbled report is not.
    if (!(e instanceof VmError) || e.reason !== 'no-report') throw e;
    boots = 2;
    try {
      r = await bootOnce(image, lines, scenarios, accel, bound, o);
    } catch (e2) {
      if (e2 instanceof VmError) throw new VmError(`(2 boots) ${e2.message}`, e2.reason, e2.consoleTail);
      throw e2;
    }
  }
  return {
    kernel: r.kernel,
    outcomes: r.outcomes,
    bootSeconds: r.seconds,
    scenariosPerBootSecond: r.seconds > 0 ? lines.length / r.seconds : 0,
    accel,
    ...(debian ? { debian } : {}),
    boots,
  };
}

/**
 * Checks that a kernel reported the Landlock ABI expected for a Debian version ("7.3",
 * "7.3.4+deb13-cloud-amd64"; see EXPECTED_ABI in kernel/debian.ts): throws a VmError
 * (reason 'abi') when it did not. Versions without a known ABI pass.
 */
export function checkExpectedAbi(kernel: KernelInfo, version: string): void {
  const want = expectedAbiOf(version);
  if (want === undefined || kernel.abi === want) return;
  throw new VmError(
    `kernel ${kernel.release} reports Landlock ABI ${kernel.abi}, but Debian ${version} is expected to have ABI ${want}`,
    'abi',
  );
}

// ------------------------------------------------------------------------------------------
// Any static program as /init (kernel/kselftest.ts: the kselftest binaries)

export interface GuestProgramOptions {
  /** A Debian kernel version ("7.3"), or `kernelImage`. */
  kernel?: string;
  kernelImage?: string;
  /** The initramfs: it must hold a static /init that writes its report on the second serial port and powers off. */
  entries: CpioEntry[];
  /** Arguments of /init (after "--" on the kernel command line). */
  initArgs?: string[];
  /** Bound of the whole boot, launch to power-off, in ms. */
  bootTimeoutMs: number;
  accel?: Accel;
  memoryMb?: number;
  qemu?: string;
  resolve?: ResolveOptions;
  tmpdir?: string;
}

export interface GuestProgramResult {
  /** What the guest wrote on its second serial port. */
  report: string;
  /** The last lines of its console (kernel messages). */
  consoleTail: string;
  seconds: number;
  accel: 'tcg' | 'kvm';
  debian?: DebianKernel;
}

/**
 * Boots a kernel on an initramfs of the caller's (one boot, bounded as replayInVm's are: qemu is
 * killed and the temporary directory removed on every path) and returns what the guest wrote on
 * its second serial port. Throws VmError ('setup', 'qemu', 'timeout') when the VM does not power
 * off by itself within the bound; judging the report is the caller's.
 */
export async function runInVm(o: GuestProgramOptions): Promise<GuestProgramResult> {
  if (!o.kernel === !o.kernelImage) throw new VmError('runInVm: give exactly one of `kernel` (a Debian version) and `kernelImage`', 'setup');
  const qemu = findQemu(o.qemu);
  if (!qemu) throw new VmError('qemu-system-x86_64 not found: install the Debian package qemu-system-x86 or set SCOPECHECK_QEMU', 'setup');
  let debian: DebianKernel | undefined;
  let image = o.kernelImage;
  if (o.kernel) {
    debian = await resolveDebianKernel(o.kernel, o.resolve);
    image = debian.vmlinuz;
  }
  if (!image || !existsSync(image)) throw new VmError(`kernel image ${image} does not exist`, 'setup');
  const accel = await chooseAccel(o.accel ?? 'auto', image, { qemu, binary: ensureReplayer(), ...(o.tmpdir ? { tmpdir: o.tmpdir } : {}) });
  const ram = buildInitramfsOf(o.entries, o.tmpdir);
  const b = await bootQemu(qemu, image, accel, ram, o.initArgs ?? [], o.bootTimeoutMs, '', o);
  return { report: b.report.replace(/\r/g, ''), consoleTail: b.consoleTail, seconds: b.seconds, accel, ...(debian ? { debian } : {}) };
}

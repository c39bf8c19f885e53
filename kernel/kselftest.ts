/**
 * Exported kselftests (format/export/kselftest*.ts) against the real harness: added to a copy
 * of a kernel tree's tools/testing/selftests/landlock/ (kernel/linux-source.ts), built with
 * that directory's own Makefile (lib.mk, kselftest_harness.h, common.h; -lcap -lpthread),
 * checked with the tree's scripts/checkpatch.pl --strict, run on the live kernel and in a VM,
 * and their TAP output read.
 *
 * Containment, as for the replayer: on the live kernel a test binary runs in fresh PID, network
 * and mount namespaces (unshare; a user namespace too when not root) with a private tmpfs on
 * /tmp, in a process group of its own that is killed when it ends or overruns its bound. In a
 * VM a static runner is /init (GUEST_INIT_SOURCE): it runs each binary under a watchdog, writes
 * their output framed on the second serial port and powers off; the boot itself is bounded
 * (kernel/vm.ts runInVm).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../common/errors.js';
import { killAndWait, makeTempDir, onInterrupt } from './cleanup.js';
import { guestBaseEntries, type CpioEntry } from './initramfs.js';
import { run, type SelftestTree } from './linux-source.js';
import { runInVm, VmError, type GuestProgramOptions } from './vm.js';

export class KselftestError extends EnvironmentError {
  constructor(message: string) {
    super(message);
    this.name = 'KselftestError';
  }
}

// ------------------------------------------------------------------------------------------
// TAP

export interface TapTest {
  n: number;
  ok: boolean;
  name: string;
  skip: boolean;
  /** The text after "#", e.g. "SKIP reason". */
  directive?: string;
}

export interface TapResult {
  /** The plan ("1..N"), when printed. */
  plan?: number;
  tests: TapTest[];
  pass: number;
  fail: number;
  skip: number;
}

/** Reads the TAP (version 13, as kselftest prints it) of one test binary. */
export function parseTap(text: string): TapResult {
  const tests: TapTest[] = [];
  let plan: number | undefined;
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    const p = /^1\.\.(\d+)/.exec(raw);
    if (p) {
      plan = Number(p[1]);
      continue;
    }
    const m = /^(not ok|ok) (\d+)(?: (.*?))?\s*$/.exec(raw);
    if (!m) continue;
    const [, status, n, rest = ''] = m;
    const hash = rest.indexOf(' # ');
    const name = (hash >= 0 ? rest.slice(0, hash) : rest.startsWith('# ') ? '' : rest).trim();
    const directive = hash >= 0 ? rest.slice(hash + 3).trim() : rest.startsWith('# ') ? rest.slice(2).trim() : undefined;
    const skip = /^SKIP\b/i.test(directive ?? '');
    tests.push({ n: Number(n), ok: status === 'ok', name, skip, ...(directive !== undefined ? { directive } : {}) });
  }
  return {
    ...(plan !== undefined ? { plan } : {}),
    tests,
    pass: tests.filter((t) => t.ok && !t.skip).length,
    fail: tests.filter((t) => !t.ok).length,
    skip: tests.filter((t) => t.skip).length,
  };
}

// ------------------------------------------------------------------------------------------
// Building in (a copy of) tools/testing/selftests/landlock

export interface BuiltSelftests {
  /** The work directory (a copy of tools/testing/selftests/{lib.mk,kselftest*,landlock}). */
  dir: string;
  /** tools/testing/selftests/landlock of the copy, with the exported tests in it. */
  landlock: string;
  /** Test name (file stem) -> binary. */
  binaries: Map<string, string>;
  /** What make and the compiler printed. */
  output: string;
  /** The compiler's warnings (lines with "warning:"). */
  warnings: string[];
  cleanup: () => void;
}

/**
 * Adds test files (name -> C text, names ending in "_test.c") to a copy of the tree's
 * tools/testing/selftests/landlock/ and builds them with its Makefile (lib.mk's rule, with
 * KHDR_INCLUDES = the tree's installed uAPI headers; -static for a VM). Throws KselftestError
 * with the compiler's output when the build fails. The caller must call cleanup().
 */
export async function buildSelftests(
  tree: SelftestTree,
  files: ReadonlyMap<string, string>,
  opts: { static?: boolean; parent?: string } = {},
): Promise<BuiltSelftests> {
  for (const name of files.keys())
    if (!/^[A-Za-z0-9_-]+_test\.c$/.test(name)) throw new KselftestError(`buildSelftests: ${JSON.stringify(name)} is not a NAME_test.c file name`);
  const dir = makeTempDir(opts.parent ?? tmpdir(), 'scopecheck-kselftest-');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const unregister = onInterrupt(cleanup);
  const done = () => {
    cleanup();
    unregister();
  };
  try {
    const from = join(tree.tree, 'tools', 'testing', 'selftests');
    const to = join(dir, 'tools', 'testing', 'selftests');
    mkdirSync(to, { recursive: true });
    for (const f of ['lib.mk', 'kselftest_harness.h', 'kselftest.h', 'kselftest', 'landlock']) cpSync(join(from, f), join(to, f), { recursive: true });
    symlinkSync(join(tree.tree, 'tools', 'include'), join(dir, 'tools', 'include'));
    const landlock = join(to, 'landlock');
    for (const [name, text] of files) writeFileSync(join(landlock, name), text);
    const out = join(dir, 'out');
    mkdirSync(out);
    const names = [...files.keys()].map((n) => n.replace(/\.c$/, ''));
    const cflags = tree.libcap ? [`-isystem ${tree.libcap.include}`] : [];
    const ldflags = [...(tree.libcap ? [`-L${tree.libcap.lib}`] : []), ...(opts.static ? ['-static'] : [])];
    const args = [
      '-C', landlock,
      `-j${Math.min(4, names.length)}`,
      `OUTPUT=${out}`,
      `KHDR_INCLUDES=-isystem ${tree.headers}`,
      `USERCFLAGS=${cflags.join(' ')}`,
      `USERLDFLAGS=${ldflags.join(' ')}`,
      ...names.map((n) => join(out, n)),
    ];
    let r: { stdout: string; stderr: string };
    try {
      r = await run('make', args, { timeoutMs: 600_000 });
    } catch (e) {
      const err = e as Error & { stderr?: string; stdout?: string };
      throw new KselftestError(`make -C tools/testing/selftests/landlock failed:\n${`${err.stdout ?? ''}${err.stderr ?? err.message}`.trim().split('\n').slice(-40).join('\n')}`);
    }
    const output = `${r.stdout}${r.stderr}`;
    return {
      dir,
      landlock,
      binaries: new Map(names.map((n) => [n, join(out, n)])),
      output,
      warnings: output.split('\n').filter((l) => /\bwarning:/.test(l)),
      cleanup: done,
    };
  } catch (e) {
    done();
    throw e;
  }
}

export interface CheckpatchResult {
  errors: number;
  warnings: number;
  checks: number;
  /** The messages ("ERROR: …", "WARNING: …", "CHECK: …") with their counts. */
  messages: Map<string, number>;
  output: string;
}

/** The tree's scripts/checkpatch.pl --strict --no-tree -f on a file. */
export async function checkpatch(tree: SelftestTree, file: string): Promise<CheckpatchResult> {
  const r = await run('perl', [tree.checkpatch, '--strict', '--no-tree', '--no-summary-file', '--show-types', '-f', file], { okCodes: [1], timeoutMs: 300_000 });
  const output = r.stdout + r.stderr;
  const t = /total: (\d+) errors?, (\d+) warnings?, (?:(\d+) checks?, )?\d+ lines? checked/.exec(output);
  if (!t) throw new KselftestError(`checkpatch.pl printed no total:\n${output.trim().split('\n').slice(-20).join('\n')}`);
  const messages = new Map<string, number>();
  for (const l of output.split('\n')) {
    const m = /^(ERROR|WARNING|CHECK):(\S+:)?\s*(.*)$/.exec(l);
    if (m) {
      const k = `${m[1]}: ${m[2] ? `${m[2].slice(0, -1)}: ` : ''}${m[3]!.replace(/\d+/g, 'N')}`;
      messages.set(k, (messages.get(k) ?? 0) + 1);
    }
  }
  return { errors: Number(t[1]), warnings: Number(t[2]), checks: Number(t[3] ?? 0), messages, output };
}

// ------------------------------------------------------------------------------------------
// The live kernel

export interface LiveRun {
  tap: TapResult;
  /** The binary's exit status (kselftest: 0 all passed, 1 a failure, 4 all skipped). */
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  seconds: number;
}

/**
 * Runs one test binary on this machine's kernel: fresh PID, network and mount namespaces
 * (`unshare`, plus a user namespace when not root) with a private tmpfs on /tmp, in its own
 * process group, killed with everything in it after `timeoutMs` (default 120 s).
 */
export async function runSelftestLive(binary: string, opts: { timeoutMs?: number } = {}): Promise<LiveRun> {
  const root = process.getuid?.() === 0;
  const args = [
    ...(root ? [] : ['--map-root-user']),
    '--pid', '--net', '--mount', '--fork', '--kill-child', '--mount-proc',
    // The binary is opened before /tmp is covered (it may live there).
    'sh', '-c', 'exec 3<"$0" && mount -t tmpfs -o mode=1777 tmpfs /tmp && exec /proc/self/fd/3', binary,
  ];
  const t0 = Date.now();
  const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killGroup = () => {
    if (child.pid !== undefined)
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  };
  const unregister = onInterrupt(() => {
    killGroup();
    killAndWait(child.pid);
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs ?? 120_000);
  try {
    const { code, signal, error } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((res) => {
      child.on('error', (e) => res({ code: null, signal: null, error: e }));
      child.on('close', (c, s) => res({ code: c, signal: s }));
    });
    if (error) throw new KselftestError(`cannot run unshare (util-linux) for ${binary}: ${error.message}`);
    if (timedOut) throw new KselftestError(`${binary} did not finish within ${opts.timeoutMs ?? 120_000} ms: killed its namespace\n${output.trim().split('\n').slice(-20).join('\n')}`);
    if (code !== null && code !== 0 && !/^TAP version/m.test(output))
      throw new KselftestError(`${binary} could not run in fresh namespaces (unshare exit ${code}):\n${output.trim().split('\n').slice(-10).join('\n')}`);
    return { tap: parseTap(output), status: code, signal, output, seconds: (Date.now() - t0) / 1000 };
  } finally {
    clearTimeout(timer);
    killGroup();
    unregister();
  }
}

// ------------------------------------------------------------------------------------------
// A VM

/**
 * /init of the kselftest VM: mounts /proc, /dev and /tmp, reports the kernel, runs every
 * program listed in /kselftest/list (in /kselftest, output on the second serial port, a
 * process group of its own, killed after argv[1] seconds), frames each run, powers off.
 */
export const GUEST_INIT_SOURCE = String.raw`#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif

static volatile pid_t child;
static volatile int timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (child > 0)
		kill(-child, SIGKILL);
}

int main(int argc, char **argv)
{
	const int timeout = argc > 1 ? atoi(argv[1]) : 300;
	struct sigaction sa = { .sa_handler = on_alarm };
	struct utsname u;
	char name[256];
	FILE *list;
	int out, n = 0;

	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mkdir("/tmp", 01777);
	mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
	out = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
	if (out < 0)
		out = open("/dev/console", O_WRONLY | O_NOCTTY);
	sigaction(SIGALRM, &sa, NULL);
	uname(&u);
	dprintf(out, "KSELFTEST-BEGIN 1\nKSELFTEST-KERNEL %s %ld %ld\n", u.release,
		syscall(__NR_landlock_create_ruleset, NULL, 0, 1U << 0),
		syscall(__NR_landlock_create_ruleset, NULL, 0, 1U << 1));
	list = fopen("/kselftest/list", "r");
	while (list && fgets(name, sizeof(name), list)) {
		char path[300];
		int status = 0;

		name[strcspn(name, "\n")] = '\0';
		if (!name[0])
			continue;
		snprintf(path, sizeof(path), "/kselftest/%s", name);
		dprintf(out, "KSELFTEST-RUN %s\n", name);
		timed_out = 0;
		child = fork();
		if (child == 0) {
			setpgid(0, 0);
			dup2(out, 1);
			dup2(out, 2);
			if (chdir("/kselftest") == 0)
				execl(path, name, (char *)NULL);
			_exit(127);
		}
		if (child > 0) {
			setpgid(child, child);
			alarm(timeout);
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			alarm(0);
			kill(-child, SIGKILL);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		dprintf(out, "KSELFTEST-EXIT %s %d%s\n", name,
			child < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			timed_out ? " timeout" : "");
		n++;
	}
	dprintf(out, "KSELFTEST-END %d\n", n);
	fsync(out);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
`;

export interface VmSelftestRun {
  name: string;
  tap: TapResult;
  status: number;
  timedOut: boolean;
  output: string;
}

export interface VmSelftestResult {
  kernel: { release: string; abi: number; errata: number };
  runs: VmSelftestRun[];
  seconds: number;
  accel: 'tcg' | 'kvm';
}

/** Reads the framed report of the guest runner; throws VmError unless it is complete. */
export function parseGuestSelftestReport(report: string, names: readonly string[]): Omit<VmSelftestResult, 'seconds' | 'accel'> {
  const lines = report.replace(/\r/g, '').split('\n');
  const b = lines.indexOf('KSELFTEST-BEGIN 1');
  if (b < 0) throw new VmError('the guest wrote no report (no KSELFTEST-BEGIN line)', 'no-report');
  const k = /^KSELFTEST-KERNEL (\S+) (-?\d+) (-?\d+)$/.exec(lines[b + 1] ?? '');
  if (!k) throw new VmError(`the guest's report has no kernel line`, 'garbled');
  const runs: VmSelftestRun[] = [];
  let cur: { name: string; out: string[] } | undefined;
  let end: number | undefined;
  for (const l of lines.slice(b + 2)) {
    const run = /^KSELFTEST-RUN (.+)$/.exec(l);
    const exit = /^KSELFTEST-EXIT (.+) (-?\d+)( timeout)?$/.exec(l);
    const fin = /^KSELFTEST-END (\d+)$/.exec(l);
    if (run) cur = { name: run[1]!, out: [] };
    else if (exit && cur && exit[1] === cur.name) {
      const output = cur.out.join('\n');
      runs.push({ name: cur.name, tap: parseTap(output), status: Number(exit[2]), timedOut: !!exit[3], output });
      cur = undefined;
    } else if (fin) {
      end = Number(fin[1]);
      break;
    } else if (cur) cur.out.push(l);
  }
  if (end === undefined) throw new VmError(`the guest's report is truncated after ${runs.length} program(s) (no KSELFTEST-END line)`, 'crash');
  if (end !== runs.length || runs.length !== names.length || runs.some((r, i) => r.name !== names[i]))
    throw new VmError(`the guest's report is garbled: ${runs.length} run(s) framed, END says ${end}, ${names.length} expected`, 'garbled');
  return { kernel: { release: k[1]!, abi: Number(k[2]), errata: Number(k[3]) }, runs };
}

/** Compiles the guest runner (static) into `dir`. */
async function buildGuestInit(dir: string): Promise<string> {
  const src = join(dir, 'kselftest-init.c');
  const bin = join(dir, 'kselftest-init');
  writeFileSync(src, GUEST_INIT_SOURCE);
  try {
    await run('gcc', ['-static', '-O2', '-Wall', '-o', bin, src], { timeoutMs: 120_000 });
  } catch (e) {
    throw new KselftestError(`gcc -static kselftest-init.c failed (install the static C library, libc6-dev):\n${(e as { stderr?: string }).stderr ?? e}`);
  }
  return bin;
}

/**
 * Runs static test binaries in ONE boot of a VM (a Debian kernel version or a kernel image),
 * each under a watchdog of `perProgramS` seconds (default 120), the boot bounded by
 * 90 s + the programs' watchdogs. Throws VmError when the guest does not deliver a complete report.
 */
export async function runSelftestsInVm(
  binaries: ReadonlyMap<string, string>,
  opts: Omit<GuestProgramOptions, 'entries' | 'initArgs' | 'bootTimeoutMs'> & { perProgramS?: number; bootTimeoutMs?: number },
): Promise<VmSelftestResult> {
  const dir = makeTempDir(opts.tmpdir ?? tmpdir(), 'scopecheck-kselftest-vm-');
  const unregister = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const init = await buildGuestInit(dir);
    const names = [...binaries.keys()];
    const per = opts.perProgramS ?? 120;
    const entries: CpioEntry[] = [
      ...guestBaseEntries('kselftest'),
      { name: 'init', type: 'file', perm: 0o755, data: readFileSync(init) },
      { name: 'kselftest/list', type: 'file', data: Buffer.from(names.map((n) => `${n}\n`).join('')) },
      ...names.map((n): CpioEntry => ({ name: `kselftest/${n}`, type: 'file', perm: 0o755, data: readFileSync(binaries.get(n)!) })),
    ];
    const { bootTimeoutMs, perProgramS: _p, ...vm } = opts;
    const r = await runInVm({ ...vm, entries, initArgs: [String(per)], bootTimeoutMs: bootTimeoutMs ?? 90_000 + per * 1000 * names.length });
    try {
      return { ...parseGuestSelftestReport(r.report, names), seconds: r.seconds, accel: r.accel };
    } catch (e) {
      if (e instanceof VmError) throw new VmError(`${e.message}\n--- console (last lines) ---\n${r.consoleTail}`, e.reason, r.consoleTail);
      throw e;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    unregister();
  }
}

/**
 * TypeScript driver of the native kernel replayer (replayer/replayer.c).
 *
 * A batch of scenarios runs in ONE replayer process: scenarios are encoded one per line on
 * its stdin and it answers one line per scenario on stdout, in order. Inside, the replayer
 * runs in fresh PID and network namespaces, in 2 parallel workers, each scenario in a
 * private temporary directory with a unique abstract-socket prefix, with a per-scenario
 * watchdog.
 *
 * Nothing of a batch is on the host's filesystems: the replayer's working tree is a tmpfs in
 * a mount namespace of its own, mounted over the base directory (`tmpdir`, else $TMPDIR or
 * /tmp), and it vanishes with the namespace whatever kills whom (SIGKILL of this process, of
 * the replayer, of both). Only where the kernel refuses that (`scopecheck-replay
 * --check-private-tmp` answers "tmpdir", e.g. no namespaces for this user) does the driver
 * create the batch directory itself, `<base>/scopecheck-replay-XXXXXX`, and remove it at the
 * end or on SIGINT/SIGTERM/SIGHUP (a SIGKILL of this process can leave it there).
 *
 * Wire format (also documented at the top of replayer/replayer.c):
 *   in : "<nsteps> <op> <args>..." — task and socket names become indices in order of
 *        introduction (P0 = 0), addresses "a NAME" / "p PATH", masks in decimal;
 *   out: "R <result>..." (all steps ran) or "F <timeout|crash|internal> <result>..." (the
 *        scenario failed at step <number of results>).
 *
 * Failures: a scenario that times out or crashes does not stop the batch. Its outcome has
 * `error` set (a message naming the scenario index, the reason and the step) and `results`
 * holds only the results of the steps that completed before it (so
 * `results.length < steps.length`). Consumers must check `error` (kernel/target.ts
 * failedOutcomes); `scopecheck record` writes nothing then. If the replayer process itself dies, or rejects its
 * input (exit status 2), `replayScenarios` throws a ReplayerError.
 */
import { EnvironmentError } from '../common/errors.js';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { ScenarioValidationError, structuralErrors, type Scenario } from '../format/scenario.js';
import { encodeSteps } from '../ops/wire.js';
import type { KernelInfo } from '../format/trace.js';
import { killAndWait, makeTempDir, onInterrupt, removeTree } from './cleanup.js';
import { ensureReplayer } from './build-replayer.js';

export const RECORDER = { name: 'scopecheck-replay', version: '0.1.0' } as const;
export const DEFAULT_TIMEOUT_MS = 2000;

export interface ReplayOutcome {
  /** One result per step ("ok" or an errno name); shorter than the steps when `error` is set. */
  results: string[];
  /** Set when the scenario did not run to completion (timeout, crash, internal error). */
  error?: string;
  /** The Landlock audit records the scenario caused (only in a VM, where the replayer is the audit daemon). */
  audit?: AuditOutcome;
}

/**
 * One Landlock audit record of a step, as the replayer maps it back to the scenario. `domain`
 * is "D<k>" (the scenario's k-th domain, in order of creation) or "Dx<hex>" (a domain id that
 * no allocated record of the scenario named).
 *   access: AUDIT_LANDLOCK_ACCESS (1423): `blockers` as the kernel prints them (scope.signal,
 *     fs.make_sock, ptrace, ...); `object` the target process's task index (opid=), a path
 *     ("@name" for an abstract socket, else relative to the scenario's directory), null when
 *     the record names none, 'unmapped' when it names one the replayer could not map back.
 *   allocated: AUDIT_LANDLOCK_DOMAIN status=allocated (logged with the domain's first logged denial).
 */
export type AuditRaw =
  | { type: 'access'; domain: string; blockers: string[]; object: { opid: number } | { path: string } | null | 'unmapped' }
  | { type: 'allocated'; domain: string };

export interface AuditOutcome {
  /** One array per step that ran (the records between the barriers before and after it). */
  steps: AuditRaw[][];
  /** status=deallocated records after the teardown (`denials`: the domain's denial count). */
  freed: { domain: string; denials: number }[];
  /** Records that came during the teardown itself (e.g. a parent-death signal of a killed task); absent when none. */
  teardown?: AuditRaw[];
}

export interface ReplayOptions {
  /** Per-scenario watchdog in milliseconds (default 2000). */
  timeoutMs?: number;
  /** Replayer binary (default: build/scopecheck-replay, built on demand). */
  binary?: string;
  /** Parallel workers inside the replayer (default 2). */
  workers?: number;
  /**
   * Base directory (default: os.tmpdir(), i.e. $TMPDIR or /tmp): the replayer's private tmpfs
   * is mounted over it in the replayer's own mount namespace (the host's view of it is not
   * touched), or, where that is refused, the parent of the batch's temporary directory.
   */
  tmpdir?: string;
  /**
   * Whether the replayer's working tree is a private tmpfs (default: whether this kernel
   * allows it, privateTmpAvailable()); false forces the fallback, a directory on the host. For tests.
   */
  privateTmp?: boolean;
  /** Enables the replayer's test-only ops ("hang", "crash"). For tests. */
  testHooks?: boolean;
  /** Called with the number of scenarios answered so far (progress). */
  onProgress?: (done: number) => void;
  /** Called with the replayer's pid once it is spawned. For tests. */
  onSpawn?: (pid: number) => void;
}

export class ReplayerError extends EnvironmentError {
  constructor(
    message: string,
    /** Outcomes of the scenarios that completed before the failure, in order. */
    readonly completed: ReplayOutcome[] = [],
    readonly exitCode: number | null = null,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'ReplayerError';
  }
}

// ------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes one scenario as a replayer input line (without '\n'), each op writing its own
 * arguments (ops/wire.ts). Throws ScenarioValidationError if the scenario is structurally invalid.
 */
export function encodeScenario(s: Scenario): string {
  const errs = structuralErrors(s);
  if (errs.length) throw new ScenarioValidationError(errs);
  return encodeSteps(s.steps, s.capabilities === 'all' ? 'all' : 'drop');
}

// ------------------------------------------------------------------------------------------
// Kernel info

function parseKernelInfo(text: string): KernelInfo {
  const j = JSON.parse(text) as Partial<KernelInfo>;
  if (
    typeof j.release !== 'string' ||
    typeof j.arch !== 'string' ||
    typeof j.abi !== 'number' ||
    typeof j.errata !== 'number'
  )
    throw new Error(`scopecheck-replay --info printed unexpected output: ${text.trim()}`);
  return { release: j.release, abi: j.abi, errata: j.errata, arch: j.arch };
}

const infoCache = new Map<string, KernelInfo>();

/** Kernel release, arch, Landlock ABI and errata of this machine (abi 0 without Landlock). */
export async function kernelInfo(binary?: string): Promise<KernelInfo> {
  const bin = binary ?? ensureReplayer();
  const hit = infoCache.get(bin);
  if (hit) return hit;
  const text = await new Promise<string>((res, rej) =>
    execFile(bin, ['--info'], (err, stdout) => (err ? rej(err) : res(stdout))),
  );
  const info = parseKernelInfo(text);
  infoCache.set(bin, info);
  return info;
}

/** Synchronous variant of kernelInfo (for test-time decisions). */
export function kernelInfoSync(binary?: string): KernelInfo {
  const bin = binary ?? ensureReplayer();
  const hit = infoCache.get(bin);
  if (hit) return hit;
  const info = parseKernelInfo(execFileSync(bin, ['--info'], { encoding: 'utf8' }));
  infoCache.set(bin, info);
  return info;
}

/**
 * Whether Landlock is usable on this kernel (ABI >= 1). Builds the replayer if needed; a
 * missing compiler is an error (thrown), not "unavailable".
 */
export function landlockAvailable(binary?: string): boolean {
  return kernelInfoSync(binary).abi > 0;
}

const privateTmpCache = new Map<string, boolean>();

/**
 * Whether the replayer `binary` gets its working tree on a private tmpfs (a mount namespace of
 * its own) over `base` on this machine: `scopecheck-replay --check-private-tmp`, cached.
 */
export function privateTmpAvailable(binary: string, base: string): boolean {
  const key = `${binary}\0${base}`;
  let hit = privateTmpCache.get(key);
  if (hit === undefined) {
    try {
      hit = execFileSync(binary, ['--check-private-tmp', '--tmpdir', base], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'private-tmpfs';
    } catch {
      hit = false;
    }
    privateTmpCache.set(key, hit);
  }
  return hit;
}

// ------------------------------------------------------------------------------------------
// Running a batch

/** Where a result line does not follow the format: the message of the ReplayerError (VmError in a VM). */
export class ResultLineError extends Error {}

const DOMAIN = /^(D[1-9][0-9]*|Dx[0-9a-f]+)$/;

function parseAuditToken(tok: string): { step: number | 't'; rec: AuditRaw } | { freed: { domain: string; denials: number } } | undefined {
  let m = /^X:(D[1-9][0-9]*|Dx[0-9a-f]+):(\d+)$/.exec(tok);
  if (m) return { freed: { domain: m[1]!, denials: Number(m[2]) } };
  m = /^N(\d+|t):([^:]+)$/.exec(tok);
  if (m) return DOMAIN.test(m[2]!) ? { step: m[1] === 't' ? 't' : Number(m[1]), rec: { type: 'allocated', domain: m[2]! } } : undefined;
  m = /^A(\d+|t):([^:]+):([^:]+):(.+)$/.exec(tok);
  if (!m || !DOMAIN.test(m[2]!)) return undefined;
  const blockers = m[3]!.split(',');
  if (blockers.some((b) => !/^[a-z_.]+$/.test(b))) return undefined;
  const o = m[4]!;
  let object: { opid: number } | { path: string } | null | 'unmapped';
  if (o === '-') object = null;
  else if (o === '?') object = 'unmapped';
  else if (/^opid=\d+$/.test(o)) object = { opid: Number(o.slice(5)) };
  else if (o.startsWith('path=') && o.length > 5) object = { path: o.slice(5) };
  else return undefined;
  return { step: m[1] === 't' ? 't' : Number(m[1]), rec: { type: 'access', domain: m[2]!, blockers, object } };
}

/**
 * Parses one result line of the replayer ("R <result>... [| <record>...]" or "F <reason>
 * <result>... [| <record>...]"; see the top of replayer/replayer.c) of scenario `index`.
 * Throws ResultLineError naming the scenario when the line is malformed.
 */
export function parseResultLine(line: string, index: number, s: Scenario | undefined, timeoutMs: number): ReplayOutcome {
  const all = line.split(' ').filter((x) => x !== '');
  const bar = all.indexOf('|');
  const toks = bar >= 0 ? all.slice(0, bar) : all;
  const name = `scenario ${index}${s?.name ? ` (${s.name})` : ''}`;
  let out: ReplayOutcome;
  if (toks[0] === 'R') {
    const results = toks.slice(1);
    if (s && results.length !== s.steps.length)
      throw new ResultLineError(`${name}: the replayer returned ${results.length} results for ${s.steps.length} steps`);
    out = { results };
  } else if (toks[0] === 'F' && toks[1]) {
    const results = toks.slice(2);
    out = { results, error: describeFailure(index, toks[1], results.length, s, timeoutMs) };
  } else throw new ResultLineError(`unexpected replayer output line for ${name}: ${JSON.stringify(line.slice(0, 200))}`);
  if (bar < 0) return out;
  // The steps that ran: every result, and the failing step of an F line.
  const ran = out.results.length + (out.error ? 1 : 0);
  const audit: AuditOutcome = { steps: Array.from({ length: ran }, () => []), freed: [] };
  for (const tok of all.slice(bar + 1)) {
    const p = parseAuditToken(tok);
    if (!p) throw new ResultLineError(`${name}: malformed audit record token ${JSON.stringify(tok.slice(0, 200))}`);
    if ('freed' in p) audit.freed.push(p.freed);
    else if (p.step === 't') (audit.teardown ??= []).push(p.rec);
    else if (p.step >= ran) throw new ResultLineError(`${name}: audit record ${JSON.stringify(tok)} names step ${p.step}, but ${ran} step(s) ran`);
    else audit.steps[p.step]!.push(p.rec);
  }
  out.audit = audit;
  return out;
}

export function describeFailure(index: number, reason: string, step: number, s: Scenario | undefined, timeoutMs: number): string {
  const st = s?.steps[step];
  const where = st ? `at step ${step} (${st.op} by ${st.by})` : `at step ${step}`;
  const what =
    reason === 'timeout'
      ? `timed out after ${timeoutMs} ms`
      : reason === 'crash'
        ? 'crashed (a task died unexpectedly)'
        : 'failed inside the replayer';
  return `scenario ${index}${s?.name ? ` (${s.name})` : ''}: ${what} ${where}`;
}

/**
 * Runs pre-encoded lines (see encodeScenario) in one replayer process. `scenarios`, when
 * given, is only used to make error messages and to check result counts.
 */
export async function replayEncoded(
  lines: string[],
  opts: ReplayOptions = {},
  scenarios?: Scenario[],
): Promise<ReplayOutcome[]> {
  const bin = opts.binary ?? ensureReplayer();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const workers = opts.workers ?? 2;
  if (lines.length === 0) return [];
  for (const [i, l] of lines.entries())
    if (l.includes('\n')) throw new Error(`encoded scenario ${i} contains a newline`);
  const base = opts.tmpdir ?? tmpdir();
  const env = { ...process.env };
  if (opts.testHooks) env.SCOPECHECK_REPLAY_TEST_HOOKS = '1';
  else delete env.SCOPECHECK_REPLAY_TEST_HOOKS;
  const args = ['--serve', '--workers', String(workers), '--timeout-ms', String(timeoutMs)];
  // The private tmpfs goes over $TMPDIR of the replayer; in the fallback, the batch directory
  // is ours to remove (the replayer does not remove a --tmpdir).
  let batchDir: string | undefined;
  if (opts.privateTmp ?? privateTmpAvailable(bin, base)) env.TMPDIR = base;
  else {
    batchDir = makeTempDir(base, 'scopecheck-replay-');
    args.push('--no-private-tmp', '--tmpdir', batchDir);
  }
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  const unregister = onInterrupt(() => {
    killAndWait(child.pid);
    if (batchDir) removeTree(batchDir);
  });

  const outcomes: ReplayOutcome[] = [];
  let stderr = '';
  let pending = '';
  let protocolError: string | undefined;
  let lastProgress = Date.now();
  // The replayer bounds every scenario by its own watchdog; this only catches a replayer
  // that stopped answering altogether.
  const stallMs = Math.max(15_000, 4 * timeoutMs + 5_000);

  const onLine = (line: string) => {
    const i = outcomes.length;
    const s = scenarios?.[i];
    try {
      outcomes.push(parseResultLine(line, i, s, timeoutMs));
    } catch (e) {
      if (!(e instanceof ResultLineError)) throw e;
      protocolError ??= e.message;
      const toks = line.split(' ');
      outcomes.push({ results: toks[0] === 'R' ? toks.slice(1).filter((x) => x !== '' && x !== '|') : [] });
    }
    lastProgress = Date.now();
    opts.onProgress?.(outcomes.length);
  };

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      onLine(pending.slice(start, nl));
      start = nl + 1;
    }
    pending = pending.slice(start);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  child.stdin.on('error', () => {
    /* EPIPE when the replayer died or rejected its input: reported by the exit handler */
  });

  let stalled = false;
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgress > stallMs) {
      stalled = true;
      child.kill('SIGKILL');
    }
  }, 1000);
  watchdog.unref();

  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('close', (code, signal) => res({ code, signal })),
  );
  const spawnError = new Promise<Error>((res) => child.on('error', res));

  // Stream the input with back-pressure.
  const writer = (async () => {
    const CHUNK = 256;
    for (let i = 0; i < lines.length; i += CHUNK) {
      const ok = child.stdin.write(lines.slice(i, i + CHUNK).join('\n') + '\n');
      if (!ok) {
        const r = await Promise.race([
          new Promise<'drain'>((res) => child.stdin.once('drain', () => res('drain'))),
          closed.then(() => 'closed' as const),
        ]);
        if (r === 'closed') return;
      }
    }
    child.stdin.end();
  })();

  const result = await Promise.race([closed, spawnError.then((e) => ({ code: null, signal: null, error: e }))]);
  clearInterval(watchdog);
  await writer.catch(() => undefined);
  if (batchDir) removeTree(batchDir);
  unregister();

  if ('error' in result) throw new ReplayerError(`cannot run ${bin}: ${result.error.message}`, outcomes);
  // One line: the replayer's last word on stderr, if any (all of it stays in ReplayerError.stderr).
  const last = stderr.trim().split('\n').pop()?.trim() ?? '';
  const tail = last ? ` (replayer: ${last.slice(0, 300)})` : '';
  if (result.code === 2)
    throw new ReplayerError(`scopecheck-replay rejected its input (exit status 2)${tail}`, outcomes, 2, stderr);
  if (stalled)
    throw new ReplayerError(
      `scopecheck-replay stopped answering for ${stallMs} ms after ${outcomes.length} of ${lines.length} scenarios; killed it${tail}`,
      outcomes,
      result.code,
      stderr,
    );
  if (result.code !== 0 || result.signal)
    throw new ReplayerError(
      `scopecheck-replay ${result.signal ? `was killed by ${result.signal}` : `exited with status ${result.code}`} ` +
        `after ${outcomes.length} of ${lines.length} scenarios (scenario ${outcomes.length} has no result)${tail}`,
      outcomes,
      result.code,
      stderr,
    );
  if (protocolError) throw new ReplayerError(protocolError, outcomes, result.code, stderr);
  if (outcomes.length !== lines.length)
    throw new ReplayerError(
      `scopecheck-replay answered ${outcomes.length} of ${lines.length} scenarios${tail}`,
      outcomes,
      result.code,
      stderr,
    );
  return outcomes;
}

/** Encodes a batch; a scenario that cannot be encoded is named by its index in the error. */
export function encodeBatch(scenarios: readonly Scenario[]): string[] {
  return scenarios.map((s, i) => {
    try {
      return encodeScenario(s);
    } catch (e) {
      if (e instanceof ScenarioValidationError)
        throw new ScenarioValidationError(e.errors, `scenario ${i}${s.name ? ` (${s.name})` : ''}`);
      throw e;
    }
  });
}

/**
 * Runs a batch of scenarios on this machine's kernel, in one replayer process; outcomes are
 * in the order of `scenarios`.
 */
export async function replayScenarios(
  scenarios: Scenario[],
  opts: ReplayOptions = {},
): Promise<{ kernel: KernelInfo; outcomes: ReplayOutcome[] }> {
  const lines = encodeBatch(scenarios);
  const kernel = await kernelInfo(opts.binary);
  const outcomes = await replayEncoded(lines, opts, scenarios);
  return { kernel, outcomes };
}

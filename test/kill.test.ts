/**
 * SIGKILL at random moments leaves nothing of scopecheck's behind. Runs of `record` and
 * `fuzz --live`, each with TMPDIR set to a fresh private directory, are killed after a
 * delay drawn from a seeded PRNG: the driver (node), the replayer (the driver's
 * `scopecheck-replay --serve` child, found through /proc), or the whole process group.
 * Then: no process of the run is left (every process of a run carries a marker in its
 * environment, inherited by the replayer and every task), its TMPDIR is empty (no
 * scopecheck-replay-* directory, hidden temp file or socket file), nothing is mounted on or
 * under it, and no file was written at the -o path unless the run completed.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { landlockAvailable } from '../kernel/replayer.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'scopecheck.js');
const SMALL = join(ROOT, 'traces', 'corpus', 'tests.corpus.jsonl.gz');
const MIN_RUNS = 60; // kinds of kill in turn (driver, replayer, group), record and fuzz --live in turn
const MIN_KILLS = 50; // more runs (up to MAX_RUNS) while fewer were killed (the others completed first)
const MAX_RUNS = 120;
const LANES = 2; // runs killed concurrently (each has its own TMPDIR and marker)
const MARK = 'SCOPECHECK_KILL_TEST';

const live = landlockAvailable();
if (!live) console.warn('SKIPPED: kill tests: Landlock is not available on this kernel');

/** mulberry32: a tiny deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pids = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d));
const read = (f: string) => {
  try {
    return readFileSync(f).toString();
  } catch {
    return '';
  }
};

/** Live processes (zombies have an empty environment) whose environment carries `mark`. */
function processesMarked(mark: string): string[] {
  const needle = `${MARK}=${mark}\0`;
  return pids().filter((p) => read(`/proc/${p}/environ`).includes(needle));
}

/** The driver's replayer child (`scopecheck-replay --serve ...`), if it has one now. */
function replayerOf(driver: number): number | undefined {
  for (const p of pids()) {
    const stat = read(`/proc/${p}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== driver) continue;
    const cmd = read(`/proc/${p}/cmdline`).split('\0');
    if (cmd[0]?.endsWith('scopecheck-replay') && cmd.includes('--serve')) return Number(p);
  }
  return undefined;
}

/** Every entry under dir, hidden ones included, as paths relative to it. */
function entries(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    out.push(e.name);
    if (e.isDirectory()) out.push(...entries(join(dir, e.name)).map((x) => `${e.name}/${x}`));
  }
  return out;
}

type Kind = 'driver' | 'replayer' | 'group';

interface Run {
  i: number;
  kind: Kind;
  command: 'record' | 'fuzz';
  delay: number;
}

interface Figures {
  killed: Record<Kind, number>;
  replayerUp: number; // kills that landed while a replayer was running
  completed: number; // runs that finished before their kill
  tempFilesNextToOutput: number;
  problems: string[];
}

describe.skipIf(!live)('SIGKILL at random moments', () => {
  // work/corpus/{tests,k}.corpus.jsonl.gz; per run: work/tmp<i> (its TMPDIR) and work/out<i>
  // (-o, --out: a trace set goes next to its corpus or in a sibling directory)
  let work: string;
  let small: string;
  let big: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'scopecheck-kill-'));
    mkdirSync(join(work, 'corpus'));
    small = join(work, 'corpus', 'tests.corpus.jsonl.gz');
    copyFileSync(SMALL, small);
    big = join(work, 'corpus', 'k.corpus.jsonl.gz');
    const c = spawn(process.execPath, [CLI, 'corpus', '--random', '3000', '--seed', '1', '--name', 'k', '-o', big], { stdio: 'ignore' });
    expect(await new Promise((r) => c.on('exit', r))).toBe(0);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function once(run: Run, f: Figures): Promise<void> {
    const tmp = join(work, `tmp${run.i}`); // the run's TMPDIR
    const outDir = join(work, `out${run.i}`); // -o / --out, apart from TMPDIR
    mkdirSync(tmp);
    mkdirSync(outDir);
    const out = join(outDir, 'y.results.jsonl.gz');
    const args =
      run.command === 'record'
        ? ['record', run.i % 6 === 0 ? small : big, '-o', out]
        : ['fuzz', '--live', '--runs', '3000', '--seed', String(run.i + 1), '--out', join(outDir, 'cx')];
    const mark = `${process.pid}.${run.i}`;
    const child = spawn(process.execPath, [CLI, ...args], {
      detached: true, // a process group of its own
      stdio: 'ignore',
      env: { ...process.env, TMPDIR: tmp, [MARK]: mark },
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    const driver = child.pid!;
    await sleep(run.delay);

    let target: number | undefined;
    if (run.kind === 'replayer') {
      // the replayer may not be spawned yet (node starting) or be between two batches (fuzz)
      const end = Date.now() + 1500;
      while ((target = replayerOf(driver)) === undefined && child.exitCode === null && child.signalCode === null && Date.now() < end) await sleep(5);
    }
    if (child.exitCode !== null || child.signalCode !== null || (run.kind === 'replayer' && target === undefined)) {
      f.completed++;
      if ((await exited).code !== 0) f.problems.push(`run ${run.i} (${run.command}): failed by itself (exit status ${child.exitCode})`);
    } else {
      if (replayerOf(driver) !== undefined) f.replayerUp++;
      try {
        if (run.kind === 'group') process.kill(-driver, 'SIGKILL');
        else process.kill(run.kind === 'driver' ? driver : target!, 'SIGKILL');
        f.killed[run.kind]++;
      } catch {
        f.completed++; // it ended just now
      }
    }

    const end = await Promise.race([exited, sleep(20_000).then(() => undefined)]);
    const where = `run ${run.i} (${run.command}, kill ${run.kind} after ${run.delay} ms)`;
    if (!end) {
      f.problems.push(`${where}: the driver did not exit`);
      process.kill(-driver, 'SIGKILL');
      await exited;
    }
    const deadline = Date.now() + 10_000;
    while (processesMarked(mark).length && Date.now() < deadline) await sleep(20);
    const left = processesMarked(mark).map((p) => `${p} ${read(`/proc/${p}/cmdline`).replace(/\0/g, ' ').trim()}`);
    if (left.length) f.problems.push(`${where}: processes left: ${left.join('; ')}`);
    const inTmp = entries(tmp);
    if (inTmp.length) f.problems.push(`${where}: left in TMPDIR: ${inTmp.slice(0, 5).join(', ')}${inTmp.length > 5 ? ` (${inTmp.length} entries)` : ''}`);
    const mounts = read('/proc/self/mountinfo').split('\n').filter((l) => l.includes(work));
    if (mounts.length) f.problems.push(`${where}: mounts left: ${mounts.join('; ')}`);
    if (existsSync(out)) {
      // only a finished run writes it (atomically): it must be complete
      try {
        gunzipSync(readFileSync(out));
      } catch {
        f.problems.push(`${where}: a partial ${out}`);
      }
      if (end?.code !== 0) f.completed++; // killed just after its rename: it completed
    }
    f.tempFilesNextToOutput += readdirSync(outDir).filter((n) => n.startsWith('.') && n.endsWith('.tmp')).length;
    rmSync(tmp, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }

  test(`${MIN_RUNS}+ runs of record and fuzz --live killed with SIGKILL leave nothing behind`, async () => {
    const rand = prng(20261201);
    const kinds: Kind[] = ['driver', 'replayer', 'group'];
    const f: Figures = { killed: { driver: 0, replayer: 0, group: 0 }, replayerUp: 0, completed: 0, tempFilesNextToOutput: 0, problems: [] };
    const kills = () => f.killed.driver + f.killed.replayer + f.killed.group;
    let next = 0;
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        while ((next < MIN_RUNS || kills() < MIN_KILLS) && next < MAX_RUNS) {
          const i = next++;
          await once({ i, kind: kinds[i % 3]!, command: i % 2 === 0 ? 'record' : 'fuzz', delay: 50 + Math.floor(rand() * 1450) }, f);
        }
      }),
    );
    console.log(
      `[kill] ${next} runs: killed driver ${f.killed.driver}, replayer ${f.killed.replayer}, group ${f.killed.group} ` +
        `(${f.replayerUp} while a replayer ran), ${f.completed} completed first; ` +
        `${f.problems.length} with leftovers; ${f.tempFilesNextToOutput} temp file(s) next to -o`,
    );
    expect(f.problems).toEqual([]);
    expect(kills()).toBeGreaterThanOrEqual(MIN_KILLS);
  }, 120_000);
});

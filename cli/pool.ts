/**
 * Runs jobs on N worker threads (inline for a single job). Results come back in job order, so the
 * output never depends on the number of workers.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError, ScopecheckError, type ErrorKind } from '../common/errors.js';
import { runJob, type Job, type JobResult } from './jobs.js';

export const defaultWorkers = (): number => Math.max(1, availableParallelism());

/**
 * The young generation of each worker: the exhaustive search allocates a world per scenario and
 * keeps few, so a large nursery halves the time spent collecting (a 64 MB semi-space; V8's
 * default, 16 MB, promotes the frontier's nodes early and scavenges slowly).
 */
const YOUNG_GENERATION_MB = 192;

/**
 * Runs jobs; `cost` (optional, per job) orders the work longest first so that the workers finish
 * together. Results are always returned in job order.
 */
export async function runJobs(
  jobs: readonly Job[],
  workers: number,
  onDone?: (done: number) => void,
  cost?: readonly number[],
  /** Worker `w` starts job `id` (for progress lines). */
  onStart?: (w: number, id: number) => void,
): Promise<JobResult[]> {
  const results: JobResult[] = new Array(jobs.length);
  let done = 0;
  // One job runs inline; more, even on one worker, run in worker threads (the same heap settings whatever the count).
  if (jobs.length <= 1) {
    for (let i = 0; i < jobs.length; i++) {
      onStart?.(0, i);
      results[i] = await runJob(jobs[i]!);
      onDone?.(++done);
    }
    return results;
  }
  // Compiled: worker.js sits next to this file. From the TypeScript sources (vitest): use the build.
  let url = new URL('./worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) url = new URL('../dist/cli/worker.js', import.meta.url);
  const pool = Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, () => new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }));
  const order = jobs.map((_, i) => i);
  if (cost) order.sort((a, b) => cost[b]! - cost[a]! || a - b);
  let next = 0;
  try {
    await Promise.all(
      pool.map(
        (w, wi) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= jobs.length) return resolve();
              const id = order[next++]!;
              onStart?.(wi, id);
              w.postMessage({ id, job: jobs[id] });
            };
            w.on('message', (m: { id: number; result?: JobResult; error?: { kind: ErrorKind; message: string } }) => {
              if (m.error) return reject(new ScopecheckError(m.error.kind, m.error.message));
              results[m.id] = m.result!;
              onDone?.(++done);
              feed();
            });
            w.on('error', reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

/** --shard k/n: which of the jobs this machine runs. */
export function parseShard(text: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new InputError(`--shard: "${text}" is not k/n with 1 <= k <= n`);
  return { k: Number(m[1]), n: Number(m[2]) };
}

export const inShard = (i: number, s: { k: number; n: number } | undefined): boolean => !s || i % s.n === s.k - 1;

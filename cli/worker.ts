/** A worker thread: runs the jobs it is sent, one at a time; an error goes back with its kind. */
import { parentPort } from 'node:worker_threads';
import { isScopecheckError } from '../common/errors.js';
import { runJob, type Job } from './jobs.js';

parentPort!.on('message', async (m: { id: number; job: Job }) => {
  try {
    parentPort!.postMessage({ id: m.id, result: await runJob(m.job) });
  } catch (e) {
    const kind = isScopecheckError(e) ? e.kind : 'internal';
    const message = kind === 'internal' && e instanceof Error ? (e.stack ?? e.message) : e instanceof Error ? e.message : String(e);
    parentPort!.postMessage({ id: m.id, error: { kind, message } });
  }
});

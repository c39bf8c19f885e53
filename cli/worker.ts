/** A worker thread: runs the jobs it is sent, one at a time. */
import { parentPort } from 'node:worker_threads';
import { runJob, type Job } from './jobs.js';

parentPort!.on('message', async (m: { id: number; job: Job }) => {
  try {
    parentPort!.postMessage({ id: m.id, result: await runJob(m.job) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});

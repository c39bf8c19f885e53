/**
 * Runs a job of a `check` run (properties/matrix.ts) wherever it is: inline or in a worker thread.
 * Loading the semantics and the user's property modules (both named on the command line) is the
 * only I/O.
 */
import { runJobWith, type Job, type JobResult } from '../properties/matrix.js';
import { propertyLookup } from './properties.js';
import { loadSemantics } from './semantics.js';

export type { Job, JobResult } from '../properties/matrix.js';

export async function runJob(j: Job): Promise<JobResult> {
  return runJobWith(j, await loadSemantics(j.semantics, j.errata), await propertyLookup(j.propertyModules));
}

/**
 * Cleanup on interruption: when the driver itself gets SIGINT, SIGTERM or SIGHUP, kill the
 * replayer or qemu it started and remove their temporary directories, then die of the same
 * signal. (`process.on('exit')` does not run when Node is killed by a signal.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../common/errors.js';

const cleanups = new Set<() => void>();
let installed = false;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onSignal(sig: NodeJS.Signals): void {
  for (const f of [...cleanups]) {
    try {
      f();
    } catch {
      // best effort: keep cleaning up the others
    }
  }
  cleanups.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, sig);
}

/** Registers a cleanup to run if the process is interrupted; returns its unregistration. */
export function onInterrupt(f: () => void): () => void {
  if (!installed) {
    installed = true;
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  cleanups.add(f);
  return () => {
    cleanups.delete(f);
  };
}

/** Sleeps synchronously (the interrupt path cannot wait for the event loop). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGKILLs a child and waits (synchronously, up to `ms`) until it is dead or a zombie. */
export function killAndWait(pid: number | undefined, ms = 2000): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return; // already gone
  }
  const end = Date.now() + ms;
  while (Date.now() < end) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    if (/^\d+ \(.*\) [ZX]/.test(stat)) return;
    sleepSync(5);
  }
}

/** Removes a directory tree, retrying while a dying process may still be writing into it. */
export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
}

/** mkdtemp under `parent`; a parent that does not exist or is not writable is an environment error that says what to do. */
export function makeTempDir(parent: string, prefix: string): string {
  try {
    return mkdtempSync(join(parent, prefix));
  } catch (e) {
    throw new EnvironmentError(`cannot create a temporary directory in ${parent} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): set TMPDIR to a writable directory`);
  }
}

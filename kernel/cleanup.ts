/**
 * Cleanup on interruption: when the driver itself gets SIGINT, SIGTERM or SIGHUP, kill the
 * replayer or qemu it started and remove their temporary directories, then die of the same
 * signal. (`process.on('exit')` does not run when Node is killed by a signal.)
 */
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

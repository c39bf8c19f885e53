/**
 * Progress on long work, on a terminal only (cli-progress): one bar for the whole run with its
 * rate and time left, and one line per worker saying what it works on. Nothing at all when
 * stderr is not a TTY or the output is --json, so logs and pipes stay clean.
 */
import cliProgress from 'cli-progress';
import type { Io } from './options.js';

export interface Progress {
  /** Work starts: `total` units of `unit` (jobs, scenarios, …). */
  start(total: number, unit: string): void;
  /** `done` units finished so far. */
  update(done: number): void;
  /** Worker `w` now works on `what` (shown on its own line). */
  worker(w: number, what: string): void;
  stop(): void;
}

const none: Progress = { start: () => {}, update: () => {}, worker: () => {}, stop: () => {} };

/** A progress display for `io`, or one that shows nothing. */
export function progressFor(io: Io, quiet = false): Progress {
  if (!io.isTTY || quiet || !process.stderr.isTTY) return none;
  let multi: cliProgress.MultiBar | null = null;
  let main: cliProgress.SingleBar | null = null;
  const workers = new Map<number, cliProgress.SingleBar>();
  return {
    start(total, unit) {
      multi = new cliProgress.MultiBar(
        { format: ' {bar} {percentage}% | {value}/{total} {unit} | {rate}/s | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true, stopOnComplete: false, etaBuffer: 50, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
      main = multi.create(total, 0, { unit, rate: '0' });
      const t0 = performance.now();
      (main as unknown as { _t0: number })._t0 = t0;
    },
    update(done) {
      if (!main) return;
      const secs = (performance.now() - (main as unknown as { _t0: number })._t0) / 1000;
      main.update(done, { rate: secs > 0 ? (done / secs).toFixed(1) : '0' });
    },
    worker(w, what) {
      if (!multi) return;
      let b = workers.get(w);
      if (!b) workers.set(w, (b = multi.create(1, 0, {}, { format: `   worker ${w + 1}: {what}` })));
      b.update(0, { what });
    },
    stop() {
      multi?.stop();
      multi = null;
      main = null;
      workers.clear();
    },
  };
}

/**
 * The model judged against recorded kernel traces: each trace's scenario evaluated under the
 * semantics of the kernel that recorded it (its ABI, its errata, its release's af_unix facts),
 * or under a given one. Pure: the caller reads the traces.
 */
import { InputError } from '../common/errors.js';
import type { Trace } from '../format/trace.js';
import type { Semantics } from '../model/hooks.js';
import { NEWEST_ABI, releaseSemantics, semanticsForAbi, withErrata } from '../model/semantics/index.js';
import type { StepOutcome } from '../model/state.js';
import { evaluate } from '../ops/engine.js';

/** A file's traces. */
export interface TraceSource {
  file: string;
  traces: Trace[];
}

export interface Disagreement {
  file: string;
  index: number;
  trace: Trace;
  semantics: string;
  model: string[];
  steps: number[];
  outcomes: StepOutcome[];
}

export interface SourceSummary {
  file: string;
  kernel: string;
  abi: number;
  errata: number;
  semantics: string;
  traces: number;
  disagreements: number;
}

/** The semantics a kernel is judged under: the given one, or the released one for its ABI with its errata and its release's facts. */
export function semanticsForKernel(k: Trace['kernel'], given: Semantics | undefined, errata: number | undefined): Semantics {
  if (given) return errata === undefined ? given : withErrata(given, errata);
  // A release whose facts are recorded is its own semantics (when its ABI is the one it reports);
  // any other kernel is judged by the semantics of its ABI.
  const rel = releaseSemantics(k.release);
  const s = rel && rel.abi === k.abi ? rel : semanticsForAbi(k.abi);
  if (!s)
    throw new InputError(`kernel ${k.release} reports Landlock ABI ${k.abi}: no built-in semantics is of that ABI (they are ABI 6 to ${NEWEST_ABI}); pass --semantics to say which to judge it by`);
  const e = errata ?? k.errata;
  return e === s.errata ? s : withErrata(s, e);
}

export function diffTrace(t: Trace, sem: Semantics): { model: string[]; steps: number[]; outcomes: StepOutcome[] } {
  const outcomes = evaluate(t.scenario, sem);
  const model = outcomes.map((o) => o.result);
  const steps = model.flatMap((r, i) => (r !== t.results[i] ? [i] : []));
  return { model, steps, outcomes };
}

/** Every trace of every source judged against the model: per-source counts and each disagreement. */
export function diffSources(sources: readonly TraceSource[], given: Semantics | undefined, errata: number | undefined): { all: Disagreement[]; summary: SourceSummary[] } {
  const all: Disagreement[] = [];
  const summary: SourceSummary[] = [];
  for (const src of sources) {
    let n = 0;
    const semNames = new Set<string>();
    src.traces.forEach((t, index) => {
      let sem: Semantics;
      try {
        sem = semanticsForKernel(t.kernel, given, errata);
      } catch (e) {
        if (e instanceof InputError) throw new InputError(`${src.file}: trace ${index + 1}: ${e.message}`);
        throw e;
      }
      semNames.add(sem.name);
      const d = diffTrace(t, sem);
      if (d.steps.length) {
        n++;
        all.push({ file: src.file, index, trace: t, semantics: sem.name, model: d.model, steps: d.steps, outcomes: d.outcomes });
      }
    });
    const k = src.traces[0]?.kernel;
    summary.push({ file: src.file, kernel: k?.release ?? '?', abi: k?.abi ?? 0, errata: k?.errata ?? 0, semantics: [...semNames].join(','), traces: src.traces.length, disagreements: n });
  }
  return { all, summary };
}

/**
 * Evaluates a scenario under a semantics: one outcome per step, with the acting task's domain and,
 * for a denial, the layer and the rule that decided. Each step is performed by its op's `apply`
 * (ops/*.ts) on the model's world (model/state.ts). Pure: a new World per call.
 */
import type { Semantics } from '../model/hooks.js';
import * as unix from '../model/af_unix.js';
import { newWorld, type Sock, type StepOutcome, type Task, type World } from '../model/state.js';
import { opOf, type Step } from './index.js';
import type { ApplyEnv } from './types.js';

export interface EvalOptions {
  /** Errata mask to use instead of the semantics' own. */
  errata?: number;
}

/** Evaluates every step; throws only for a scenario that failed validation (dangling names). */
export function evaluate(s: { readonly steps: readonly Step[] }, semantics: Semantics, opts: EvalOptions = {}): StepOutcome[] {
  const w = newWorld(semantics, opts.errata ?? semantics.errata);
  return s.steps.map((st) => step(w, st));
}

/** Just the results, as a trace stores them. */
export function results(s: { readonly steps: readonly Step[] }, semantics: Semantics, opts: EvalOptions = {}): string[] {
  return evaluate(s, semantics, opts).map((o) => o.result);
}

function taskOf(w: World, name: string): Task {
  const t = w.tasks.get(name);
  if (!t) throw new Error(`model: unknown task ${name} (scenario not validated?)`);
  return t;
}

function envOf(w: World, t: Task): ApplyEnv {
  return {
    task: (name) => taskOf(w, name),
    held: (name) => {
      const s = w.sockets.get(name);
      return s && t.proc.fds.has(s) ? s : null;
    },
    dropFd: (s: Sock) => {
      t.proc.fds.delete(s);
      if (!w.procs.some((p) => p.alive && p.fds.has(s))) unix.release(w, s);
    },
  };
}

/** Performs one step on `w` (mutated) and returns its outcome. */
export function step(w: World, st: Step): StepOutcome {
  const t = taskOf(w, st.by);
  w.decisions = [];
  const r = opOf(st).apply(w, t, st, envOf(w, t));
  const out: StepOutcome = { ...r, domain: t.domain };
  return w.decisions.length ? { ...out, decisions: w.decisions } : out;
}

/**
 * Evaluates a scenario under a semantics: one outcome per step, with the acting task's domain and,
 * for a denial, the layer and the rule that decided. Each step is performed by its op's `apply`
 * (ops/*.ts) on the model's world (model/state.ts). Pure: a new World per call.
 */
import type { Semantics } from '../model/hooks.js';
import { freedRecords, type FreedRecord } from '../model/audit.js';
import { teardownDomains } from '../model/process.js';
import { newWorld, type StepOutcome, type World } from '../model/state.js';
import { opOf, type Step } from './index.js';
import { taskOf } from './world.js';

export interface EvalOptions {
  /** Errata mask to use instead of the semantics' own. */
  errata?: number;
}

/** Evaluates every step; throws only for a scenario that failed validation (dangling names). */
export function evaluate(s: { readonly steps: readonly Step[]; readonly capabilities?: 'all' | undefined }, semantics: Semantics, opts: EvalOptions = {}): StepOutcome[] {
  return run(s, semantics, opts).outcomes;
}

/**
 * evaluate(), plus the audit records the end of the scenario brings: every logged domain is freed
 * (once its last task, socket and file owner are gone) with its denial count.
 */
export function evaluateAll(
  s: { readonly steps: readonly Step[]; readonly capabilities?: 'all' | undefined },
  semantics: Semantics,
  opts: EvalOptions = {},
): { outcomes: StepOutcome[]; freed: FreedRecord[] } {
  const { outcomes, w } = run(s, semantics, opts);
  return { outcomes, freed: freedRecords(w.audit, teardownDomains(w)) };
}

function run(s: { readonly steps: readonly Step[]; readonly capabilities?: 'all' | undefined }, semantics: Semantics, opts: EvalOptions): { outcomes: StepOutcome[]; w: World } {
  const w = newWorld(semantics, opts.errata ?? semantics.errata, s.capabilities === 'all' ? 'all' : 'none');
  const outcomes = s.steps.map((st, i) => {
    w.stepIndex = i;
    return step(w, st);
  });
  return { outcomes, w };
}

/** Just the results, as a trace stores them. */
export function results(s: { readonly steps: readonly Step[]; readonly capabilities?: 'all' | undefined }, semantics: Semantics, opts: EvalOptions = {}): string[] {
  return evaluate(s, semantics, opts).map((o) => o.result);
}

/** Performs one step on `w` (mutated) and returns its outcome. */
export function step(w: World, st: Step): StepOutcome {
  const t = taskOf(w, st.by);
  w.decisions = [];
  w.deliveries = [];
  w.audit.records = [];
  w.audit.silenced = [];
  const r = opOf(st).apply(w, t, st);
  const out: StepOutcome = { ...r, domain: t.domain };
  if (w.audit.records.length) (out as { audit?: StepOutcome['audit'] }).audit = w.audit.records;
  if (w.audit.silenced.length) (out as { auditSilenced?: StepOutcome['auditSilenced'] }).auditSilenced = w.audit.silenced;
  if (w.decisions.length) (out as { decisions?: StepOutcome['decisions'] }).decisions = w.decisions;
  if (w.deliveries.length) (out as { deliveries?: StepOutcome['deliveries'] }).deliveries = w.deliveries;
  return out;
}

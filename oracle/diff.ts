/**
 * The model judged against recorded kernel traces: each trace's scenario evaluated under the
 * semantics of the kernel that recorded it (its ABI, its errata, its release's af_unix facts),
 * or under a given one. Pure: the caller reads the traces.
 */
import { InputError } from '../common/errors.js';
import type { Trace, TraceRow } from '../format/trace.js';
import type { Semantics } from '../model/hooks.js';
import { NEWEST_ABI, releaseSemantics, semanticsForAbi, withErrata } from '../model/semantics/index.js';
import type { StepOutcome } from '../model/state.js';
import { evaluateAll } from '../ops/engine.js';
import { freedText, recordText, type FreedRecord } from '../model/audit.js';

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
  /** Steps whose results differ. */
  steps: number[];
  outcomes: StepOutcome[];
  /** Steps whose audit records differ (traces with records only). */
  auditSteps: AuditStepDiff[];
  /** The deallocation records differ: what the model expects (null: they agree). */
  freed: { model: string[]; kernel: string[] } | null;
}

/** One step's records: what the model predicts for sure, what it may (timing), and what the kernel emitted. */
export interface AuditStepDiff {
  step: number;
  model: string[];
  maybe: string[];
  kernel: string[];
}

export interface SourceSummary {
  file: string;
  kernel: string;
  abi: number;
  errata: number;
  semantics: string;
  traces: number;
  disagreements: number;
  /** Traces that carry audit records (compared record by record). */
  withAudit: number;
  /** Traces whose records (not results) disagree. */
  auditDisagreements: number;
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

export function diffTrace(t: Trace, sem: Semantics): { model: string[]; steps: number[]; outcomes: StepOutcome[]; auditSteps: AuditStepDiff[]; freed: Disagreement['freed'] } {
  return diffRow(t.scenario, t, sem);
}

/** A kernel's row (its results, and its records where collected) against the model, step by step. */
export function diffRow(
  s: Trace['scenario'],
  row: TraceRow,
  sem: Semantics,
): { model: string[]; steps: number[]; outcomes: StepOutcome[]; auditSteps: AuditStepDiff[]; freed: Disagreement['freed'] } {
  const { outcomes, freed } = evaluateAll(s, sem);
  const model = outcomes.map((o) => o.result);
  const steps = model.flatMap((r, i) => (r !== row.results[i] ? [i] : []));
  if (!row.audit) return { model, steps, outcomes, auditSteps: [], freed: null };
  return { model, steps, outcomes, ...compareAudit(outcomes, freed, row.audit, row.audit_freed ?? [], row.audit_teardown ?? []) };
}

/**
 * The model's records against the kernel's, step by step, as multisets (the kernel's order of
 * records within one step, e.g. the members of a group, is not the model's concern). A record the
 * model marks uncertain (a parent-death signal a sibling thread may re-send) may be there or not;
 * for a domain with such a record, whether and where its allocation record comes, and its
 * denial count up to the uncertain ones, may vary too.
 */
export function compareAudit(
  outcomes: readonly StepOutcome[],
  freed: readonly FreedRecord[],
  kernel: readonly (readonly string[])[],
  kernelFreed: readonly string[],
  kernelTeardown: readonly string[] = [],
): { auditSteps: AuditStepDiff[]; freed: Disagreement['freed'] } {
  // A domain is loose when a record the model is unsure of (timing, the order of a release) comes
  // at or before its first sure access record, or it has only unsure ones: whether, and in which
  // of those steps, its allocation record comes then varies. Any other domain's allocation is
  // where the model says.
  const firstSure = new Map<number, number>();
  const firstUnsure = new Map<number, number>();
  outcomes.forEach((o, i) => {
    for (const r of o.audit ?? []) {
      if (r.type !== 'access') continue;
      const m = r.uncertain ? firstUnsure : firstSure;
      if (!m.has(r.domain)) m.set(r.domain, i);
    }
  });
  const loose = new Set([...firstUnsure].filter(([d, i]) => i <= (firstSure.get(d) ?? Infinity)).map(([d]) => d));
  // (a domain is allocated once: the step of a second allocation record disagrees)
  const allocSeen = new Set<string>();
  const allocAgain = new Set<number>();
  // …in a step where the model has an access record of that domain.
  const isLooseAlloc = (text: string, step: number) => {
    const m = /^AUDIT_LANDLOCK_DOMAIN domain=D([0-9]+) status=allocated$/.exec(text);
    return m !== null && loose.has(Number(m[1])) && (outcomes[step]?.audit ?? []).some((r) => r.type === 'access' && r.domain === Number(m[1]));
  };
  kernel.forEach((step, i) => {
    for (const r of step) {
      const m = /^AUDIT_LANDLOCK_DOMAIN domain=(D[0-9a-fx]+) status=allocated$/.exec(r);
      if (m && allocSeen.has(m[1]!)) allocAgain.add(i);
      if (m) allocSeen.add(m[1]!);
    }
  });
  // A kernel record whose object the recorder could not map ("?": its task was gone) matches a
  // record of the model that differs only by its object; exact matches are taken first.
  const objectless = (r: string) => r.replace(/ (?:opid|path)=\S+$| \?$/, '');
  const take = (from: string[], r: string): boolean => {
    let j = from.indexOf(r);
    if (j < 0 && r.endsWith(' ?')) j = from.findIndex((x) => objectless(x) === objectless(r));
    if (j < 0) return false;
    from.splice(j, 1);
    return true;
  };
  const auditSteps: AuditStepDiff[] = [];
  outcomes.forEach((o, i) => {
    const recs = o.audit ?? [];
    const sure = recs.filter((r) => !r.uncertain && !(r.type === 'allocated' && loose.has(r.domain))).map(recordText);
    const maybe = recs.filter((r) => r.uncertain || (r.type === 'allocated' && loose.has(r.domain))).map(recordText);
    const k = [...(kernel[i] ?? [])];
    const rest = k.filter((r) => !r.endsWith(' ?'));
    const unmapped = k.filter((r) => r.endsWith(' ?'));
    let ok = true;
    const sureLeft: string[] = [];
    for (const m of sure) {
      const j = rest.indexOf(m);
      if (j < 0) sureLeft.push(m);
      else rest.splice(j, 1);
    }
    for (const r of rest) if (!take(maybe, r) && !isLooseAlloc(r, i)) ok = false;
    for (const r of unmapped) if (!take(sureLeft, r) && !take(maybe, r)) ok = false;
    if (sureLeft.length) ok = false;
    if (allocAgain.has(i)) ok = false;
    if (!ok) auditSteps.push({ step: i, model: sure, maybe: recs.filter((r) => r.uncertain).map(recordText), kernel: k });
  });
  // Deallocations: every logged domain once, with its count (a loose domain's may be lower, or
  // missing). The runner's teardown (killing what is left: parent-death signals, last closes
  // signalling owners) is not the scenario's: a domain it caused denials in may count more, and a
  // domain the teardown logged first has a deallocation the model cannot know.
  const teardownDomains = new Set(kernelTeardown.flatMap((t) => /domain=(D[0-9a-fx]+)/.exec(t)?.[1] ?? []));
  const byDomain = new Map(freed.map((f) => [`D${f.domain}`, f]));
  const seen = new Set<string>();
  let freedOk = true;
  for (const text of kernelFreed) {
    const m = /^AUDIT_LANDLOCK_DOMAIN domain=(D[0-9a-fx]+) status=deallocated denials=([0-9]+)$/.exec(text);
    const f = m ? byDomain.get(m[1]!) : undefined;
    const n = m ? Number(m[2]) : -1;
    if (m && !seen.has(m[1]!) && (teardownDomains.has(m[1]!) || f?.teardown) && (!f || n >= f.denials - (f.uncertain ?? 0))) {
      seen.add(m[1]!);
      continue;
    }
    if (!f || seen.has(m![1]!) || n > f.denials || n < f.denials - (f.uncertain ?? 0)) freedOk = false;
    else seen.add(m![1]!);
  }
  // Every domain the model logs for sure is freed with a record; one logged only maybe may not be.
  for (const f of freed) if (!seen.has(`D${f.domain}`) && (!loose.has(f.domain) || firstSure.has(f.domain))) freedOk = false;
  const modelFreed = freed.map(freedText);
  return { auditSteps, freed: freedOk ? null : { model: modelFreed, kernel: [...kernelFreed] } };
}

/** Every trace of every source judged against the model: per-source counts and each disagreement. */
export function diffSources(sources: readonly TraceSource[], given: Semantics | undefined, errata: number | undefined): { all: Disagreement[]; summary: SourceSummary[] } {
  const all: Disagreement[] = [];
  const summary: SourceSummary[] = [];
  for (const src of sources) {
    let n = 0;
    let withAudit = 0;
    let nAudit = 0;
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
      if (t.audit) withAudit++;
      if (d.steps.length || d.auditSteps.length || d.freed) {
        n++;
        if (!d.steps.length) nAudit++;
        all.push({ file: src.file, index, trace: t, semantics: sem.name, ...d });
      }
    });
    const k = src.traces[0]?.kernel;
    summary.push({
      file: src.file,
      kernel: k?.release ?? '?',
      abi: k?.abi ?? 0,
      errata: k?.errata ?? 0,
      semantics: [...semNames].join(','),
      traces: src.traces.length,
      disagreements: n,
      withAudit,
      auditDisagreements: nAudit,
    });
  }
  return { all, summary };
}

/** The record differences of a trace, for a human: per step, the model's records (sure and timing-dependent) and the kernel's. */
export function auditDiffLines(d: { auditSteps: readonly AuditStepDiff[]; freed: Disagreement['freed'] }): string[] {
  const out: string[] = [];
  for (const a of d.auditSteps) {
    out.push(`   records of #${a.step}:`);
    for (const r of a.model) out.push(`     model : ${r}`);
    for (const r of a.maybe) out.push(`     model?: ${r}  (timing-dependent)`);
    if (!a.model.length && !a.maybe.length) out.push('     model : (none)');
    for (const r of a.kernel) out.push(`     kernel: ${r}`);
    if (!a.kernel.length) out.push('     kernel: (none)');
  }
  if (d.freed) {
    out.push('   after the scenario:');
    for (const r of d.freed.model) out.push(`     model : ${r}`);
    if (!d.freed.model.length) out.push('     model : (none)');
    for (const r of d.freed.kernel) out.push(`     kernel: ${r}`);
    if (!d.freed.kernel.length) out.push('     kernel: (none)');
  }
  return out;
}

/**
 * Human-readable rendering of scenarios and their outcomes (pure string functions).
 */
import { recordText } from '../model/audit.js';
import { describeDomain } from '../model/domain.js';
import type { Delivery, StepOutcome } from '../model/state.js';
import { opOf } from '../ops/index.js';
import type { Scenario, Step } from './scenario.js';

export { addrText } from '../model/uapi.js';

/** One step as a short command line: "P1 connect cli -> @srv" (each op's `text`). */
export const stepText = (st: Step): string => opOf(st).text(st);

export interface RenderOptions {
  /** Per-step second result to show side by side (e.g. the kernel's), with its label. */
  other?: { label: string; results: readonly string[] };
  /** What the main results are called in difference lines (default "model"). */
  selfLabel?: string;
  /** Mark steps whose `expect` differs from the result. */
  checkExpect?: boolean;
}

/** One signal a step sent besides its own reach: "SIGIO to P1 (owner set by P0): denied by layer 0 (file_send_sigiotask), dropped". */
export function deliveryText(d: Delivery): string {
  const sig = d.signal === '0' ? 'signal 0' : d.signal;
  const owner = d.reach.via === 'sigio' || d.reach.via === 'sigurg';
  const how = owner ? `owner set by ${d.reach.clientTask}` : `${d.reach.via} from ${d.reach.clientTask}`;
  const what = d.allowed ? (d.signal === '0' ? 'allowed' : 'pending') : `denied by layer ${d.denial!.layer} (${d.denial!.hook})${owner ? ', dropped' : ''}`;
  return `${sig} to ${d.reach.targetName} (${how}): ${what}`;
}

/** The scenario step by step with results, domains and denial reasons. */
export function renderOutcomes(s: Scenario, outcomes: readonly StepOutcome[], o: RenderOptions = {}): string {
  const width = Math.min(56, Math.max(...s.steps.map((st) => stepText(st).length), 10));
  const lines: string[] = [];
  s.steps.forEach((st, i) => {
    const out = outcomes[i]!;
    const idx = `#${i}`.padStart(4);
    let line = `${idx}  ${stepText(st).padEnd(width)}  ${out.result.padEnd(13)}`;
    if (o.other) line += `${o.other.label}=${(o.other.results[i] ?? "?").padEnd(13)}`;
    line += `${st.by}: ${describeDomain(out.domain)}`;
    lines.push(line);
    if (out.denial)
      lines.push(`        denied by layer ${out.denial.layer} (${out.denial.mechanism}, ${out.denial.hook}): ${out.denial.reason}`);
    else if (out.note && out.result !== 'ok') lines.push(`        ${out.note}`);
    for (const d of out.deliveries ?? []) lines.push(`        → ${deliveryText(d)}`);
    for (const r of out.audit ?? []) lines.push(`        audit: ${recordText(r)}${r.uncertain ? '  (possible: it depends on timing or on the order of a release)' : ''}`);
    for (const why of out.auditSilenced ?? []) lines.push(`        audit: not logged: ${why}`);
    if (o.checkExpect && st.expect !== undefined && st.expect !== out.result)
      lines.push(`        ✗ expected ${st.expect}, got ${out.result}`);
    if (o.other && o.other.results[i] !== undefined && o.other.results[i] !== out.result)
      lines.push(`        ✗ ${o.selfLabel ?? 'model'} ${out.result}, ${o.other.label} ${o.other.results[i]}`);
  });
  return lines.join('\n');
}

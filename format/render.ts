/**
 * Human-readable rendering of scenarios and their outcomes (pure string functions).
 */
import type { Address, Scenario, Step } from './scenario.js';
import type { StepOutcome } from '../model/state.js';

export const addrText = (a: Address): string => ('abstract' in a ? `@${a.abstract}` : a.pathname);

/** One step as a short command line: "P1 connect cli -> @srv". */
export function stepText(st: Step): string {
  switch (st.op) {
    case 'fork':
    case 'thread':
      return `${st.by} ${st.op} ${st.child}`;
    case 'exit':
      return `${st.by} exit`;
    case 'restrict_self': {
      const parts: string[] = [];
      if (st.scoped?.length) parts.push(`scoped=${st.scoped.join(',')}`);
      if (st.handled_fs?.length) parts.push(`handled_fs=${st.handled_fs.join(',')}`);
      for (const r of st.rules ?? []) parts.push(`rule ${r.path}:${r.access.join(',')}`);
      if (st.tsync) parts.push('tsync');
      return `${st.by} restrict_self ${parts.join(' ') || '(empty)'}`;
    }
    case 'mkdir':
      return `${st.by} mkdir ${st.path}`;
    case 'socket':
      return `${st.by} socket ${st.sock} ${st.type}`;
    case 'socketpair':
      return `${st.by} socketpair ${st.socks[0]},${st.socks[1]} ${st.type}`;
    case 'bind':
      return `${st.by} bind ${st.sock} ${addrText(st.addr)}`;
    case 'listen':
      return `${st.by} listen ${st.sock}`;
    case 'connect':
      return `${st.by} connect ${st.sock} -> ${addrText(st.addr)}`;
    case 'sendto':
      return `${st.by} sendto ${st.sock} -> ${addrText(st.addr)}`;
    case 'send':
      return `${st.by} send ${st.sock}`;
    case 'pass':
      return `${st.by} pass ${st.sock} -> ${st.to}`;
    case 'close':
      return `${st.by} close ${st.sock}`;
    case 'kill':
    case 'tgkill':
      return `${st.by} ${st.op} ${st.target}${st.signal ? ` ${st.signal}` : ''}`;
  }
}

export interface RenderOptions {
  /** Per-step second result to show side by side (e.g. the kernel's), with its label. */
  other?: { label: string; results: readonly string[] };
  /** What the main results are called in difference lines (default "model"). */
  selfLabel?: string;
  /** Mark steps whose `expect` differs from the result. */
  checkExpect?: boolean;
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
    line += `${st.by}: ${out.domain}`;
    lines.push(line);
    if (out.denial)
      lines.push(`        denied by layer ${out.denial.layer} (${out.denial.mechanism}, ${out.denial.hook}): ${out.denial.reason}`);
    else if (out.note && out.result !== 'ok') lines.push(`        ${out.note}`);
    if (o.checkExpect && st.expect !== undefined && st.expect !== out.result)
      lines.push(`        ✗ expected ${st.expect}, got ${out.result}`);
    if (o.other && o.other.results[i] !== undefined && o.other.results[i] !== out.result)
      lines.push(`        ✗ ${o.selfLabel ?? 'model'} ${out.result}, ${o.other.label} ${o.other.results[i]}`);
  });
  return lines.join('\n');
}

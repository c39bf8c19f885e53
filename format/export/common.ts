/**
 * Shared input and helpers of the exporters (pure: scenario + outcomes → text).
 */
import type { StepOutcome } from '../../model/state.js';
import type { Scenario } from '../scenario.js';

/** What every exporter gets: the scenario, the model's outcomes under one semantics. */
export interface ExportInput {
  scenario: Scenario;
  /** evaluate(scenario, semantics): one outcome per step. */
  outcomes: readonly StepOutcome[];
  /** The semantics' name (e.g. "abi7"). */
  semantics: string;
  /** The errata mask the outcomes were computed with. */
  errata?: number;
  /** Where the scenario came from (a file name), for headers. */
  source?: string;
  /** The text of replayer/ops.h, which the C export inlines (read by the caller: exporters do no I/O). */
  opsHeader?: string;
}

/** A title for the scenario: its name, else the source file's base name, else "scenario". */
export function scenarioTitle(i: ExportInput): string {
  if (i.scenario.name) return i.scenario.name;
  if (i.source) return i.source.replace(/^.*\//, '').replace(/\.(json|jsonl)$/, '');
  return 'scenario';
}

/** A file name stem for a title: [A-Za-z0-9_-]. */
export function fileStem(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_') || 'scenario';
}

/** A C-identifier-safe version of a name: [a-z0-9_], not starting with a digit. */
export function identifier(s: string): string {
  const id = s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(id) ? id : `s_${id}`;
}

/** Text safe inside a C block comment. */
export function cCommentText(s: string): string {
  return s.replace(/\*\//g, '* /');
}

/** Wraps text at `width` columns (on spaces). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const w of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + w.length > width) {
        out.push(line);
        line = w;
      } else line = line ? `${line} ${w}` : w;
    }
    out.push(line);
  }
  return out;
}

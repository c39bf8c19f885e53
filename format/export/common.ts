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
  /**
   * The layout engine the SVG export needs: Graphviz DOT text → SVG text (`dot -Tsvg`). The
   * caller loads it (a WebAssembly module, loaded once, asynchronously) and passes it in, so that
   * the exporters stay pure and synchronous.
   */
  layout?: (dot: string) => string;
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

/** Text safe inside a C block comment: no comment terminator, no line breaks or other control characters. */
export function cCommentText(s: string): string {
  // No "*/" (ends the comment), no "/*" (-Wcomment), no "??" (a trigraph, -Wtrigraphs).
  return oneLine(s).replace(/\*\//g, '* /').replace(/\/\*/g, '/ *').replace(/\?\?/g, '? ?');
}

/**
 * One line of text: every control character (line breaks included) and the Unicode line and
 * paragraph separators become "?", so that nothing from a file name or a scenario can start a
 * new line of a generated script or program.
 */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

/** A C string literal: printable ASCII as it is (\\ and \" escaped), every other byte in octal. */
export function cString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f && b !== 0x3f) out += String.fromCharCode(b); // '?' escaped too: no trigraphs
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** A word for a POSIX shell command line: as it is when plain, else single-quoted (and on one line). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./+=@%:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
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
